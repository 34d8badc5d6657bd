package org.sparkcnn.ml;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.sparkcnn.engine.optim.Optimizers;

/**
 * The params of {@link CnnClassifier} that set the model and its optimization (Spark ML's names for
 * the CLI's {@code model} and {@code training.*} keys), and the columns; {@link CnnRunParams} adds
 * the rest of a run's policy.
 */
abstract class CnnClassifierParams extends Estimator<CnnClassificationModel> {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Param<String> modelDefinition;
    private final IntParam epochs;
    private final LongParam maxSteps;
    private final IntParam batchSize;
    private final IntParam chunkSize;
    private final IntParam bnGroupSize;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final Param<String> optimizerOptions;
    private final Param<String> schedule;
    private final Param<String> scheduleOptions;
    private final Param<String> initializer;
    private final LongParam seed;
    private final IntParam numPartitions;
    private final IntParam blockSize;
    private final IntParam threadsPerTask;
    private final IntParam treeDepth;
    private final Param<String> labelCol;
    final CnnColumns columns;
    private final String uid;

    CnnClassifierParams(String uid) {
        this.uid = uid;  // first: each Param names its parent by uid
        modelDefinition = new Param<>(this, "modelDefinition", "a model in conf/models (lenet5, small, tfconv, vgg-cifar) or the path of a model JSON file");
        epochs = new IntParam(this, "epochs", "passes over the training data (0: no limit; then maxSteps must be > 0)", ParamValidators.gtEq(0));
        maxSteps = new LongParam(this, "maxSteps", "stop after this many steps (0: no limit)", ParamValidators.gtEq(0));
        batchSize = new IntParam(this, "batchSize", "the global mini-batch (> 0)", ParamValidators.gt(0));
        chunkSize = new IntParam(this, "chunkSize", "examples per fixed gradient chunk, the unit of exact summation (> 0)", ParamValidators.gt(0));
        bnGroupSize = new IntParam(this, "bnGroupSize", "models with batch norm: examples per ghost group, normalized together as PyTorch's BatchNorm on a batch of this size (> 0; batchSize and blockSize must be multiples of it)", ParamValidators.gt(0));
        optimizer = new Param<>(this, "optimizer", "sgd, adam, adamw, rmsprop, adagrad, lars or lamb", ParamValidators.inArray(Optimizers.names().toArray(new String[0])));
        learningRate = new DoubleParam(this, "learningRate", "the base learning rate (>= 0)", ParamValidators.gtEq(0));
        optimizerOptions = new Param<>(this, "optimizerOptions", "the optimizer's own options as JSON, with PyTorch's names, e.g. {\"momentum\": 0.9}");
        schedule = new Param<>(this, "schedule", "the learning-rate schedule: constant, step, multistep, exponential, cosine, poly or plateau");
        scheduleOptions = new Param<>(this, "scheduleOptions", "the schedule's options as JSON, e.g. {\"t_max\": 12, \"eta_min\": 0.001}");
        initializer = new Param<>(this, "initializer", "pytorch_default, he_normal or xavier_uniform", ParamValidators.inArray(new String[]{"pytorch_default", "he_normal", "xavier_uniform"}));
        seed = new LongParam(this, "seed", "the random seed of initialization, batch order and dropout");
        numPartitions = new IntParam(this, "numPartitions", "partitions of the cached training data (0 = the input's)", ParamValidators.gtEq(0));
        blockSize = new IntParam(this, "blockSize", "examples per cached block; blocks are cut at multiples of it in row order, and the weights are bit-identical for any input partitioning at a given block size", ParamValidators.gt(0));
        threadsPerTask = new IntParam(this, "threadsPerTask", "engine threads per Spark task (0 = the cores the task owns)", ParamValidators.gtEq(0));
        treeDepth = new IntParam(this, "treeDepth", "treeAggregate depth (0 = from the partition count)", ParamValidators.gtEq(0));
        labelCol = new Param<>(this, "labelCol", "the label column: whole numbers in [0, classes)");
        columns = new CnnColumns(this);
        setDefault(modelDefinition, "lenet5");
        setDefault(epochs, 2);
        setDefault(maxSteps, 0L);
        setDefault(batchSize, 64);
        setDefault(chunkSize, 16);
        setDefault(bnGroupSize, 32);
        setDefault(optimizer, "sgd");
        setDefault(learningRate, 0.05);
        setDefault(optimizerOptions, "{\"momentum\": 0.9, \"nesterov\": true}");
        setDefault(schedule, "constant");
        setDefault(scheduleOptions, "{}");
        setDefault(initializer, "pytorch_default");
        setDefault(seed, 1L);
        setDefault(numPartitions, 0);
        setDefault(blockSize, 1024);
        setDefault(threadsPerTask, 0);
        setDefault(treeDepth, 0);
        setDefault(labelCol, "label");
    }

    public Param<String> modelDefinition() {
        return modelDefinition;
    }

    public CnnClassifier setModelDefinition(String value) {
        set(modelDefinition, value);
        return (CnnClassifier) this;
    }

    public String getModelDefinition() {
        return $(modelDefinition);
    }

    public IntParam epochs() {
        return epochs;
    }

    public CnnClassifier setEpochs(int value) {
        set(epochs, value);
        return (CnnClassifier) this;
    }

