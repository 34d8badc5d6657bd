package org.sparkcnn.ml;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.ml.param.ParamValidators;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.train.Augmentation;
import org.sparkcnn.jobs.Sampling;
import org.sparkcnn.jobs.run.RunSettings;

/**
 * The params of {@link CnnClassifier} for the rest of a run's policy (the CLI's {@code validation.*},
 * {@code checkpoint.*}, metrics, divergence and clipping keys). {@link #runSettings} turns all params
 * into the {@link RunSettings} the CLI builds from its configuration, so equal settings train equal
 * weights.
 */
abstract class CnnRunParams extends CnnClassifierParams {

    private static final long serialVersionUID = 1L;

    private final DoubleParam validationFraction;
    private final Param<String> validationIndicatorCol;
    private final Param<String> validationMonitor;
    private final IntParam validationInterval;
    private final IntParam earlyStoppingPatience;
    private final DoubleParam earlyStoppingMinDelta;
    private final BooleanParam restoreBest;
    private final BooleanParam stepLoop;
    private final Param<String> sampling;
    private final Param<String> checkpointDir;
    private final IntParam checkpointInterval;
    private final BooleanParam checkpointEveryEpoch;
    private final IntParam checkpointKeep;
    private final Param<String> metricsPath;
    private final Param<String> onDivergence;
    private final DoubleParam clipGradNorm;
    private final IntParam augmentCropPadding;
    private final BooleanParam augmentHorizontalFlip;
    private final DoubleParam augmentErasing;

    CnnRunParams(String uid) {
        super(uid);
        validationFraction = new DoubleParam(this, "validationFraction", "the fraction of the training rows held out for validation, chosen by the seed and the row index (0: none)", ParamValidators.inRange(0, 1, true, false));
        validationIndicatorCol = new Param<>(this, "validationIndicatorCol", "a boolean column: true rows are the validation data, the others train (empty: none)");
        validationMonitor = new Param<>(this, "validationMonitor", "what validation tracks: accuracy (higher is better) or loss", ParamValidators.inArray(new String[]{"accuracy", "loss"}));
        validationInterval = new IntParam(this, "validationInterval", "validate every this many steps (0: at the end of every epoch)", ParamValidators.gtEq(0));
        earlyStoppingPatience = new IntParam(this, "earlyStoppingPatience", "stop after this many validations without improvement (0: never)", ParamValidators.gtEq(0));
        earlyStoppingMinDelta = new DoubleParam(this, "earlyStoppingMinDelta", "the smallest change of the monitored value that counts as an improvement", ParamValidators.gtEq(0));
        restoreBest = new BooleanParam(this, "restoreBest", "keep the weights of the best validation rather than the last");
        stepLoop = new BooleanParam(this, "stepLoop", "one barrier-mode Spark job for the whole run, steps over a socket to the"
                + " driver, instead of a job per step: the same weights, less of Spark's cost per step (a task slot per partition)");
        sampling = new Param<>(this, "sampling", "how batches are drawn for a model without batch norm: block-chunks (every gradient"
                + " chunk a full group drawn inside one data block; needs rows not sorted by label), shuffle (a permutation of all"
                + " rows; a chunk holds the batch's rows of one block, often one or two), or auto (block-chunks)",
                ParamValidators.inArray(Sampling.CHOICES.toArray(new String[0])));
        checkpointDir = new Param<>(this, "checkpointDir", "where checkpoints go (any Hadoop URI); fit resumes from the newest complete one there (empty: none)");
        checkpointInterval = new IntParam(this, "checkpointInterval", "write a checkpoint every this many steps (0: not by steps)", ParamValidators.gtEq(0));
        checkpointEveryEpoch = new BooleanParam(this, "checkpointEveryEpoch", "write a checkpoint at the end of every epoch");
        checkpointKeep = new IntParam(this, "checkpointKeep", "how many of the newest checkpoints are kept", ParamValidators.gt(0));
        metricsPath = new Param<>(this, "metricsPath", "a JSON-lines file of step, epoch, validation and checkpoint records (empty: none)");
        onDivergence = new Param<>(this, "onDivergence", "fail (stop) or skip (no update) for a step whose loss or gradient is not finite", ParamValidators.inArray(new String[]{"fail", "skip"}));
        clipGradNorm = new DoubleParam(this, "clipGradNorm", "clip the summed gradient to this global L2 norm before each update (0: no clipping)", ParamValidators.gtEq(0));
        augmentCropPadding = new IntParam(this, "augmentCropPadding", "training only: zero-pad this many pixels on each side, then crop back at a random offset drawn from (seed, epoch, row index) (0: off)", ParamValidators.gtEq(0));
        augmentHorizontalFlip = new BooleanParam(this, "augmentHorizontalFlip", "training only: mirror the columns with probability 1/2, drawn from (seed, epoch, row index)");
        augmentErasing = new DoubleParam(this, "augmentErasing", "training only: the probability of zeroing a random box after normalization, as torchvision's RandomErasing, drawn from (seed, epoch, row index) (0: off)", ParamValidators.inRange(0, 1));
        setDefault(augmentErasing, 0.0);
        setDefault(augmentCropPadding, 0);
        setDefault(augmentHorizontalFlip, false);
        setDefault(validationFraction, 0.0);
        setDefault(validationIndicatorCol, "");
        setDefault(validationMonitor, "accuracy");
        setDefault(validationInterval, 0);
        setDefault(earlyStoppingPatience, 0);
        setDefault(earlyStoppingMinDelta, 0.0);
        setDefault(restoreBest, false);
        setDefault(stepLoop, false);
        setDefault(sampling, "auto");
        setDefault(checkpointDir, "");
        setDefault(checkpointInterval, 0);
        setDefault(checkpointEveryEpoch, false);
        setDefault(checkpointKeep, 3);
        setDefault(metricsPath, "");
        setDefault(onDivergence, "fail");
        setDefault(clipGradNorm, 0.0);
    }

