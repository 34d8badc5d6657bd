package org.sparkcnn.jobs;

import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.train.Augmentation;
import org.sparkcnn.engine.train.FixedPointSum;
import org.sparkcnn.engine.train.GradientWorker;
import org.sparkcnn.jobs.data.ExampleBlock;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction2;

/**
 * One partition's share of a step: the exact sum of the gradients of the step's examples that its
 * blocks hold, computed by a pooled engine replica with the cores the task owns.
 *
 * <p>A named class rather than a lambda: Spark's closure cleaner reads the class file of every
 * lambda it is given with ASM and serializes it once more to check it, on every job. For a class it
 * does neither, which saved several milliseconds of driver time per step (docs/PERFORMANCE.md).
 */
final class PartitionGradient extends AbstractFunction2<TaskContext, scala.collection.Iterator<ExampleBlock>, StepSum>
        implements FlatMapFunction<Iterator<ExampleBlock>, StepSum>, Serializable {

    private static final long serialVersionUID = 1L;

    private final String modelJson;
    private final Normalization norm;
    private final Broadcast<int[]> perm;
    private final Broadcast<float[]> weights;
    private final int start;
    private final int length;
    private final int chunk;
    private final int threadsWanted;
    private final long seed;
    private final long step;
    private final Augmentation augmentation;
    private final int epoch;
    private final int groupSize;    // batch-norm ghost groups: > 0 for a model with batch norm
    private final int bufferCount;

    PartitionGradient(String modelJson, Normalization norm, Broadcast<int[]> perm, Broadcast<float[]> weights, int start,
                      int length, int chunk, int threadsWanted, long seed, long step, Augmentation augmentation, int epoch) {
        this(modelJson, norm, perm, weights, start, length, chunk, threadsWanted, seed, step, augmentation, epoch, 0, 0);
    }

    PartitionGradient(String modelJson, Normalization norm, Broadcast<int[]> perm, Broadcast<float[]> weights, int start,
                      int length, int chunk, int threadsWanted, long seed, long step, Augmentation augmentation, int epoch,
                      int groupSize, int bufferCount) {
        this.groupSize = groupSize;
        this.bufferCount = bufferCount;
        this.modelJson = modelJson;
        this.norm = norm;
        this.perm = perm;
        this.weights = weights;
        this.start = start;
        this.length = length;
        this.chunk = chunk;
        this.threadsWanted = threadsWanted;
        this.seed = seed;
        this.step = step;
        this.augmentation = augmentation;
        this.epoch = epoch;
    }

    /** For {@code SparkContext.runJob}: the partition's sum, or null when it holds none of the step's examples. */
    @Override
    public StepSum apply(TaskContext context, scala.collection.Iterator<ExampleBlock> blocks) {
        return compute(context, CollectionConverters.asJava(blocks));
    }

    /** For {@code mapPartitions} under {@code treeAggregate}: the sum as one element, or nothing. */
    @Override
    public Iterator<StepSum> call(Iterator<ExampleBlock> blocks) {
        StepSum sum = compute(TaskContext.get(), blocks);
        return sum == null ? Collections.emptyIterator() : Collections.singletonList(sum).iterator();
    }

    private StepSum compute(TaskContext context, Iterator<ExampleBlock> blocks) {
        if (groupSize > 0) {
            return computeGroups(context, blocks);
        }
        long started = System.nanoTime();
        List<GradientWorker.Examples> units = PartitionLayout.shareOfBatch(blocks, perm.value(), start, length);
        if (units.isEmpty()) {
            return null;  // nothing to compute, nothing to ship
        }
        TestFaults.pauseTrainingTask(step + 1, context);  // inert unless a test sets its variable on the executors
        int threads = threadsWanted > 0 ? threadsWanted : Math.max(1, context.cpus());
        GradientWorker worker = WorkerPool.borrow(modelJson, norm, chunk, threads);
        FixedPointSum sum = new FixedPointSum();
        try {
            worker.accumulate(weights.value(), units, length, seed, step, augmentation, epoch, sum);
        } finally {
            WorkerPool.giveBack(modelJson, norm, chunk, threads, worker);
        }
        return new StepSum(sum, new double[]{(System.nanoTime() - started) / 1e6});
    }

    /** Batch norm: each ghost group of the step held here is one engine call of exactly its examples. */
    private StepSum computeGroups(TaskContext context, Iterator<ExampleBlock> blocks) {
        long started = System.nanoTime();
        List<Integer> positions = new java.util.ArrayList<>();
        List<GradientWorker.Examples> groups = TrainingJob.groupsOfBatch(blocks, perm.value(), start, length, groupSize, positions);
        if (groups.isEmpty()) {
            return null;
        }
        TestFaults.pauseTrainingTask(step + 1, context);
        int threads = threadsWanted > 0 ? threadsWanted : Math.max(1, context.cpus());
        GradientWorker worker = WorkerPool.borrow(modelJson, norm, groupSize, threads);
        FixedPointSum sum = new FixedPointSum();
        float[] stats = new float[groups.size() * bufferCount];
        try {
            worker.accumulateGroups(weights.value(), groups, length, seed, step, augmentation, epoch, sum, stats);
        } finally {
            WorkerPool.giveBack(modelJson, norm, groupSize, threads, worker);
        }
        StepSum out = new StepSum(sum, new double[]{(System.nanoTime() - started) / 1e6});
        out.groups = positions.stream().mapToInt(Integer::intValue).toArray();
        out.stats = stats;
        return out;
    }
}
