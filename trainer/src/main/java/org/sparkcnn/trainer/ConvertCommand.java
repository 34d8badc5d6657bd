package org.sparkcnn.trainer;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.jobs.Datasets;
import org.sparkcnn.jobs.data.ExampleBlock;
import org.sparkcnn.jobs.data.ImageFolderDataset;
import org.sparkcnn.jobs.data.LabeledData;
import org.sparkcnn.jobs.data.Shards;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sparkcnn convert}: any supported dataset as SparkCNN shards (Parquet files plus a manifest). */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Write a dataset (IDX, CSV, Parquet or image folders) as SparkCNN shards: Parquet files of",
                "(index, label, tensor) balanced in size, and _manifest.json (shape, classes, count, normalization).",
                "Train on them with --set data.format=parquet: the fast path for repeated training."})
final class ConvertCommand implements Callable<Integer> {

    /** In an IDX directory, the training files are converted first; name an images file for another. */
    static final List<String> PREFIXES = List.of("train", "t10k", "test");

    @Option(names = "--data", required = true, paramLabel = "URI", description = "The dataset to convert.")
    String data;
    @Option(names = "--data-format", defaultValue = "idx", description = "idx, csv, parquet or images (default idx).")
    String dataFormat;
    @Option(names = "--output", required = true, paramLabel = "URI", description = "The shards' directory.")
    String output;
    @Option(names = "--shards", defaultValue = "8", description = "Number of Parquet files (default 8); each holds whole blocks of data.block-size examples, so at most one file per block.")
    int shards;
    @Option(names = "--classes", defaultValue = "10", description = "Number of classes (default 10).")
    int classes;
    @Option(names = "--shape", split = ",", paramLabel = "C,H,W", description = "Image shape; required for images.")
    List<Integer> shape = List.of();
    @Option(names = "--bad-records", defaultValue = "fail", description = "fail or skip (default fail).")
    String badRecords;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any data.* config key, e.g. data.csv.header=false")
    List<String> settings = List.of();
    @Option(names = "--overwrite", description = "Replace an existing output.")
    boolean overwrite;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Override
    public Integer call() throws Exception {
        if (shards < 1) {
            throw new TrainerConfig.Invalid("--shards must be at least 1, got " + shards);
        }
        Config c = ConfigFactory.parseMap(Map.of("data.bad-records", badRecords));
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (eq <= 0 || !s.startsWith("data.")) {
                throw new TrainerConfig.Invalid("--set " + s + ": expected data.KEY=VALUE");
            }
            c = ConfigFactory.parseString(s.substring(0, eq).trim() + " = " + s.substring(eq + 1)).withFallback(c);
        }
        TrainerConfig.Data d = DataSources.settings(dataFormat, data, classes, shape, c);
        var sparkConf = SparkSetup.conf(master, "sparkcnn convert");
        var hadoop = SparkSetup.hadoop(sparkConf);
        Storage.checkAbsent(hadoop, output, overwrite);
        DataSources.check(hadoop, d, data, PREFIXES);
        SparkSession spark = SparkSetup.start(sparkConf);
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            long t0 = System.nanoTime();
            LabeledData source = DataSources.open(spark, d, data, PREFIXES);
            LabeledData.Loaded l = source.read(sc, d.blockSize(), d.partitions() > 0 ? d.partitions() : sc.defaultParallelism());
            JavaRDD<ExampleBlock> blocks = l.blocks().persist(StorageLevel.MEMORY_AND_DISK());
            try {
                Normalization norm = Datasets.normalization(blocks);
                List<String> names = source instanceof ImageFolderDataset images ? images.classNames() : List.of();
                Shards.Written w = Shards.write(spark, blocks, d.blockSize(), source.shape(), source.numClasses(), names, norm, output, shards,
                        overwrite);
                if (l.skipped() > 0) {
                    System.out.println("warning: " + l.skipped() + " bad records skipped; the first: "
                            + String.join("; ", l.firstSkipped()));
                }
                System.out.printf(Locale.ROOT, "converted %d examples of %s (%s, shape %s, %d classes) into %d %s shards "
                                + "(%.1f MiB) at %s in %.1f s; normalization %s%n", w.count(), source.uri(), dataFormat,
                        source.shape(), source.numClasses(), w.files(), w.dtype(), w.bytes() / 1048576.0, w.uri(),
                        (System.nanoTime() - t0) / 1e9, norm);
            } finally {
                blocks.unpersist(false);
            }
            return 0;
        } finally {
            spark.stop();
        }
    }
}
