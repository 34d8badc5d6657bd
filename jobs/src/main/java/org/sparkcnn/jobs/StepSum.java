package org.sparkcnn.jobs;

import java.io.Serializable;
import java.util.Arrays;
import org.sparkcnn.engine.train.FixedPointSum;

/**
 * What one partition returns for a step: its exact gradient sum and its task time; merged on the driver.
 * For a model with batch norm also each of its ghost groups' batch statistics, keyed by the group's
 * position in the step ({@code groups[i]}'s statistics are {@code stats[i*B .. (i+1)*B)}, B the state
 * size), so the driver can apply them in group order whatever the partitioning.
 */
public final class StepSum implements Serializable {

    private static final long serialVersionUID = 1L;

    final FixedPointSum sum;
    double[] taskMs;
    int[] groups = new int[0];
    float[] stats = new float[0];

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
        if (other.groups.length > 0) {
            int[] g = Arrays.copyOf(groups, groups.length + other.groups.length);
            System.arraycopy(other.groups, 0, g, groups.length, other.groups.length);
            float[] st = Arrays.copyOf(stats, stats.length + other.stats.length);
            System.arraycopy(other.stats, 0, st, stats.length, other.stats.length);
            groups = g;
            stats = st;
        }
        return this;
    }
}