    public int getEpochs() {
        return (Integer) $(epochs);
    }

    public LongParam maxSteps() {
        return maxSteps;
    }

    public CnnClassifier setMaxSteps(long value) {
        set(maxSteps, value);
        return (CnnClassifier) this;
    }

    public long getMaxSteps() {
        return (Long) $(maxSteps);
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public CnnClassifier setBatchSize(int value) {
        set(batchSize, value);
        return (CnnClassifier) this;
    }

    public int getBatchSize() {
        return (Integer) $(batchSize);
    }

    public IntParam bnGroupSize() {
        return bnGroupSize;
    }

    public CnnClassifier setBnGroupSize(int value) {
        set(bnGroupSize, value);
        return (CnnClassifier) this;
    }

    public int getBnGroupSize() {
        return (Integer) $(bnGroupSize);
    }

    public IntParam chunkSize() {
        return chunkSize;
    }

    public CnnClassifier setChunkSize(int value) {
        set(chunkSize, value);
        return (CnnClassifier) this;
    }

    public int getChunkSize() {
        return (Integer) $(chunkSize);
    }

    public Param<String> optimizer() {
        return optimizer;
    }

    public CnnClassifier setOptimizer(String value) {
        set(optimizer, value);
        return (CnnClassifier) this;
    }

    public String getOptimizer() {
        return $(optimizer);
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public CnnClassifier setLearningRate(double value) {
        set(learningRate, value);
        return (CnnClassifier) this;
    }

    public double getLearningRate() {
        return (Double) $(learningRate);
    }

    public Param<String> optimizerOptions() {
        return optimizerOptions;
    }

    public CnnClassifier setOptimizerOptions(String value) {
        set(optimizerOptions, value);
        return (CnnClassifier) this;
    }

    public String getOptimizerOptions() {
        return $(optimizerOptions);
    }

    public Param<String> schedule() {
        return schedule;
    }

    public CnnClassifier setSchedule(String value) {
        set(schedule, value);
        return (CnnClassifier) this;
    }

    public String getSchedule() {
        return $(schedule);
    }

    public Param<String> scheduleOptions() {
        return scheduleOptions;
    }

    public CnnClassifier setScheduleOptions(String value) {
        set(scheduleOptions, value);
        return (CnnClassifier) this;
    }

    public String getScheduleOptions() {
        return $(scheduleOptions);
    }

    public Param<String> initializer() {
        return initializer;
    }

    public CnnClassifier setInitializer(String value) {
        set(initializer, value);
        return (CnnClassifier) this;
    }

    public String getInitializer() {
        return $(initializer);
    }

    public LongParam seed() {
        return seed;
    }

    public CnnClassifier setSeed(long value) {
        set(seed, value);
        return (CnnClassifier) this;
    }

    public long getSeed() {
        return (Long) $(seed);
    }

    public IntParam numPartitions() {
        return numPartitions;
    }

    public CnnClassifier setNumPartitions(int value) {
        set(numPartitions, value);
        return (CnnClassifier) this;
    }

    public int getNumPartitions() {
        return (Integer) $(numPartitions);
    }

    public IntParam blockSize() {
        return blockSize;
    }

    public CnnClassifier setBlockSize(int value) {
        set(blockSize, value);
        return (CnnClassifier) this;
    }

    public int getBlockSize() {
        return (Integer) $(blockSize);
    }

    public IntParam threadsPerTask() {
        return threadsPerTask;
    }

    public CnnClassifier setThreadsPerTask(int value) {
        set(threadsPerTask, value);
        return (CnnClassifier) this;
    }

    public int getThreadsPerTask() {
        return (Integer) $(threadsPerTask);
    }

    public IntParam treeDepth() {
        return treeDepth;
    }

    public CnnClassifier setTreeDepth(int value) {
        set(treeDepth, value);
        return (CnnClassifier) this;
    }

    public int getTreeDepth() {
        return (Integer) $(treeDepth);
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    public CnnClassifier setLabelCol(String value) {
        set(labelCol, value);
        return (CnnClassifier) this;
    }

    public String getLabelCol() {
        return $(labelCol);
    }
    @Override
    public String uid() {
        return uid;
    }

    public Param<String> featuresCol() {
        return columns.featuresCol;
    }

    public Param<String> predictionCol() {
        return columns.predictionCol;
    }

    public Param<String> probabilityCol() {
        return columns.probabilityCol;
    }

    public Param<String> rawPredictionCol() {
        return columns.rawPredictionCol;
    }

    public CnnClassifier setFeaturesCol(String value) {
        set(columns.featuresCol, value);
        return (CnnClassifier) this;
    }

    public CnnClassifier setPredictionCol(String value) {
        set(columns.predictionCol, value);
        return (CnnClassifier) this;
    }

    public CnnClassifier setProbabilityCol(String value) {
        set(columns.probabilityCol, value);
        return (CnnClassifier) this;
    }

    public CnnClassifier setRawPredictionCol(String value) {
        set(columns.rawPredictionCol, value);
        return (CnnClassifier) this;
    }

    public String getFeaturesCol() {
        return $(columns.featuresCol);
    }

    Map<String, Object> json(Param<String> p) {
        try {
            return JSON.readValue($(p), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException(p.name() + " is not a JSON object: " + $(p), e);
        }
    }
}
