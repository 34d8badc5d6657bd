package org.sparkcnn.jobs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.ops.LossOps;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * Distributed inference: one row per example with its dataset index, its label, the predicted class
 * and, for a softmax cross-entropy model, the class probabilities ({@code probability_0..k-1});
 * for an MSE model the raw outputs ({@code output_0..k-1}). Flat columns, so CSV and Parquet both hold them.
 */
public final class Prediction {

    private Prediction() {
    }

    public static StructType schema(ModelDefinition def) {
        boolean softmax = def.loss().kind() == Loss.Kind.SOFTMAX_CROSS_ENTROPY;
        List<StructField> fields = new ArrayList<>();
        fields.add(DataTypes.createStructField("index", DataTypes.LongType, false));
        fields.add(DataTypes.createStructField("label", DataTypes.IntegerType, false));
        fields.add(DataTypes.createStructField("prediction", DataTypes.IntegerType, false));
        for (int k = 0; k < def.outputSize(); k++) {
            fields.add(DataTypes.createStructField((softmax ? "probability_" : "output_") + k, DataTypes.FloatType, false));
        }
        return DataTypes.createStructType(fields);
    }

    /** The predictions as a DataFrame, computed lazily when the caller writes it; {@code weights} must stay broadcast until then. */
    public static Dataset<Row> predict(SparkSession spark, ModelDefinition def, Normalization norm, Broadcast<float[]> weights,
                                       JavaRDD<ExampleBlock> data) {
        return predict(spark, def, norm, weights, null, data);
    }

    /** As above for a model with state: {@code buffers}, its running statistics (null for none). */
    public static Dataset<Row> predict(SparkSession spark, ModelDefinition def, Normalization norm, Broadcast<float[]> weights,
                                       float[] buffers, JavaRDD<ExampleBlock> data) {
        float[] state = buffers == null || buffers.length == 0 ? null : buffers.clone();
        String json = def.toJsonString();
        boolean softmax = def.loss().kind() == Loss.Kind.SOFTMAX_CROSS_ENTROPY;
        int k = def.outputSize();
        JavaRDD<Row> rows = data.mapPartitions((Iterator<ExampleBlock> it) -> {
            List<Row> out = new ArrayList<>();
            InferenceBatches.run(json, norm, weights.value(), state, it, (y, n, b, start) -> {
                for (int r = 0; r < n; r++) {
                    Object[] values = new Object[3 + k];
                    values[0] = b.firstIndex() + start + r;
                    values[1] = b.labels()[start + r];
                    values[2] = LossOps.argmax(y, r * k, k);
                    float[] p = Arrays.copyOfRange(y, r * k, r * k + k);
                    if (softmax) {
                        LossOps.softmax(y, r * k, k, p, 0);
                    }
                    for (int c = 0; c < k; c++) {
                        values[3 + c] = p[c];
                    }
                    out.add(RowFactory.create(values));
                }
            });
            return out.iterator();
        });
        return spark.createDataFrame(rows, schema(def));
    }
}
