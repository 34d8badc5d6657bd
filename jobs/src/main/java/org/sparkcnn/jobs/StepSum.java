package org.sparkcnn.jobs;

import java.io.Serializable;
import java.util.Arrays;
import org.sparkcnn.engine.train.FixedPointSum;

/** What one partition returns for a step: its exact gradient sum and its task time; merged on the driver. */
public final class StepSum implements Serializable {

    private static final long serialVersionUID = 1L;

    final FixedPointSum sum;
    double[] taskMs;

    StepSum() {
        this(new FixedPointSum(), new double[0]);
    }

    StepSum(FixedPointSum sum, double[] taskMs) {
        this.sum = sum;
        this.taskMs = taskMs;
    }

    StepSum merge(StepSum other) {
        sum.merge(other.sum);
        double[] all = Arrays.copyOf(taskMs, taskMs.length + other.taskMs.length);
        System.arraycopy(other.taskMs, 0, all, taskMs.length, other.taskMs.length);
        taskMs = all;
        return this;
    }
}
