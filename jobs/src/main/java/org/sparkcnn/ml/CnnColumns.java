package org.sparkcnn.ml;

import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The column params that CnnClassifier and CnnClassificationModel share, with Spark ML's default names. */
final class CnnColumns implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    final Param<String> featuresCol;
    final Param<String> predictionCol;
    final Param<String> probabilityCol;
    final Param<String> rawPredictionCol;
    private final Params owner;

    CnnColumns(Params owner) {
        this.owner = owner;
        featuresCol = new Param<>(owner, "featuresCol", "the features column: a Vector, a numeric array or an encoded image");
        predictionCol = new Param<>(owner, "predictionCol", "the predicted class (double)");
        probabilityCol = new Param<>(owner, "probabilityCol", "the class probabilities (softmax of the raw prediction), a Vector");
        rawPredictionCol = new Param<>(owner, "rawPredictionCol", "the network's outputs (logits), a Vector");
        owner.setDefault(featuresCol, "features");
        owner.setDefault(predictionCol, "prediction");
        owner.setDefault(probabilityCol, "probability");
        owner.setDefault(rawPredictionCol, "rawPrediction");
    }

    /** {@code schema} plus the raw prediction, probability and prediction columns; fails if one exists. */
    StructType outputSchema(StructType schema) {
        StructType out = schema;
        for (Param<String> p : List.of(rawPredictionCol, probabilityCol, predictionCol)) {
            String name = owner.getOrDefault(p);
            if (List.of(schema.fieldNames()).contains(name)) {
                throw new IllegalArgumentException("output column '" + name + "' (" + p.name() + ") already exists");
            }
            out = out.add(name, p == predictionCol ? DataTypes.DoubleType : SQLDataTypes.VectorType(), false);
        }
        return out;
    }
}
