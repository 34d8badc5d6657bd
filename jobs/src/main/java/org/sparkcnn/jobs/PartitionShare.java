package org.sparkcnn.jobs;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.train.Augmentation;
import org.sparkcnn.engine.train.FixedPointSum;
import org.sparkcnn.engine.train.GradientWorker;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * A partition's share of a step, on the executor: the exact sum of the gradients of the step's
 * examples that its blocks hold. With {@code threadsWanted} 0 (the default) its chunks or ghost groups
 * go to the executor's shared engine threads ({@link ExecutorCompute}); with N > 0, to a pooled engine
 * replica of N threads of the task's own.
 * The settings are the run's and never change between steps; {@link #sum} takes the step's own values.
 * {@code groupSize} > 0 (a model with batch norm) computes each ghost group as one engine call.
 */
record PartitionShare(String modelJson, Normalization norm, int chunk, int threadsWanted, long seed,
                      Augmentation augmentation, int groupSize, int bufferCount) implements Serializable {

    /**
     * The sum over the examples at positions {@code [start, start + length)} of {@code perm} that
     * {@code blocks} hold, with {@code weights}; null when they hold none (nothing to compute or ship).
     */
    StepSum sum(TaskContext context, Iterator<ExampleBlock> blocks, int[] perm, float[] weights, int start, int length,
                long step, int epoch) {
        long started = System.nanoTime();
        List<Integer> positions = new ArrayList<>();
        List<GradientWorker.Examples> units = groupSize > 0
                ? TrainingJob.groupsOfBatch(blocks, perm, start, length, groupSize, positions)
                : PartitionLayout.shareOfBatch(blocks, perm, start, length);
        if (units.isEmpty()) {
            return null;
        }
        TestFaults.pauseTrainingTask(step + 1, context);  // inert unless a test sets its variable on the executors
        FixedPointSum sum = new FixedPointSum();
        float[] stats = groupSize > 0 ? new float[units.size() * bufferCount] : null;
        if (threadsWanted == 0) {  // the executor's cores, shared by its tasks
            ExecutorCompute.accumulate(this, groupSize > 0 ? units : ExecutorCompute.chunks(units, chunk), weights, length,
                    step, epoch, sum, stats);
            return result(sum, stats, positions, started);
        }
        int threads = threadsWanted;
        int replicaBatch = groupSize > 0 ? groupSize : chunk;
        GradientWorker worker = WorkerPool.borrow(modelJson, norm, replicaBatch, threads);
        try {
            if (groupSize > 0) {
                worker.accumulateGroups(weights, units, length, seed, step, augmentation, epoch, sum, stats);
            } else {
                worker.accumulate(weights, units, length, seed, step, augmentation, epoch, sum);
            }
        } finally {
            WorkerPool.giveBack(modelJson, norm, replicaBatch, threads, worker);
        }
        return result(sum, stats, positions, started);
    }

    private StepSum result(FixedPointSum sum, float[] stats, List<Integer> positions, long started) {
        StepSum out = new StepSum(sum, new double[]{(System.nanoTime() - started) / 1e6});
        if (groupSize > 0) {
            out.groups = positions.stream().mapToInt(Integer::intValue).toArray();
            out.stats = stats;
        }
        return out;
    }
}
