package org.sparkcnn.jobs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.optim.GradientClipping;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Optimizer;
import org.sparkcnn.engine.train.Augmentation;
import org.sparkcnn.engine.train.BatchSampler;
import org.sparkcnn.engine.train.FixedPointSum;
import org.sparkcnn.engine.train.GradientWorker;
import org.sparkcnn.engine.train.RunningStatistics;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * Synchronous data-parallel SGD on Spark, in MLlib's shape: each step the driver broadcasts the
 * weights (one {@code float[]}); every partition sums the gradient of its share of the step's
 * mini-batch through the engine; the partition sums are added on the driver; the optimizer applies
 * one update. Only the partitions holding the step's examples get a task. Their sums are added as
 * {@code treeAggregate} would: with {@code treeAggregate} itself when the partition count needs an
 * intermediate level, and otherwise (the common case) as one plain job, which costs Spark less per
 * step.
 *
 * <p>Deterministic by construction: the examples of step t of epoch e come from {@link BatchSampler}
 * (a function of the seed only); each block's share is cut into fixed chunks; chunk gradients are
 * summed exactly in fixed point ({@link FixedPointSum}). The weights are therefore bit-identical for
 * any number of partitions, cores or executors.
 *
 * <p>A model with batch norm trains in ghost groups ({@link BatchSampler#grouped}): each group of a
 * step is one engine call inside one block, normalized with its own statistics, and the driver
 * applies the groups' running-statistics updates in group order after the step (docs/ENGINE.md,
 * "Batch norm on Spark"), so the state is bit-identical for any partitioning too.
 */
public final class TrainingJob {

    /**
     * What one run needs besides the data. {@code treeDepth} 0 picks the depth from the partition
     * count. {@code startStep} is the number of steps already taken (a resumed run continues there;
     * epochs have a fixed number of steps, so the step is the whole data cursor). With
     * {@code skipDivergentSteps}, a step whose loss or gradient is not finite is skipped (no update)
     * and reported in its {@link StepMetrics#skipped()} instead of stopping the run. {@code clipGradNorm}
     * > 0 clips the summed gradient to that global L2 norm before each update (0: no clipping).
     * {@code augmentation} transforms each training input on the executors (null: none).
     * {@code stepLoop} runs the steps through the opt-in step loop ({@link StepLoop}) instead of a Spark
     * job per step: the same bits, less of Spark's cost per step.
     */
    public record Config(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                         int treeDepth, long startStep, boolean skipDivergentSteps, double clipGradNorm,
                         Augmentation augmentation, boolean stepLoop, Sampling sampling) {
        public Config(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                      int treeDepth, long startStep, boolean skipDivergentSteps, double clipGradNorm,
                      Augmentation augmentation) {
            this(seed, epochs, maxSteps, batchSize, chunkSize, threadsPerTask, treeDepth, startStep, skipDivergentSteps,
                    clipGradNorm, augmentation, false, Sampling.SHUFFLE);
        }

        /** This configuration with the step loop ({@link StepLoop}) on or off. */
        public Config withStepLoop(boolean on) {
            return new Config(seed, epochs, maxSteps, batchSize, chunkSize, threadsPerTask, treeDepth, startStep,
                    skipDivergentSteps, clipGradNorm, augmentation, on, sampling);
        }

        /** This configuration with {@code how} batches are drawn for a model without batch norm. */
        public Config withSampling(Sampling how) {
            return new Config(seed, epochs, maxSteps, batchSize, chunkSize, threadsPerTask, treeDepth, startStep,
                    skipDivergentSteps, clipGradNorm, augmentation, stepLoop, how);
        }

        public Config(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                      int treeDepth) {
            this(seed, epochs, maxSteps, batchSize, chunkSize, threadsPerTask, treeDepth, 0, false);
        }

        public Config(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                      int treeDepth, long startStep, boolean skipDivergentSteps) {
            this(seed, epochs, maxSteps, batchSize, chunkSize, threadsPerTask, treeDepth, startStep, skipDivergentSteps, 0);
        }

        public Config(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                      int treeDepth, long startStep, boolean skipDivergentSteps, double clipGradNorm) {
            this(seed, epochs, maxSteps, batchSize, chunkSize, threadsPerTask, treeDepth, startStep, skipDivergentSteps,
                    clipGradNorm, Augmentation.NONE);
        }

        public Config {
            if (augmentation == null) {
                augmentation = Augmentation.NONE;
            }
            if (sampling == null) {
                sampling = Sampling.SHUFFLE;
            }
            if (startStep < 0) {
                throw new IllegalArgumentException("start step must be >= 0, got " + startStep);
            }
            if (epochs <= 0 && maxSteps <= 0) {
                throw new IllegalArgumentException("epochs or max-steps must be positive");
            }
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch-size must be positive, got " + batchSize);
            }
            if (chunkSize <= 0) {
                throw new IllegalArgumentException("chunk-size must be positive, got " + chunkSize);
            }
            if (!(clipGradNorm >= 0) || clipGradNorm == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("clip-grad-norm must be finite and >= 0 (0 = off), got " + clipGradNorm);
            }
        }
    }

    /**
     * One step, in milliseconds: the broadcast, the executor compute with its aggregation (from
     * submitting the job to the driver holding the sum), the slowest and the median task, and the
     * optimizer update. {@code tasks} is the number of partitions that had examples in this step.
     * {@code endOfEpoch} marks an epoch's last step. {@code skipped} is null, or why the step was
     * skipped without an update (a non-finite loss or gradient, under {@code skipDivergentSteps}).
     * {@code loss} is the batch's loss per example ({@link org.sparkcnn.engine.layers.Loss#perExample}).
     */
    public record StepMetrics(int epoch, long step, int examples, double loss, double lr, double broadcastMs,
                              double computeMs, double maxTaskMs, double medianTaskMs, double updateMs, int tasks,
                              boolean endOfEpoch, String skipped, long correct) {
        /** The share of the step's examples the network classified right before the update. */
        public double trainAccuracy() {
            return examples > 0 ? (double) correct / examples : Double.NaN;
        }

        public double totalMs() {
            return broadcastMs + computeMs + updateMs;
        }

        public double examplesPerSecond() {
            double total = totalMs();
            return total > 0 ? examples * 1000.0 / total : 0;
        }

        /** The slowest task over the median one: 1 is perfectly balanced; a straggler shows as a large value. */
        public double taskSkew() {
            return medianTaskMs > 0 ? maxTaskMs / medianTaskMs : 1;
        }
    }

    /** Sees every step after its update; returns false to stop training there (early stopping). */
    @FunctionalInterface
    public interface StepListener {
        boolean afterStep(StepMetrics metrics, float[] params);
    }

    /**
     * The outcome: the final weights, how many steps produced them (counting those before a resume),
     * and how many of this run's steps were skipped as divergent.
     */
    public record Result(float[] params, long steps, int epochsCompleted, double lastLoss, long skippedSteps,
                         float[] buffers) {
        public Result(float[] params, long steps, int epochsCompleted, double lastLoss, long skippedSteps) {
            this(params, steps, epochsCompleted, lastLoss, skippedSteps, null);
        }

        /** The weights' hash; for a model with state, of the weights followed by the state ({@link #modelSha256}). */
        public String weightsSha256() {
            return modelSha256(params, buffers);
        }
    }

    /**
     * The hash that names a trained model: SHA-256 of the weights' float32 bits (as
     * {@link ModelFile#sha256}), or, for a model with state (batch norm's running statistics), of
     * the weights' bits followed by the state's. A model without state hashes as before.
     */
    public static String modelSha256(float[] params, float[] buffers) {
        if (buffers == null || buffers.length == 0) {
            return ModelFile.sha256(params);
        }
        float[] all = Arrays.copyOf(params, params.length + buffers.length);
        System.arraycopy(buffers, 0, all, params.length, buffers.length);
        return ModelFile.sha256(all);
    }

    /** The default ghost-group size for models with batch norm ({@code training.bn-group-size}). */
    public static final int DEFAULT_BN_GROUP_SIZE = 32;

    /** Thrown when a step's loss or gradient is not finite; names the step and the first layer affected. */
    public static final class DivergenceException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DivergenceException(String message) {
            super(message);
        }
    }

    /**
     * The local property that marks a training step's job (its value: the 1-based global step). Spark
     * copies local properties into its listener events and event log, so a step's tasks can be told
     * apart from every other job's (validation, evaluation) there. Set only while the step's job runs.
     */
    public static final String STEP_PROPERTY = "sparkcnn.training.step";

    private TrainingJob() {
    }

    /**
     * Trains {@code params} in place. {@code blocks} should be cached by the caller; {@code count}
     * is the number of examples in it. {@code listener} sees every step's metrics.
     */
    public static Result train(JavaSparkContext sc, ModelDefinition def, Normalization norm, JavaRDD<ExampleBlock> blocks,
                               int count, float[] params, Optimizer optimizer, LrSchedule schedule, Config cfg,
                               StepListener listener) {
        if (def.bufferCount() > 0) {
            throw new IllegalArgumentException("model '" + def.name() + "' has batch-norm state; train it with its state buffer "
                    + "and a group size (TrainingJob.train with buffers)");
        }
        return trainSteps(sc, def, norm, blocks, count, params, null, 0, optimizer, schedule, cfg, listener);
    }

    /**
     * As above, for any model: {@code buffers} is the model's state (batch norm's running statistics,
     * updated in place; null or empty for a model without), and {@code bnGroupSize} the ghost-group
     * size G of a model with batch norm (ignored without): each step's examples are groups of G from
     * one block each ({@link BatchSampler#grouped}), each group one engine call normalized with its own
     * statistics, and the running statistics take one update per group, in group order, on the driver.
     * The batch size must be a multiple of G; a block's last {@code size % G} examples of an epoch's
     * shuffle sit that epoch out.
     */
    public static Result train(JavaSparkContext sc, ModelDefinition def, Normalization norm, JavaRDD<ExampleBlock> blocks,
                               int count, float[] params, float[] buffers, Optimizer optimizer, LrSchedule schedule,
                               Config cfg, int bnGroupSize, StepListener listener) {
        if (def.bufferCount() == 0) {
            return trainSteps(sc, def, norm, blocks, count, params, null, 0, optimizer, schedule, cfg, listener);
        }
        if (buffers == null || buffers.length != def.bufferCount()) {
            throw new IllegalArgumentException("model '" + def.name() + "' has " + def.bufferCount() + " floats of state; got "
                    + (buffers == null ? "none" : buffers.length));
        }
        if (bnGroupSize <= 0 || cfg.batchSize() % bnGroupSize != 0) {
            throw new IllegalArgumentException("training.batch-size (" + cfg.batchSize() + ") must be a multiple of "
                    + "training.bn-group-size (" + bnGroupSize + ") for a model with batch norm");
        }
        return trainSteps(sc, def, norm, blocks, count, params, buffers, bnGroupSize, optimizer, schedule, cfg, listener);
    }

    private static Result trainSteps(JavaSparkContext sc, ModelDefinition def, Normalization norm,
                                     JavaRDD<ExampleBlock> blocks, int count, float[] params, float[] buffers, int groupSize,
                                     Optimizer optimizer, LrSchedule schedule, Config cfg, StepListener listener) {
        PartitionShare share = new PartitionShare(def.toJsonString(), norm, cfg.chunkSize(), cfg.threadsPerTask(), cfg.seed(),
                cfg.augmentation(), groupSize, buffers == null ? 0 : buffers.length);
        int partitions = blocks.getNumPartitions();
        int depth = cfg.treeDepth() > 0 ? cfg.treeDepth() : Math.max(2, (int) Math.ceil(Math.log(partitions) / Math.log(4)));
        PartitionLayout layout = PartitionLayout.of(blocks);
        BatchSampler sampler = layout.sampler(count, cfg.seed(), cfg.batchSize(),
                samplerGroup(def, cfg.batchSize(), groupSize, cfg.sampling(), cfg.chunkSize()));
        Stepper stepper = new Stepper(buffers, groupSize);
        long globalStep = cfg.startStep();
        double lastLoss = Double.NaN;
        long skipped = 0;
        float[] grads = new float[params.length];
        int epoch = (int) (globalStep / sampler.stepsPerEpoch());
        int firstStep = (int) (globalStep % sampler.stepsPerEpoch());
        try (StepExchange exchange = cfg.stepLoop() ? StepLoop.open(sc, blocks, share) : new StepJobs(sc, blocks, share, depth)) {
            for (; cfg.epochs() <= 0 || epoch < cfg.epochs(); epoch++, firstStep = 0) {
                if (cfg.maxSteps() > 0 && globalStep >= cfg.maxSteps()) {
                    return new Result(params, globalStep, epoch, lastLoss, skipped, buffers);
                }
                int[] perm = sampler.permutation(epoch);
                exchange.startEpoch(epoch, perm);
                for (int t = firstStep; t < sampler.stepsPerEpoch(); t++) {
                    if (cfg.maxSteps() > 0 && globalStep >= cfg.maxSteps()) {
                        return new Result(params, globalStep, epoch, lastLoss, skipped, buffers);
                    }
                    double lr = schedule.lr(globalStep, epoch);
                    StepMetrics m = step(exchange, perm, sampler.batchStart(t), sampler.batchLength(t), params, grads,
                            optimizer, lr, cfg, layout, epoch, globalStep, def, t == sampler.stepsPerEpoch() - 1, stepper);
                    lastLoss = m.loss();
                    globalStep++;
                    if (m.skipped() != null) {
                        skipped++;
                    }
                    if (!listener.afterStep(m, params)) {
                        return new Result(params, globalStep, m.endOfEpoch() ? epoch + 1 : epoch, lastLoss, skipped, buffers);
                    }
                }
                if (cfg.maxSteps() > 0 && globalStep >= cfg.maxSteps()) {
                    return new Result(params, globalStep, epoch + 1, lastLoss, skipped, buffers);
                }
            }
        }
        return new Result(params, globalStep, epoch, lastLoss, skipped, buffers);
    }

    private static StepMetrics step(StepExchange exchange, int[] perm, int start, int length, float[] params, float[] grads,
                                    Optimizer optimizer, double lr, Config cfg, PartitionLayout layout, int epoch, long step,
                                    ModelDefinition def, boolean endOfEpoch, Stepper bn) {
        long t0 = System.nanoTime();
        int[] batch = Arrays.copyOfRange(perm, start, start + length);
        Arrays.sort(batch);
        StepExchange.Sums sums = exchange.sum(params, start, length, step, epoch, layout.holding(batch));
        StepSum result = sums.sum();
        long t1 = t0 + (long) (sums.shipMs() * 1e6);
        long t2 = System.nanoTime();
        FixedPointSum total = result.sum;
        if (total.examples() != length) {
            throw new IllegalStateException("step " + step + ": " + total.examples() + " examples contributed, expected " + length);
        }
        String skipped = null;
        if (total.badIndex() >= 0 || !Double.isFinite(total.loss())) {
            skipped = divergence(def, total, epoch, step);
            if (!cfg.skipDivergentSteps()) {
                throw new DivergenceException(skipped + "; lower the learning rate or clip gradients (training.clip-grad-norm)");
            }
        } else {
            total.gradient(grads);
            if (cfg.clipGradNorm() > 0) {  // on the driver, over the exact sum: the same for any partitioning
                GradientClipping.clipByGlobalNorm(grads, cfg.clipGradNorm());
            }
            optimizer.step(params, grads, lr);
            bn.applyRunningStatistics(def, result, length, step);
        }
        long t3 = System.nanoTime();
        double[] sorted = result.taskMs.clone();
        Arrays.sort(sorted);
        return new StepMetrics(epoch, step, length, def.loss().perExample(total.loss(), length), lr, (t1 - t0) / 1e6, (t2 - t1) / 1e6,
                sorted.length == 0 ? 0 : sorted[sorted.length - 1], sorted.length == 0 ? 0 : sorted[sorted.length / 2],
                (t3 - t2) / 1e6, sorted.length, endOfEpoch, skipped, total.correct());
    }

    /**
     * The steps of an epoch of {@link #train}: ceil(count / batch) for a model without batch norm under
     * {@link Sampling#SHUFFLE}; otherwise of the examples the groups cover (a small job reads the blocks' sizes).
     */
    public static int stepsPerEpoch(JavaRDD<ExampleBlock> blocks, int count, ModelDefinition def, int batchSize, int bnGroupSize,
                                    Sampling sampling, int chunkSize) {
        int group = samplerGroup(def, batchSize, bnGroupSize, sampling, chunkSize);
        if (group == 0) {
            return new BatchSampler(0, count, batchSize).stepsPerEpoch();
        }
        return PartitionLayout.of(blocks).sampler(count, 0, batchSize, group).stepsPerEpoch();
    }

    /**
     * The group size the sampler draws inside blocks: the ghost-group size for a model with batch norm,
     * the chunk size under {@link Sampling#BLOCK_CHUNKS}, else 0 (a permutation of the whole dataset).
     */
    static int samplerGroup(ModelDefinition def, int batchSize, int bnGroupSize, Sampling sampling, int chunkSize) {
        if (def.bufferCount() > 0) {
            return bnGroupSize;
        }
        if (sampling != Sampling.BLOCK_CHUNKS) {
            return 0;
        }
        if (batchSize % chunkSize != 0) {
            throw new IllegalArgumentException("training.batch-size (" + batchSize + ") must be a multiple of training.chunk-size ("
                    + chunkSize + ") with training.sampling = block-chunks; use training.sampling = shuffle, or change either");
        }
        return chunkSize;
    }

    /** Batch norm's part of a step: the state buffer and the ghost-group size (0 and null without batch norm). */
    private record Stepper(float[] buffers, int groupSize) {
        /**
         * One PyTorch running-statistics update per ghost group, in increasing group position within
         * the step: the order does not depend on which partition computed which group.
         */
        void applyRunningStatistics(ModelDefinition def, StepSum result, int length, long step) {
            if (groupSize == 0) {
                return;
            }
            int groups = length / groupSize, b = buffers.length;
            int[] at = new int[groups];
            Arrays.fill(at, -1);
            for (int i = 0; i < result.groups.length; i++) {
                int g = result.groups[i];
                if (g < 0 || g >= groups || at[g] >= 0) {
                    throw new IllegalStateException("step " + step + ": group " + g + " reported twice or out of range");
                }
                at[g] = i;
            }
            for (int g = 0; g < groups; g++) {
                if (at[g] < 0) {
                    throw new IllegalStateException("step " + step + ": no batch statistics for group " + g);
                }
                RunningStatistics.update(def, buffers, result.stats, at[g] * b);
            }
        }
    }

    /**
     * The ghost groups of this step that this partition's blocks hold: group j is positions
     * {@code [start + j*G, start + (j+1)*G)} of {@code perm}, all in one block; its rows keep that order.
     * Adds each group's position j to {@code positions}.
     */
    static List<GradientWorker.Examples> groupsOfBatch(Iterator<ExampleBlock> blocks, int[] perm, int start, int length,
                                                       int groupSize, List<Integer> positions) {
        List<GradientWorker.Examples> groups = new ArrayList<>();
        int count = length / groupSize;
        while (blocks.hasNext()) {
            ExampleBlock b = blocks.next();
            long first = b.firstIndex(), end = first + b.size();
            for (int j = 0; j < count; j++) {
                int p = start + j * groupSize;
                if (perm[p] >= first && perm[p] < end) {
                    int[] rows = new int[groupSize];
                    for (int r = 0; r < groupSize; r++) {
                        long idx = perm[p + r];
                        if (idx < first || idx >= end) {
                            throw new IllegalStateException("ghost group " + j + " crosses the block at example " + first);
                        }
                        rows[r] = (int) (idx - first);
                    }
                    groups.add(new GradientWorker.Examples(b.features(), b.labels(), first, rows));
                    positions.add(j);
                }
            }
        }
        return groups;
    }

    private static String divergence(ModelDefinition def, FixedPointSum total, int epoch, long step) {
        int index = total.badIndex();
        String where = index >= def.paramCount() || index < 0 ? "the loss" : "the gradient of " + paramAt(def, index);
        return "training diverged at step " + (step + 1) + " (epoch " + (epoch + 1) + "): " + where + " is "
                + (index < 0 ? total.loss() : total.badValue());
    }

    private static String paramAt(ModelDefinition def, int index) {
        for (ModelDefinition.ParamSlice s : def.params()) {
            if (index >= s.offset() && index < s.offset() + s.size()) {
                return "layer " + (s.layer() + 1) + " (" + def.layers().get(s.layer()).type() + " '"
                        + def.layers().get(s.layer()).name() + "') parameter " + s.name() + "[" + (index - s.offset()) + "]";
            }
        }
        return "parameter " + index;
    }
}