    public DoubleParam validationFraction() {
        return validationFraction;
    }

    public CnnClassifier setValidationFraction(double value) {
        set(validationFraction, value);
        return (CnnClassifier) this;
    }

    public double getValidationFraction() {
        return (Double) $(validationFraction);
    }

    public Param<String> validationIndicatorCol() {
        return validationIndicatorCol;
    }

    public CnnClassifier setValidationIndicatorCol(String value) {
        set(validationIndicatorCol, value);
        return (CnnClassifier) this;
    }

    public String getValidationIndicatorCol() {
        return $(validationIndicatorCol);
    }

    public Param<String> validationMonitor() {
        return validationMonitor;
    }

    public CnnClassifier setValidationMonitor(String value) {
        set(validationMonitor, value);
        return (CnnClassifier) this;
    }

    public String getValidationMonitor() {
        return $(validationMonitor);
    }

    public IntParam validationInterval() {
        return validationInterval;
    }

    public CnnClassifier setValidationInterval(int value) {
        set(validationInterval, value);
        return (CnnClassifier) this;
    }

    public int getValidationInterval() {
        return (Integer) $(validationInterval);
    }

    public IntParam earlyStoppingPatience() {
        return earlyStoppingPatience;
    }

    public CnnClassifier setEarlyStoppingPatience(int value) {
        set(earlyStoppingPatience, value);
        return (CnnClassifier) this;
    }

    public int getEarlyStoppingPatience() {
        return (Integer) $(earlyStoppingPatience);
    }

    public DoubleParam earlyStoppingMinDelta() {
        return earlyStoppingMinDelta;
    }

    public CnnClassifier setEarlyStoppingMinDelta(double value) {
        set(earlyStoppingMinDelta, value);
        return (CnnClassifier) this;
    }

    public double getEarlyStoppingMinDelta() {
        return (Double) $(earlyStoppingMinDelta);
    }

    public BooleanParam restoreBest() {
        return restoreBest;
    }

    public CnnClassifier setRestoreBest(boolean value) {
        set(restoreBest, value);
        return (CnnClassifier) this;
    }

    public boolean getRestoreBest() {
        return (Boolean) $(restoreBest);
    }

    public BooleanParam stepLoop() {
        return stepLoop;
    }

    public CnnClassifier setStepLoop(boolean value) {
        set(stepLoop, value);
        return (CnnClassifier) this;
    }

    public boolean getStepLoop() {
        return (Boolean) $(stepLoop);
    }

    public Param<String> sampling() {
        return sampling;
    }

    public CnnClassifier setSampling(String value) {
        set(sampling, value);
        return (CnnClassifier) this;
    }

    public String getSampling() {
        return $(sampling);
    }

    public Param<String> checkpointDir() {
        return checkpointDir;
    }

    public CnnClassifier setCheckpointDir(String value) {
        set(checkpointDir, value);
        return (CnnClassifier) this;
    }

    public String getCheckpointDir() {
        return $(checkpointDir);
    }

    public IntParam checkpointInterval() {
        return checkpointInterval;
    }

    public CnnClassifier setCheckpointInterval(int value) {
        set(checkpointInterval, value);
        return (CnnClassifier) this;
    }

    public int getCheckpointInterval() {
        return (Integer) $(checkpointInterval);
    }

    public BooleanParam checkpointEveryEpoch() {
        return checkpointEveryEpoch;
    }

