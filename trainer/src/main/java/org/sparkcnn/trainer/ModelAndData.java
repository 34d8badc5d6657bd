package org.sparkcnn.trainer;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.jobs.data.ExampleBlock;
import org.sparkcnn.jobs.data.IdxDataset;
import picocli.CommandLine.Option;

/** The options evaluate and predict share: a trained model, a dataset, and where Spark runs. */
final class ModelAndData {

    @Option(names = "--model", required = true, paramLabel = "URI", description = "A model file written by train (model.sparkcnn).")
    String model;
    @Option(names = "--data", required = true, paramLabel = "URI",
            description = "An IDX directory (t10k-*, test-* or train-* files) or an images file.")
    String data;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;
    @Option(names = "--partitions", defaultValue = "0", description = "Partitions (0 = Spark's default parallelism).")
    int partitions;
    @Option(names = "--block-size", defaultValue = "1024", description = "Examples per block.")
    int blockSize;

    ModelFile.SavedModel savedModel;
    IdxDataset dataset;
    SparkConf sparkConf;

    /** Reads the model and the data headers, before Spark starts. */
    void open(String app) throws IOException {
        sparkConf = SparkSetup.conf(master, app);
        Configuration hadoop = SparkSetup.hadoop(sparkConf);
        savedModel = Storage.readModel(hadoop, model);
        dataset = IdxDataset.locate(hadoop, data, List.of("t10k", "test", "train"), savedModel.definition().outputSize());
        try {
            savedModel.definition().checkInput(dataset.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dataset.imagesUri() + ": " + e.getMessage(), e);
        }
    }

    JavaRDD<ExampleBlock> blocks(JavaSparkContext sc) {
        return dataset.load(sc, blockSize, partitions > 0 ? partitions : sc.defaultParallelism());
    }
}
