package org.sparkcnn.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.jobs.Datasets;
import org.sparkcnn.jobs.MetricsLog;
import org.sparkcnn.jobs.checkpoint.CheckpointStore;
import org.sparkcnn.jobs.data.Blocks;
import org.sparkcnn.jobs.data.ExampleBlock;
import org.sparkcnn.jobs.run.RunCheckpoints;
import org.sparkcnn.jobs.run.RunSettings;
import org.sparkcnn.jobs.run.TrainingRun;
import scala.Tuple2;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

/**
 * A Spark ML {@link Estimator} that trains a CNN with SparkCNN's synchronous data-parallel SGD. Its
 * params ({@link CnnClassifierParams}, {@link CnnRunParams}) cover what the CLI's configuration does,
 * and {@link #fit} runs the same training policy ({@link TrainingRun}: schedule, validation, early
 * stopping, checkpoints and resume, metrics, divergence), so equal settings train equal weights.
 * Features: a Vector or numeric array column of the model's C*H*W input values, or a binary column
 * of encoded images; labels: whole numbers in [0, classes). The normalization (per-channel mean/std
 * of the training features) is computed in one distributed pass and kept with the model.
 *
 * <p>Deterministic: the same seed, params and input rows (in the same order) give bit-identical
 * weights for any partitioning. With a {@code checkpointDir} holding a complete checkpoint of the
 * same params and data, {@code fit} resumes from it and ends with the weights of an uninterrupted fit.
 */