    public CnnClassifier setCheckpointEveryEpoch(boolean value) {
        set(checkpointEveryEpoch, value);
        return (CnnClassifier) this;
    }

    public boolean getCheckpointEveryEpoch() {
        return (Boolean) $(checkpointEveryEpoch);
    }

    public IntParam checkpointKeep() {
        return checkpointKeep;
    }

    public CnnClassifier setCheckpointKeep(int value) {
        set(checkpointKeep, value);
        return (CnnClassifier) this;
    }

    public int getCheckpointKeep() {
        return (Integer) $(checkpointKeep);
    }

    public Param<String> metricsPath() {
        return metricsPath;
    }

    public CnnClassifier setMetricsPath(String value) {
        set(metricsPath, value);
        return (CnnClassifier) this;
    }

    public String getMetricsPath() {
        return $(metricsPath);
    }

    public Param<String> onDivergence() {
        return onDivergence;
    }

    public CnnClassifier setOnDivergence(String value) {
        set(onDivergence, value);
        return (CnnClassifier) this;
    }

    public String getOnDivergence() {
        return $(onDivergence);
    }

    public DoubleParam clipGradNorm() {
        return clipGradNorm;
    }

    public CnnClassifier setClipGradNorm(double value) {
        set(clipGradNorm, value);
        return (CnnClassifier) this;
    }

    public double getClipGradNorm() {
        return (Double) $(clipGradNorm);
    }

    public IntParam augmentCropPadding() {
        return augmentCropPadding;
    }

    public CnnClassifier setAugmentCropPadding(int value) {
        set(augmentCropPadding, value);
        return (CnnClassifier) this;
    }

    public int getAugmentCropPadding() {
        return (Integer) $(augmentCropPadding);
    }

    public BooleanParam augmentHorizontalFlip() {
        return augmentHorizontalFlip;
    }

    public CnnClassifier setAugmentHorizontalFlip(boolean value) {
        set(augmentHorizontalFlip, value);
        return (CnnClassifier) this;
    }

    public boolean getAugmentHorizontalFlip() {
        return (Boolean) $(augmentHorizontalFlip);
    }

    public DoubleParam augmentErasing() {
        return augmentErasing;
    }

    public CnnClassifier setAugmentErasing(double value) {
        set(augmentErasing, value);
        return (CnnClassifier) this;
    }

    public double getAugmentErasing() {
        return (Double) $(augmentErasing);
    }

    /** The run's policy from these params; checkpoints (when enabled) go to {@code checkpointDir}. */
    RunSettings runSettings() {
        if (getEpochs() == 0 && getMaxSteps() == 0) {
            throw new IllegalArgumentException("epochs or maxSteps must be positive");
        }
        boolean checkpoints = !getCheckpointDir().isBlank();
        return new RunSettings(getSeed(), getEpochs(), getMaxSteps(), getBatchSize(), getChunkSize(), getThreadsPerTask(),
                getTreeDepth(), Initializer.parse(getInitializer()), getOptimizer(), getLearningRate(),
                json(optimizerOptions()), getSchedule(), json(scheduleOptions()), "skip".equals(getOnDivergence()), getClipGradNorm(),
                new Augmentation(getAugmentCropPadding(), getAugmentHorizontalFlip(), getAugmentErasing()),
                new RunSettings.Validation(getValidationInterval(), getValidationMonitor(), getEarlyStoppingPatience(),
                        getEarlyStoppingMinDelta(), getRestoreBest()),
                new RunSettings.Checkpoints(checkpoints ? getCheckpointInterval() : 0, checkpoints && getCheckpointEveryEpoch(),
                        getCheckpointDir(), getCheckpointKeep(), 4, 500), getBnGroupSize(), getStepLoop(),
                Sampling.of(getSampling(), "dataframe"));
    }

    /**
     * The params that decide the weights, one "name = value" line each in name order: stored with
     * each checkpoint, and compared when fit resumes from one.
     */
    String trainingParams() {
        Map<String, String> lines = new TreeMap<>();
        for (ParamPair<?> p : scala.jdk.javaapi.CollectionConverters.asJava(extractParamMap().toSeq())) {
            String name = p.param().name();
            if (!name.startsWith("checkpoint") && !name.equals("metricsPath") && !name.endsWith("Col") && !name.equals("numPartitions")
                    && !name.equals("threadsPerTask") && !name.equals("treeDepth") && !name.equals("stepLoop")) {
                lines.put(name, String.valueOf(p.value()));
            }
        }
        StringBuilder out = new StringBuilder();
        lines.forEach((k, v) -> out.append(k).append(" = ").append(v).append('\n'));
        return out.toString();
    }
}
