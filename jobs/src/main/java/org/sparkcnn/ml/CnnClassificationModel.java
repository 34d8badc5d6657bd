package org.sparkcnn.ml;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Inference;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.ops.LossOps;
import org.sparkcnn.jobs.TrainingJob;

/**
 * A trained CNN as a Spark ML {@link Model}: {@link #transform} is distributed inference in batches
 * of 256 through the engine, adding the raw prediction (logits), probability (softmax) and
 * prediction columns. Saved with {@link #write()} as Spark ML metadata plus the SparkCNN model file
 * ({@code data/model.sparkcnn}: definition, weights, normalization), on any Hadoop URI, alone or
 * inside a PipelineModel.
 */
public final class CnnClassificationModel extends Model<CnnClassificationModel> implements MLWritable {

    private static final long serialVersionUID = 1L;
    private static final int BATCH = 256;
    static final String DATA = "data/model.sparkcnn";

    private final String uid;
    private final ModelDefinition definition;
    private final float[] weights;
    private final float[] buffers;
    private final Normalization normalization;
    private final CnnColumns columns;
    private TrainingSummary summary;

    /**
     * How {@link CnnClassifier#fit} ended: steps trained (counting those before a resume), epochs
     * completed, which weights were kept, and the best and last validation value of the monitor
     * (NaN without validation). Not saved with the model.
     */
    public record TrainingSummary(long steps, int epochsCompleted, String weightsKept, double bestValidation,
                                  double lastValidation) implements java.io.Serializable {
    }

    CnnClassificationModel(String uid, ModelDefinition definition, float[] weights, Normalization normalization) {
        this(uid, definition, weights, normalization, definition.initialBuffers());
    }

    /** With the model's state ({@code buffers}: batch norm's running statistics; empty for a model without). */
    CnnClassificationModel(String uid, ModelDefinition definition, float[] weights, Normalization normalization, float[] buffers) {
        if (buffers == null || buffers.length != definition.bufferCount()) {
            throw new IllegalArgumentException("model '" + definition.name() + "' has " + definition.bufferCount()
                    + " floats of state, got " + (buffers == null ? "none" : buffers.length));
        }
        this.buffers = buffers;
        this.uid = uid;
        this.definition = definition;
        this.weights = weights;
        this.normalization = normalization;
        this.columns = new CnnColumns(this);
    }

    @Override
    public String uid() {
        return uid;
    }

    public ModelDefinition definition() {
        return definition;
    }

    /** A copy of the trained weights (the engine's flat layout). */
    public float[] weights() {
        return weights.clone();
    }

    /** A copy of the state: batch norm's running statistics (empty for a model without batch norm). */
    public float[] buffers() {
        return buffers.clone();
    }

    public Normalization normalization() {
        return normalization;
    }

    public int numClasses() {
        return definition.outputSize();
    }

    /** Whether this model was made by {@link CnnClassifier#fit} in this session (a loaded model has no summary). */
    public boolean hasSummary() {
        return summary != null;
    }

    public TrainingSummary summary() {
        if (summary == null) {
            throw new IllegalStateException("no training summary: this model was not made by fit in this session");
        }
        return summary;
    }

    void setSummary(TrainingSummary s) {
        this.summary = s;
    }

