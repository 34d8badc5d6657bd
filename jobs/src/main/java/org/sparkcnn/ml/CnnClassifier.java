package org.sparkcnn.ml;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.optim.LrSchedules;
import org.sparkcnn.engine.optim.Optimizer;
import org.sparkcnn.engine.optim.Optimizers;
import org.sparkcnn.jobs.Datasets;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.data.Blocks;
import org.sparkcnn.jobs.data.ExampleBlock;
import scala.Tuple2;

/**
 * A Spark ML {@link Estimator} that trains a CNN with SparkCNN's synchronous data-parallel SGD
 * ({@link TrainingJob}, the same code path as the trainer). Features: a Vector or numeric array
 * column of the model's C*H*W input values, or a binary column of encoded images; labels: whole
 * numbers in [0, classes). The normalization (per-channel mean/std of the training features) is
 * computed in one distributed pass and kept with the model.
 *
 * <p>Deterministic: the same seed, params and input rows (in the same order) give bit-identical
 * weights for any partitioning.
 */
public final class CnnClassifier extends Estimator<CnnClassificationModel> implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String uid;
    private final Param<String> modelDefinition;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final Param<String> optimizerOptions;
    private final LongParam seed;
    private final IntParam numPartitions;
    private final IntParam blockSize;
    private final Param<String> labelCol;
    private final CnnColumns columns;

    public CnnClassifier() {
        this(Identifiable.randomUID("cnnClassifier"));
    }

    public CnnClassifier(String uid) {
        this.uid = uid;
        modelDefinition = new Param<>(this, "modelDefinition",
                "a model in conf/models (lenet5, small, tfconv, vgg-cifar) or the path of a model JSON file");
        epochs = new IntParam(this, "epochs", "passes over the training data (> 0)", ParamValidators.gt(0));
        batchSize = new IntParam(this, "batchSize", "the global mini-batch (> 0)", ParamValidators.gt(0));
        optimizer = new Param<>(this, "optimizer", "sgd, adam, adamw, rmsprop or adagrad",
                ParamValidators.inArray(Optimizers.names().toArray(new String[0])));
        learningRate = new DoubleParam(this, "learningRate", "the learning rate (>= 0)", ParamValidators.gtEq(0));
        optimizerOptions = new Param<>(this, "optimizerOptions",
                "the optimizer's own options as JSON, with PyTorch's names, e.g. {\"momentum\": 0.9}");
        seed = new LongParam(this, "seed", "the random seed of initialization, batch order and dropout");
        numPartitions = new IntParam(this, "numPartitions", "partitions of the cached training data (0 = the input's)",
                ParamValidators.gtEq(0));
        blockSize = new IntParam(this, "blockSize", "examples per cached block; blocks are cut at multiples of it in row "
                + "order, and the weights are bit-identical for any input partitioning at a given block size", ParamValidators.gt(0));
        labelCol = new Param<>(this, "labelCol", "the label column: whole numbers in [0, classes)");
        columns = new CnnColumns(this);
        setDefault(modelDefinition, "lenet5");
        setDefault(epochs, 2);
        setDefault(batchSize, 64);
        setDefault(optimizer, "sgd");
        setDefault(learningRate, 0.05);
        setDefault(optimizerOptions, "{\"momentum\": 0.9, \"nesterov\": true}");
        setDefault(seed, 1L);
        setDefault(numPartitions, 0);
        setDefault(blockSize, 1024);
        setDefault(labelCol, "label");
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> modelDefinition() {
        return modelDefinition;
    }

    public IntParam epochs() {
        return epochs;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> optimizer() {
        return optimizer;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public Param<String> optimizerOptions() {
        return optimizerOptions;
    }

    public LongParam seed() {
        return seed;
    }

    public IntParam numPartitions() {
        return numPartitions;
    }

    public IntParam blockSize() {
        return blockSize;
    }

    public CnnClassifier setBlockSize(int value) {
        set(blockSize, value);
        return this;
    }

    public int getBlockSize() {
        return (Integer) $(blockSize);
    }

    public Param<String> labelCol() {
        return labelCol;
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

    public CnnClassifier setModelDefinition(String value) {
        set(modelDefinition, value);
        return this;
    }

    public CnnClassifier setEpochs(int value) {
        set(epochs, value);
        return this;
    }

    public CnnClassifier setBatchSize(int value) {
        set(batchSize, value);
        return this;
    }

    public CnnClassifier setOptimizer(String value) {
        set(optimizer, value);
        return this;
    }

    public CnnClassifier setLearningRate(double value) {
        set(learningRate, value);
        return this;
    }

    public CnnClassifier setOptimizerOptions(String json) {
        set(optimizerOptions, json);
        return this;
    }

    public CnnClassifier setSeed(long value) {
        set(seed, value);
        return this;
    }

    public CnnClassifier setNumPartitions(int value) {
        set(numPartitions, value);
        return this;
    }

    public CnnClassifier setLabelCol(String value) {
        set(labelCol, value);
        return this;
    }

    public CnnClassifier setFeaturesCol(String value) {
        set(columns.featuresCol, value);
        return this;
    }

    public CnnClassifier setPredictionCol(String value) {
        set(columns.predictionCol, value);
        return this;
    }

    public CnnClassifier setProbabilityCol(String value) {
        set(columns.probabilityCol, value);
        return this;
    }

    public CnnClassifier setRawPredictionCol(String value) {
        set(columns.rawPredictionCol, value);
        return this;
    }

    public String getModelDefinition() {
        return $(modelDefinition);
    }

    public int getEpochs() {
        return (Integer) $(epochs);
    }

    public int getBatchSize() {
        return (Integer) $(batchSize);
    }

    public String getOptimizer() {
        return $(optimizer);
    }

    public double getLearningRate() {
        return (Double) $(learningRate);
    }

    public String getOptimizerOptions() {
        return $(optimizerOptions);
    }

    public long getSeed() {
        return (Long) $(seed);
    }

    public int getNumPartitions() {
        return (Integer) $(numPartitions);
    }

    public String getLabelCol() {
        return $(labelCol);
    }

    public String getFeaturesCol() {
        return $(columns.featuresCol);
    }

    ModelDefinition definition() {
        try {
            return ModelDefinition.load($(modelDefinition));
        } catch (IOException e) {
            throw new UncheckedIOException("modelDefinition '" + $(modelDefinition) + "': " + e.getMessage(), e);
        }
    }

    @Override
    public StructType transformSchema(StructType schema) {
        ModelDefinition def = definition();
        Features.of(schema, $(columns.featuresCol), def.inputShape());
        String label = $(labelCol);
        if (!List.of(schema.fieldNames()).contains(label) || !(schema.apply(label).dataType() instanceof NumericType)) {
            throw new IllegalArgumentException("label column '" + label + "' must be a numeric column of the dataset (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        return columns.outputSchema(schema);
    }

    @Override
    public CnnClassificationModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        ModelDefinition def = definition();
        Features features = Features.of(dataset.schema(), $(columns.featuresCol), def.inputShape());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        // No repartition before indexing: a shuffle would renumber the rows from run to run.
        Dataset<Row> rows = dataset.select($(columns.featuresCol), $(labelCol));
        String labelName = $(labelCol);
        int classes = def.outputSize();
        int block = getBlockSize();
        // Blocks on a fixed grid of row indices: pieces cut at multiples of the block size in each
        // partition, then the pieces of a grid cell joined. The gradient chunks follow the blocks, so
        // the weights do not depend on how the input happens to be partitioned.
        JavaRDD<ExampleBlock> pieces = rows.javaRDD().zipWithIndex()
                .mapPartitions((Iterator<Tuple2<Row, Long>> it) -> toBlocks(it, features, labelName, classes, block));
        int partitions = getNumPartitions() > 0 ? getNumPartitions() : pieces.getNumPartitions();
        JavaRDD<ExampleBlock> blocks = Blocks.onGrid(pieces, block, partitions)
                .setName("CnnClassifier training blocks").persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long count = blocks.map(ExampleBlock::size).fold(0, Integer::sum);
            if (count == 0) {
                throw new IllegalArgumentException("CnnClassifier.fit: the dataset is empty");
            }
            Normalization norm = Datasets.normalization(blocks);
            long s = getSeed();
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, s);
            Map<String, Object> options;
            try {
                options = JSON.readValue(getOptimizerOptions(), new TypeReference<Map<String, Object>>() { });
            } catch (IOException e) {
                throw new IllegalArgumentException("optimizerOptions is not a JSON object: " + $(optimizerOptions), e);
            }
            Optimizer opt = Optimizers.create(getOptimizer(), options, params.length);
            TrainingJob.Result result = TrainingJob.train(sc, def, norm, blocks, (int) count, params, opt,
                    LrSchedules.create("constant", Map.of(), getLearningRate()),
                    new TrainingJob.Config(s, getEpochs(), 0, getBatchSize(), 16, 0, 0), (m, p) -> true);
            CnnClassificationModel model = new CnnClassificationModel(uid, def, result.params(), norm);
            copyValues(model, extractParamMap());
            return model.setParent(this);
        } finally {
            blocks.unpersist(false);
        }
    }

    /** Consecutive rows (consecutive indices from zipWithIndex) into pieces cut at multiples of {@code blockSize}. */
    private static Iterator<ExampleBlock> toBlocks(Iterator<Tuple2<Row, Long>> rows, Features features, String labelCol,
                                                   int classes, int blockSize) {
        Blocks.PieceBuilder pieces = new Blocks.PieceBuilder(features.shape, blockSize);
        while (rows.hasNext()) {
            Tuple2<Row, Long> r = rows.next();
            String where = "row " + r._2();
            features.read(r._1(), 0, pieces.features(), pieces.start(r._2()), where);
            pieces.end(Features.label(r._1(), 1, labelCol, classes, where));
        }
        return pieces.finish().iterator();
    }

    @Override
    public CnnClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<CnnClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static CnnClassifier load(String path) {
        return read().load(path);
    }
}
