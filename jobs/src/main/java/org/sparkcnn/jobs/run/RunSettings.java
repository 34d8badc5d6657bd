package org.sparkcnn.jobs.run;

import java.io.Serializable;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.LrSchedules;
import org.sparkcnn.engine.optim.Optimizer;
import org.sparkcnn.engine.optim.Optimizers;
import org.sparkcnn.engine.train.Augmentation;
import org.sparkcnn.jobs.Sampling;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * Everything a training run's policy needs, typed: what both front doors (the CLI's configuration
 * and the Spark ML estimator's params) are translated into. The optimizer and schedule are named,
 * with their options under PyTorch's names. {@code augmentation} applies to training inputs only.
 * {@code threadsPerTask}, {@code treeDepth} and {@code stepLoop} (training.step-loop) decide how the
 * steps run, never the weights; {@code sampling} (training.sampling) decides which examples share a
 * gradient chunk, so it does change them.
 */
public record RunSettings(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                          int treeDepth, Initializer initializer, String optimizer, double learningRate,
                          Map<String, Object> optimizerOptions, String schedule, Map<String, Object> scheduleOptions,
                          boolean skipDivergentSteps, double clipGradNorm, Augmentation augmentation, Validation validation,
                          Checkpoints checkpoints, int bnGroupSize, boolean stepLoop, Sampling sampling)
        implements Serializable {

    /** Settings that draw batches as a permutation of the whole dataset ({@link Sampling#SHUFFLE}). */
    public RunSettings(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                       int treeDepth, Initializer initializer, String optimizer, double learningRate,
                       Map<String, Object> optimizerOptions, String schedule, Map<String, Object> scheduleOptions,
                       boolean skipDivergentSteps, double clipGradNorm, Augmentation augmentation, Validation validation,
                       Checkpoints checkpoints, int bnGroupSize, boolean stepLoop) {
        this(seed, epochs, maxSteps, batchSize, chunkSize, threadsPerTask, treeDepth, initializer, optimizer, learningRate,
                optimizerOptions, schedule, scheduleOptions, skipDivergentSteps, clipGradNorm, augmentation, validation,
                checkpoints, bnGroupSize, stepLoop, Sampling.SHUFFLE);
    }

    /** Settings without the step loop (a Spark job per step, the default). */
    public RunSettings(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                       int treeDepth, Initializer initializer, String optimizer, double learningRate,
                       Map<String, Object> optimizerOptions, String schedule, Map<String, Object> scheduleOptions,
                       boolean skipDivergentSteps, double clipGradNorm, Augmentation augmentation, Validation validation,
                       Checkpoints checkpoints, int bnGroupSize) {
        this(seed, epochs, maxSteps, batchSize, chunkSize, threadsPerTask, treeDepth, initializer, optimizer, learningRate,
                optimizerOptions, schedule, scheduleOptions, skipDivergentSteps, clipGradNorm, augmentation, validation,
                checkpoints, bnGroupSize, false);
    }

    /** Settings with the default batch-norm ghost-group size ({@link TrainingJob#DEFAULT_BN_GROUP_SIZE}). */
    public RunSettings(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                       int treeDepth, Initializer initializer, String optimizer, double learningRate,
                       Map<String, Object> optimizerOptions, String schedule, Map<String, Object> scheduleOptions,
                       boolean skipDivergentSteps, double clipGradNorm, Augmentation augmentation, Validation validation,
                       Checkpoints checkpoints) {
        this(seed, epochs, maxSteps, batchSize, chunkSize, threadsPerTask, treeDepth, initializer, optimizer, learningRate,
                optimizerOptions, schedule, scheduleOptions, skipDivergentSteps, clipGradNorm, augmentation, validation,
                checkpoints, TrainingJob.DEFAULT_BN_GROUP_SIZE);
    }

    /**
     * Validation every {@code everySteps} steps (0: at the end of every epoch) on {@code monitor}
     * ({@code accuracy}, higher is better, or {@code loss}); early stopping after {@code patience}
     * validations without an improvement by more than {@code minDelta} (0: never); {@code restoreBest}
     * keeps the best validation's weights.
     */
    public record Validation(int everySteps, String monitor, int patience, double minDelta, boolean restoreBest)
            implements Serializable {
        public static final Validation EVERY_EPOCH = new Validation(0, "accuracy", 0, 0, false);

        public boolean higherIsBetter() {
            return "accuracy".equals(monitor);
        }
    }

    /**
     * Checkpoints in {@code dir} every {@code everySteps} steps and/or at every epoch's end (and at the
     * run's last step when either is on), the newest {@code keep} kept; writes retried
     * {@code writeAttempts} times, waiting {@code retryBackoffMs}, doubling.
     */
    public record Checkpoints(int everySteps, boolean everyEpoch, String dir, int keep, int writeAttempts, long retryBackoffMs)
            implements Serializable {
        public static final Checkpoints NONE = new Checkpoints(0, false, "", 3, 4, 500);

        public boolean enabled() {
            return everySteps > 0 || everyEpoch;
        }
    }

    public RunSettings {
        optimizerOptions = Map.copyOf(optimizerOptions);
        scheduleOptions = Map.copyOf(scheduleOptions);
        if (augmentation == null) {
            augmentation = Augmentation.NONE;
        }
        if (sampling == null) {
            sampling = Sampling.SHUFFLE;
        }
        if (!"accuracy".equals(validation.monitor()) && !"loss".equals(validation.monitor())) {
            throw new IllegalArgumentException("validation monitor must be accuracy or loss, got '" + validation.monitor() + "'");
        }
        if (bnGroupSize <= 0) {
            throw new IllegalArgumentException("training.bn-group-size must be positive, got " + bnGroupSize);
        }
    }

    /** A new optimizer of these settings for {@code def}'s parameters. */
    public Optimizer newOptimizer(ModelDefinition def) {
        return Optimizers.create(optimizer, optimizerOptions, def);
    }

    /** A new learning-rate schedule of these settings. */
    public LrSchedule newSchedule() {
        return LrSchedules.create(schedule, scheduleOptions, learningRate);
    }

    /** The step loop's settings, starting after {@code startStep} steps and stopping after {@code maxSteps}. */
    TrainingJob.Config jobConfig(long startStep, long stopAfter) {
        return new TrainingJob.Config(seed, epochs, stopAfter, batchSize, chunkSize, threadsPerTask, treeDepth, startStep,
                skipDivergentSteps, clipGradNorm, augmentation, stepLoop, sampling);
    }

    /**
     * The training data's partitions: {@code configured} when positive; else 1 for the step loop on a
     * local master (its one executor's cores are shared by its tasks anyway, and one task returns one
     * sum a step: the main job's later epochs 13% faster, docs/PERFORMANCE.md); else Spark's default
     * parallelism. The weights do not depend on it.
     */
    public int partitions(int configured, JavaSparkContext sc) {
        if (configured > 0) {
            return configured;
        }
        return stepLoop && sc.isLocal() ? 1 : sc.defaultParallelism();
    }

    /** The steps of an epoch of these settings over {@code blocks} ({@code count} examples). */
    public int stepsPerEpoch(JavaRDD<ExampleBlock> blocks, int count, ModelDefinition def) {
        return TrainingJob.stepsPerEpoch(blocks, count, def, batchSize, bnGroupSize, sampling, chunkSize);
    }
}