    public String weightsSha256() {
        return TrainingJob.modelSha256(weights, buffers);
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

    public CnnClassificationModel setFeaturesCol(String value) {
        set(columns.featuresCol, value);
        return this;
    }

    public CnnClassificationModel setPredictionCol(String value) {
        set(columns.predictionCol, value);
        return this;
    }

    public CnnClassificationModel setProbabilityCol(String value) {
        set(columns.probabilityCol, value);
        return this;
    }

    public CnnClassificationModel setRawPredictionCol(String value) {
        set(columns.rawPredictionCol, value);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Features.of(schema, $(columns.featuresCol), definition.inputShape());
        return columns.outputSchema(schema);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Features features = Features.of(dataset.schema(), $(columns.featuresCol), definition.inputShape());
        int field = dataset.schema().fieldIndex($(columns.featuresCol));
        String modelJson = definition.toJsonString();
        Normalization norm = normalization;
        Broadcast<float[]> w = sc.broadcast(weights);
        float[] state = buffers.length == 0 ? null : buffers.clone();
        JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(
                (Iterator<Row> it) -> predict(it, ModelDefinition.fromJson(modelJson), norm, w.value(), state, features, field));
        return spark.createDataFrame(rows, out);
    }

    /**
     * Batches of rows through the network; each row gains its logits, probabilities and class. Lazy:
     * one batch is held at a time, however large the partition.
     */
    private static Iterator<Row> predict(Iterator<Row> rows, ModelDefinition def, Normalization norm, float[] weights,
                                         float[] buffers, Features features, int field) {
        Inference inference = new Inference(def, norm, BATCH);
        int size = def.inputShape().size(), k = def.outputSize();
        float[] x = inference.input();
        List<Row> batch = new ArrayList<>(BATCH);
        List<Row> out = new ArrayList<>(BATCH);
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                if (next == out.size()) {
                    fill();
                }
                return next < out.size();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return out.get(next++);
            }

            private void fill() {
                batch.clear();
                out.clear();
                next = 0;
                while (rows.hasNext() && batch.size() < BATCH) {
                    Row r = rows.next();
                    features.read(r, field, x, batch.size() * size, "row " + r);
                    batch.add(r);
                }
                int n = batch.size();
                if (n == 0) {
                    return;
                }
                float[] y = inference.forward(weights, buffers, n);
                float[] pf = new float[k];
                for (int i = 0; i < n; i++) {
                    double[] raw = new double[k];
                    for (int j = 0; j < k; j++) {
                        raw[j] = y[i * k + j];
                    }
                    LossOps.softmax(y, i * k, k, pf, 0);
                    double[] p = new double[k];
                    for (int j = 0; j < k; j++) {
                        p[j] = pf[j];
                    }
                    Row r = batch.get(i);
                    Object[] values = new Object[r.size() + 3];
                    for (int c = 0; c < r.size(); c++) {
                        values[c] = r.get(c);
                    }
                    values[r.size()] = Vectors.dense(raw);
                    values[r.size() + 1] = Vectors.dense(p);
                    values[r.size() + 2] = (double) LossOps.argmax(y, i * k, k);
                    out.add(RowFactory.create(values));
                }
            }
        };
    }

    @Override
    public CnnClassificationModel copy(ParamMap extra) {
        CnnClassificationModel copy = new CnnClassificationModel(uid, definition, weights, normalization, buffers);
        copyValues(copy, extra);
        return copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<CnnClassificationModel> read() {
        return new Reader();
    }

    public static CnnClassificationModel load(String path) {
        return read().load(path);
    }

    private static final class Writer extends MLWriter {
        private final CnnClassificationModel model;

        Writer(CnnClassificationModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sparkSession());
            Path file = new Path(path, DATA);
            try {
                FileSystem fs = file.getFileSystem(sc().hadoopConfiguration());
                try (OutputStream out = fs.create(file, true)) {
                    ModelFile.write(out, new ModelFile.SavedModel(model.definition, model.weights, model.normalization,
                            Map.of("spark_ml_uid", model.uid), model.buffers));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not write " + file, e);
            }
        }
    }

    private static final class Reader extends MLReader<CnnClassificationModel> {
        @Override
        public CnnClassificationModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(),
                    CnnClassificationModel.class.getName());
            Path file = new Path(path, DATA);
            ModelFile.SavedModel saved;
            try {
                FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                try (InputStream in = fs.open(file)) {
                    saved = ModelFile.read(in, fs.makeQualified(file).toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + file + ": " + e.getMessage(), e);
            }
            CnnClassificationModel model = new CnnClassificationModel(metadata.uid(), saved.definition(), saved.params(),
                    saved.normalization(), saved.buffers());
            metadata.getAndSetParams(model, metadata.getAndSetParams$default$2());
            return model;
        }
    }
}
