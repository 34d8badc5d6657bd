package org.sparkcnn.jobs;

import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.sparkcnn.jobs.data.ExampleBlock;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction2;

/**
 * One step's task: a partition's share of the step ({@link PartitionShare}) with the step's weights
 * and permutation from their broadcasts.
 *
 * <p>A named class rather than a lambda: Spark's closure cleaner reads the class file of every
 * lambda it is given with ASM and serializes it once more to check it, on every job. For a class it
 * does neither, which saved several milliseconds of driver time per step (docs/PERFORMANCE.md).
 */
final class PartitionGradient extends AbstractFunction2<TaskContext, scala.collection.Iterator<ExampleBlock>, StepSum>
        implements FlatMapFunction<Iterator<ExampleBlock>, StepSum>, Serializable {

    private static final long serialVersionUID = 1L;

    private final PartitionShare share;
    private final Broadcast<int[]> perm;
    private final Broadcast<float[]> weights;
    private final int start;
    private final int length;
    private final long step;
    private final int epoch;

    PartitionGradient(PartitionShare share, Broadcast<int[]> perm, Broadcast<float[]> weights, int start, int length,
                      long step, int epoch) {
        this.share = share;
        this.perm = perm;
        this.weights = weights;
        this.start = start;
        this.length = length;
        this.step = step;
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
        return share.sum(context, blocks, perm.value(), weights.value(), start, length, step, epoch);
    }
}
