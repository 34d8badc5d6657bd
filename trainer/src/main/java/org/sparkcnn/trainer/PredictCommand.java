package org.sparkcnn.trainer;

import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.jobs.Prediction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkcnn predict}: distributed inference, written as Parquet or CSV. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict with a trained model; writes index, label, prediction and the class probabilities.")
final class PredictCommand implements Callable<Integer> {

    enum Format { parquet, csv }

    @Mixin
    ModelAndData in;
    @Option(names = "--output", required = true, paramLabel = "URI", description = "The output directory (any Hadoop URI).")
    String output;
    @Option(names = "--format", defaultValue = "parquet", description = "parquet or csv (default: ${DEFAULT-VALUE}).")
    Format format;
    @Option(names = "--overwrite", description = "Replace an existing output directory.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        in.open("sparkcnn predict");
        Storage.checkAbsent(SparkSetup.hadoop(in.sparkConf), output, overwrite);
        SparkSession spark = SparkSetup.start(in.sparkConf);
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Broadcast<float[]> weights = sc.broadcast(in.savedModel.params());
            try {
                Dataset<Row> predictions = Prediction.predict(spark, in.savedModel.definition(), in.savedModel.normalization(),
                        weights, in.savedModel.buffers(), in.blocks(spark, sc));
                // Spark's writer commits through _temporary: a failed job leaves no partial output.
                predictions.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
                        .option("header", "true").format(format.name()).save(output);
            } finally {
                weights.destroy();
            }
            long written = spark.read().format(format.name()).option("header", "true").load(output).count();
            System.out.println(written + " predictions written to " + Storage.qualify(sc.hadoopConfiguration(), output)
                    + " (" + format + ")");
            return 0;
        } finally {
            spark.stop();
        }
    }
}
