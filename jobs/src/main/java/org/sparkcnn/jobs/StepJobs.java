package org.sparkcnn.jobs;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.sparkcnn.jobs.data.ExampleBlock;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * One Spark job per step, in MLlib's shape: the driver broadcasts the weights, each partition holding
 * some of the step's examples sums its share, and the sums are added on the driver as
 * {@code treeAggregate} adds them: with {@code treeAggregate} itself when the partition count needs an
 * intermediate level, and otherwise as one plain job ({@code runJob}), which costs Spark less.
 */
final class StepJobs implements StepExchange {

    // org.apache.spark.util.CallSite.SHORT_FORM and LONG_FORM, and SparkContext.SPARK_JOB_DESCRIPTION
    private static final String CALL_SITE_SHORT = "callSite.short";
    private static final String CALL_SITE_LONG = "callSite.long";
    private static final String JOB_DESCRIPTION = "spark.job.description";
    private static final ClassTag<StepSum> STEP_SUM = ClassTag$.MODULE$.apply(StepSum.class);

    private final JavaSparkContext sc;
    private final JavaRDD<ExampleBlock> blocks;
    private final PartitionShare share;
    private final int depth;
    private final int partitions;
    private Broadcast<int[]> perm;

    StepJobs(JavaSparkContext sc, JavaRDD<ExampleBlock> blocks, PartitionShare share, int depth) {
        this.sc = sc;
        this.blocks = blocks;
        this.share = share;
        this.depth = depth;
        this.partitions = blocks.getNumPartitions();
    }

    @Override
    public void startEpoch(int epoch, int[] permutation) {
        close();
        perm = sc.broadcast(permutation);
    }

    @Override
    public Sums sum(float[] params, int start, int length, long step, int epoch, int[] holding) {
        long t0 = System.nanoTime();
        Broadcast<float[]> weights = sc.broadcast(params);
        double shipMs = (System.nanoTime() - t0) / 1e6;
        PartitionGradient task = new PartitionGradient(share, perm, weights, start, length, step, epoch);
        // Named jobs in Spark's UI and event log, and no stack walk per job to find the call site. Only
        // the step's own job carries the names: the previous values come back before the listener runs
        // (its validation jobs are not training steps).
        String name = "sparkcnn step " + (step + 1) + " (epoch " + (epoch + 1) + ")";
        String[] keys = {CALL_SITE_SHORT, CALL_SITE_LONG, JOB_DESCRIPTION, TrainingJob.STEP_PROPERTY};
        String[] before = new String[keys.length];
        for (int k = 0; k < keys.length; k++) {
            before[k] = sc.getLocalProperty(keys[k]);
        }
        sc.setLocalProperty(CALL_SITE_SHORT, name);
        sc.setLocalProperty(CALL_SITE_LONG, "org.sparkcnn.jobs.TrainingJob.step");
        sc.setLocalProperty(JOB_DESCRIPTION, name);
        sc.setLocalProperty(TrainingJob.STEP_PROPERTY, Long.toString(step + 1));
        try {
            if (oneLevel(partitions, depth)) {
                return new Sums(sumOnDriver(holding, task), shipMs);
            }
            // an intermediate level: treeAggregate itself, over the partitions holding examples
            JavaRDD<ExampleBlock> pruned = new JavaRDD<>(PartitionPruningRDD.create(blocks.rdd(),
                    new PartitionLayout.Among(holding)), blocks.classTag());
            return new Sums(pruned.mapPartitions(task).treeAggregate(new StepSum(), StepSum::merge, StepSum::merge, depth), shipMs);
        } finally {
            weights.destroy();
            for (int k = 0; k < keys.length; k++) {
                sc.setLocalProperty(keys[k], before[k]);
            }
        }
    }

    /**
     * {@code treeAggregate} at one level, as a plain job: the partitions' sums go straight to the
     * driver, which adds each as it arrives. Only the partitions holding some of the step's examples
     * get a task.
     */
    private StepSum sumOnDriver(int[] holding, PartitionGradient task) {
        StepSum total = new StepSum();
        List<Object> which = new ArrayList<>(holding.length);
        for (int p : holding) {
            which.add(p);
        }
        sc.sc().runJob(blocks.rdd(), task, CollectionConverters.asScala(which).toSeq(),
                new AbstractFunction2<Object, StepSum, BoxedUnit>() {
                    @Override
                    public BoxedUnit apply(Object partition, StepSum sum) {
                        if (sum != null) {
                            total.merge(sum);
                        }
                        return BoxedUnit.UNIT;
                    }
                }, STEP_SUM);
        return total;
    }

    /**
     * Whether Spark's {@code treeAggregate} at {@code depth} would add the partitions' sums on the
     * driver without an intermediate level (its own rule, with its scale of ceil(P^(1/depth))).
     */
    static boolean oneLevel(int partitions, int depth) {
        int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
        return partitions <= scale + (int) Math.ceil((double) partitions / scale);
    }

    @Override
    public void close() {
        if (perm != null) {
            perm.destroy();
            perm = null;
        }
    }
}