public final class CnnClassifier extends CnnRunParams implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CnnClassifier.class);

    private CnnClassificationModel initialModel;

    public CnnClassifier() {
        this(Identifiable.randomUID("cnnClassifier"));
    }

    public CnnClassifier(String uid) {
        super(uid);
    }

    /**
     * Starts training from this model's weights and normalization (fine-tuning); its definition must
     * have the same layers as {@code modelDefinition}. Not saved with the estimator's params.
     */
    public CnnClassifier setInitialModel(CnnClassificationModel model) {
        this.initialModel = model;
        return this;
    }

    public CnnClassificationModel getInitialModel() {
        return initialModel;
    }

    ModelDefinition definition() {
        try {
            return ModelDefinition.load($(modelDefinition()));
        } catch (IOException e) {
            throw new UncheckedIOException("modelDefinition '" + $(modelDefinition()) + "': " + e.getMessage(), e);
        }
    }

    @Override
    public StructType transformSchema(StructType schema) {
        ModelDefinition def = definition();
        Features.of(schema, getFeaturesCol(), def.inputShape());
        List<String> names = List.of(schema.fieldNames());
        String label = getLabelCol();
        if (!names.contains(label) || !(schema.apply(label).dataType() instanceof NumericType)) {
            throw new IllegalArgumentException("label column '" + label + "' must be a numeric column of the dataset (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        String indicator = getValidationIndicatorCol();
        if (!indicator.isBlank() && (!names.contains(indicator) || !(schema.apply(indicator).dataType() instanceof BooleanType))) {
            throw new IllegalArgumentException("validationIndicatorCol '" + indicator + "' must be a boolean column of the dataset "
                    + "(columns: " + String.join(", ", schema.fieldNames()) + ")");
        }
        return columns.outputSchema(schema);
    }

    @Override
    public CnnClassificationModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        ModelDefinition def = definition();
        RunSettings settings = runSettings();
        if (def.bufferCount() > 0 && (getBatchSize() % getBnGroupSize() != 0 || getBlockSize() % getBnGroupSize() != 0)) {
            throw new IllegalArgumentException("model '" + def.name() + "' has batch norm: batchSize (" + getBatchSize()
                    + ") and blockSize (" + getBlockSize() + ") must be multiples of bnGroupSize (" + getBnGroupSize() + ")");
        }
        float[] initial = initialModel == null ? null : initialWeights(def);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        JavaRDD<ExampleBlock> train;
        JavaRDD<ExampleBlock> validation = null;
        String indicator = getValidationIndicatorCol();
        if (!indicator.isBlank()) {
            train = blocks(dataset.filter(not(col(indicator))), def, sc);
            validation = blocks(dataset.filter(col(indicator)), def, sc);
        } else if (getValidationFraction() > 0) {  // held out by seed and row index, as the CLI does
            JavaRDD<ExampleBlock> all = blocks(dataset, def, sc);
            JavaRDD<ExampleBlock>[] parts = Blocks.split(all, getSeed(), getValidationFraction(), getBlockSize(),
                    all.getNumPartitions());
            train = parts[0].persist(StorageLevel.MEMORY_AND_DISK());
            validation = parts[1].persist(StorageLevel.MEMORY_AND_DISK());
            train.count();
            all.unpersist(false);
        } else {
            train = blocks(dataset, def, sc);
        }
        try {
            long count = train.map(ExampleBlock::size).fold(0, Integer::sum);
            if (count == 0) {
                throw new IllegalArgumentException("CnnClassifier.fit: the dataset is empty");
            }
            Normalization norm = initialModel != null ? initialModel.normalization() : Datasets.normalization(train);
            Map<String, String> fingerprint = new LinkedHashMap<>();
            fingerprint.put("examples", String.valueOf(count));
            fingerprint.put("shape", def.inputShape().toString());
            fingerprint.put("classes", String.valueOf(def.outputSize()));
            fingerprint.put("normalization", norm.toString());
            Configuration hadoop = sc.hadoopConfiguration();
            CheckpointStore.Found resumeFrom = resumable(hadoop, settings, def);
            TrainingRun.Listener log = new TrainingRun.Listener() {
                @Override
                public void message(String text) {
                    LOG.info(text);
                }
            };
            String metricsPath = getMetricsPath().isBlank() ? null : getMetricsPath();
            TrainingRun.Outcome outcome;
            try (MetricsLog metrics = TrainingRun.openMetrics(hadoop, metricsPath, resumeFrom, log)) {
                outcome = TrainingRun.run(sc, def, settings, new TrainingRun.Data(train, count, validation, norm, fingerprint),
                        new TrainingRun.Start(resumeFrom, initial, trainingParams(),
                                initialModel == null ? null : initialModel.buffers()),
                        new TrainingRun.Sink(hadoop, metrics, settings.checkpoints().dir(), log));
            }
            CnnClassificationModel model = new CnnClassificationModel(uid(), def, outcome.params(), norm, outcome.buffers());
            model.setSummary(new CnnClassificationModel.TrainingSummary(outcome.result().steps(),
                    outcome.result().epochsCompleted(), outcome.kept(), outcome.stopping().bestValue(),
                    outcome.stopping().lastValue()));
            copyValues(model, extractParamMap());
            return model.setParent(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } finally {
            train.unpersist(false);
            if (validation != null) {
                validation.unpersist(false);
            }
        }
    }

    /** The rows' examples as cached blocks on the grid of row indices. */
    private JavaRDD<ExampleBlock> blocks(Dataset<?> dataset, ModelDefinition def, JavaSparkContext sc) {
        Features features = Features.of(dataset.schema(), getFeaturesCol(), def.inputShape());
        // No repartition before indexing: a shuffle would renumber the rows from run to run.
        Dataset<Row> rows = dataset.select(getFeaturesCol(), getLabelCol());
        String labelName = getLabelCol();
        int classes = def.outputSize();
        int block = getBlockSize();
        // Pieces cut at multiples of the block size in each partition, then the pieces of a grid cell
        // joined. The gradient chunks follow the blocks, so the weights do not depend on how the input
        // happens to be partitioned.
        JavaRDD<ExampleBlock> pieces = rows.javaRDD().zipWithIndex()
                .mapPartitions((Iterator<Tuple2<Row, Long>> it) -> toBlocks(it, features, labelName, classes, block));
        int partitions = getNumPartitions() > 0 ? getNumPartitions() : pieces.getNumPartitions();
        return Blocks.onGrid(pieces, block, partitions).setName("CnnClassifier training blocks")
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * The newest complete checkpoint in {@code checkpointDir}, if any: fit continues from it. It must
     * be of the same model and of the same training params (a changed param would not continue the
     * same run); the data is checked by {@link TrainingRun}.
     */
    private CheckpointStore.Found resumable(Configuration hadoop, RunSettings settings, ModelDefinition def) throws IOException {
        if (settings.checkpoints().dir().isBlank()) {
            return null;
        }
        CheckpointStore.Found found = new RunCheckpoints(hadoop, settings.checkpoints(), settings.checkpoints().dir())
                .newestComplete(w -> LOG.warn(w)).orElse(null);
        if (found == null) {
            return null;
        }
        if (!found.checkpoint().modelJson().equals(def.toJsonString())) {
            throw new IllegalArgumentException("checkpointDir " + settings.checkpoints().dir() + " holds checkpoint " + found.uri()
                    + " of another model; use another checkpointDir");
        }
        String saved = found.checkpoint().config(), now = trainingParams();
        if (!paramsMatch(saved)) {
            throw new IllegalArgumentException("cannot resume from checkpoint " + found.uri() + ": its params differ (in the "
                    + "checkpoint: " + firstDifference(saved, now) + "); use another checkpointDir to start over");
        }
        LOG.info("resuming from checkpoint {}", found.uri());
        return found;
    }

    /** What fit did before these params existed, where that is not their default. */
    private static final java.util.Map<String, String> BEFORE_IT_EXISTED = java.util.Map.of("sampling",
            org.sparkcnn.jobs.Sampling.BEFORE_IT_EXISTED.key());

    /**
     * Whether {@code saved} (a checkpoint's {@link #trainingParams}) equals these params, a param newer
     * than the checkpoint counting as equal at its default (augmentCropPadding, ... after an upgrade).
     */
    boolean paramsMatch(String saved) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String line : saved.split("\n")) {
            int eq = line.indexOf(" = ");
            if (eq > 0) {
                names.add(line.substring(0, eq));
            }
        }
        StringBuilder now = new StringBuilder();
        for (String line : trainingParams().split("\n")) {
            String name = line.substring(0, line.indexOf(" = "));
            boolean newAtDefault = !names.contains(name) && hasDefault(getParam(name))
                    && line.equals(name + " = " + BEFORE_IT_EXISTED.getOrDefault(name, String.valueOf(getDefault(getParam(name)).get())));
            if (!newAtDefault) {
                now.append(line).append('\n');
            }
        }
        return saved.equals(now.toString());
    }

    private static String firstDifference(String saved, String now) {
        List<String> a = List.of(saved.split("\n")), b = List.of(now.split("\n"));
        for (String line : a) {
            if (!b.contains(line)) {
                return line + "; now: " + b.stream().filter(l -> l.startsWith(line.substring(0, line.indexOf(" = ") + 3)))
                        .findFirst().orElse("(unset)");
            }
        }
        return "(a param the checkpoint does not have)";
    }

    private float[] initialWeights(ModelDefinition def) {
        TrainingRun.checkSameLayers(initialModel.definition(), def, "initialModel");
        return initialModel.weights().clone();
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
