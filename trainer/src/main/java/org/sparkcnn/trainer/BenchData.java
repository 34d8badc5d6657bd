package org.sparkcnn.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.data.ExampleBlock;
import org.sparkcnn.jobs.data.LabeledData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sparkcnn bench data}: how fast a dataset is read and decoded into blocks (records/s, the
 * median of repeated uncached reads), and what the first epoch costs over later ones when training
 * reads it (the blocks are cached during the first epoch, as the trainer does).
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Dataset read throughput (records/s) and the first epoch's cost over later ones.")
final class BenchData implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "URI", description = "The dataset.")
    String data;
    @Option(names = "--data-format", defaultValue = "idx", description = "idx, csv, parquet or images (default idx).")
    String dataFormat;
    @Option(names = "--shape", split = ",", paramLabel = "C,H,W", description = "Image shape (images; CSV/Parquet if not inferred).")
    List<Integer> shape = List.of();
    @Option(names = "--classes", defaultValue = "10", description = "Number of classes (default 10).")
    int classes;
    @Option(names = "--repetitions", defaultValue = "3", description = "Timed reads (default 3).")
    int repetitions;
    @Option(names = "--epochs", defaultValue = "3", description = "Epochs of LeNet-5-style training to time (0 = none; default 3).")
    int epochs;
    @Option(names = "--model", defaultValue = "lenet5", description = "The model trained (default lenet5).")
    String model;
    @Option(names = "--batch", defaultValue = "256", description = "Global batch (default 256).")
    int batch;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;
    @Option(names = "--precache", description = "Read and cache the data before the timed epochs, to separate input from warm-up.")
    boolean precache;

    @Override
    public Integer call() throws Exception {
        TrainerConfig.Data d = DataSources.settings(dataFormat, data, classes, shape, ConfigFactory.empty());
        ModelDefinition def = Checks.model(model);
        var conf = SparkSetup.conf(master, "sparkcnn bench data");
        DataSources.check(SparkSetup.hadoop(conf), d, data, List.of("train"));
        SparkSession spark = SparkSetup.start(conf);
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int partitions = sc.defaultParallelism();
            LabeledData source = DataSources.open(spark, d, data, List.of("train"));
            double[] rates = new double[repetitions];
            long records = 0;
            for (int r = 0; r < repetitions; r++) {
                long t0 = System.nanoTime();
                records = source.read(sc, d.blockSize(), partitions).blocks().map(ExampleBlock::size).fold(0, Integer::sum);
                rates[r] = records / ((System.nanoTime() - t0) / 1e9);
                System.out.printf(Locale.ROOT, "read %d: %d records, %.0f records/s%n", r + 1, records, rates[r]);
            }
            double[] sorted = rates.clone();
            Arrays.sort(sorted);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("format", dataFormat);
            json.put("uri", source.uri());
            json.put("records", records);
            json.put("partitions", partitions);
            json.put("read_records_s_median", Math.round(sorted[sorted.length / 2]));
            json.put("precached", precache);
            if (epochs > 0) {
                List<Double> epochSeconds = epochTimes(sc, source, d, def, partitions, (int) records);
                json.put("epoch_seconds", epochSeconds);
                double later = epochSeconds.subList(1, epochSeconds.size()).stream().mapToDouble(Double::doubleValue).sorted()
                        .toArray()[(epochSeconds.size() - 1) / 2];
                json.put("first_epoch_over_later", Math.round(epochSeconds.get(0) / later * 1000) / 1000.0);
            }
            System.out.println("JSON " + new ObjectMapper().writeValueAsString(json));
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** Trains with the blocks read and cached during the first epoch; returns each epoch's seconds. */
    private List<Double> epochTimes(JavaSparkContext sc, LabeledData source, TrainerConfig.Data d, ModelDefinition def,
                                    int partitions, int records) throws Exception {
        JavaRDD<ExampleBlock> blocks = source.read(sc, d.blockSize(), partitions).blocks()
                .persist(StorageLevel.MEMORY_AND_DISK());
        if (precache) {
            blocks.count();
        }
        try {
            // Given constants, so that no separate pass reads the data before the first epoch.
            Normalization norm = new Normalization(new float[]{0.5f}, new float[]{0.25f});
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
            List<Double> seconds = new ArrayList<>();
            long[] start = {System.nanoTime()};
            TrainingJob.train(sc, def, norm, blocks, records, params, new Sgd(params.length, 0.9, 0, true, 0),
                    new LrSchedule.Constant(0.01), new TrainingJob.Config(1, epochs, 0, batch, 16, 0, 0), (m, p) -> {
                        if (m.endOfEpoch()) {
                            long now = System.nanoTime();
                            seconds.add((now - start[0]) / 1e9);
                            System.out.printf(Locale.ROOT, "epoch %d: %.1f s%n", m.epoch() + 1, (now - start[0]) / 1e9);
                            start[0] = now;
                        }
                        return true;
                    });
            return seconds;
        } finally {
            blocks.unpersist(false);
        }
    }
}
