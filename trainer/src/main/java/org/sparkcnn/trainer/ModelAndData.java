package org.sparkcnn.trainer;

import java.io.IOException;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.engine.Shape;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.jobs.data.ExampleBlock;
import org.sparkcnn.jobs.data.IdxDataset;
import org.sparkcnn.jobs.data.LabeledData;
import picocli.CommandLine.Option;

/** The options evaluate and predict share: a trained model, a dataset, and where Spark runs. */
final class ModelAndData {

    @Option(names = "--model", required = true, paramLabel = "URI", description = "A model file written by train (model.sparkcnn).")
    String model;
    @Option(names = "--data", required = true, paramLabel = "URI",
            description = "The dataset: an IDX directory (t10k-*, test-* or train-* files) or images file, or see --format.")
    String data;
    @Option(names = "--data-format", defaultValue = "idx",
            description = "idx, csv, parquet (shards or label/features columns) or images (class folders); shapes come from the model.")
    String dataFormat;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;
    @Option(names = "--partitions", defaultValue = "0", description = "Partitions (0 = Spark's default parallelism).")
    int partitions;
    @Option(names = "--block-size", defaultValue = "1024", description = "Examples per block.")
    int blockSize;

    static final List<String> PREFIXES = List.of("t10k", "test", "train");

    ModelFile.SavedModel savedModel;
    TrainerConfig.Data settings;
    LabeledData dataset;
    SparkConf sparkConf;

    /** Reads the model and checks the data's location (for IDX, its headers), before Spark starts. */
    void open(String app) throws IOException {
        sparkConf = SparkSetup.conf(master, app);
        Configuration hadoop = SparkSetup.hadoop(sparkConf);
        savedModel = Storage.readModel(hadoop, model);
        Shape in = savedModel.definition().inputShape();
        settings = DataSources.settings(dataFormat, data, savedModel.definition().outputSize(),
                List.of(in.channels(), in.height(), in.width()), ConfigFactory.parseMap(Map.of("data.block-size", blockSize)));
        IdxDataset idx = DataSources.check(hadoop, settings, data, PREFIXES);
        if (idx != null) {
            try {
                savedModel.definition().checkInput(idx.shape());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(idx.imagesUri() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Opens the dataset (Spark is running) and returns its blocks. */
    JavaRDD<ExampleBlock> blocks(SparkSession spark, JavaSparkContext sc) throws IOException {
        dataset = DataSources.open(spark, settings, data, PREFIXES);
        LabeledData.Loaded l = dataset.read(sc, blockSize, partitions > 0 ? partitions : sc.defaultParallelism());
        if (l.skipped() > 0) {
            System.out.println("warning: " + l.skipped() + " bad records skipped; the first: " + String.join("; ", l.firstSkipped()));
        }
        return l.blocks();
    }
}
