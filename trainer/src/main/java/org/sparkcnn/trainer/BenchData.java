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
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.run.EpochClock;
import org.sparkcnn.jobs.data.ExampleBlock;
import org.sparkcnn.jobs.data.LabeledData;
import picocli.CommandLine;
import scala.collection.AbstractIterator;
import scala.reflect.ClassTag;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sparkcnn bench data}: how fast a dataset is read and decoded into blocks (records/s, the
 * median of repeated uncached reads), and what the first epoch costs over later ones when training
 * reads it (the blocks are cached during the first epoch, as the trainer does).
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Dataset read throughput (records/s) and the first epoch's cost over later ones.")
final class BenchData implements Callable<Integer> {

    @Spec
    CommandSpec spec;

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
    @Option(names = "--rounds", defaultValue = "1",
            description = "Timed trainings in this JVM, each from uncached data; round 2 on shows the first epoch without JVM warm-up (default 1).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rounds must be at least 1, got " + rounds);
        }
        if (epochs == 1 || epochs < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--epochs must be 0 (read only) or at least 2 (a first epoch and later ones), got " + epochs);
        }
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
                // Round 1 runs in a fresh JVM; later rounds read the data again, uncached, in a warm one.
                int concurrent = Math.min(partitions, sc.defaultParallelism());
                List<Map<String, Object>> roundsJson = new ArrayList<>();
                Round first = null, last = null;
                for (int r = 1; r <= rounds; r++) {
                    last = timeEpochs(sc, source, d, def, partitions, (int) records, r);
                    first = first == null ? last : first;
                    Map<String, Object> rj = new LinkedHashMap<>();
                    rj.put("epoch_seconds", rounded(last.epochSeconds()));
                    rj.put("input_task_seconds", rounded(last.inputTaskSeconds(), 1e6));
                    rj.put("input_share_of_first_epoch", Math.round(last.inputTaskSeconds().get(0)
                            / (last.epochSeconds().get(0) * concurrent) * 1e5) / 1e5);
                    rj.put("jvm_jit_seconds", rounded(last.jitSeconds()));
                    rj.put("jvm_gc_seconds", rounded(last.gcSeconds()));
                    rj.put("first_epoch_over_later", last.firstOverLater());
                    roundsJson.add(rj);
                }
                json.put("epoch_seconds", rounded(first.epochSeconds()));
                json.put("first_epoch_over_later", first.firstOverLater());
                if (rounds > 1) {
                    json.put("warm_jvm_first_epoch_over_later", last.firstOverLater());
                }
                json.put("concurrent_tasks", concurrent);
                json.put("rounds", roundsJson);
            }
            System.out.println("JSON " + new ObjectMapper().writeValueAsString(json));
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** One timed training, from uncached blocks: per epoch, its seconds and where they went. */
    record Round(List<Double> epochSeconds, List<Double> inputTaskSeconds, List<Double> jitSeconds,
                 List<Double> gcSeconds) {
        double firstOverLater() {
            double[] later = epochSeconds.subList(1, epochSeconds.size()).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return later.length == 0 ? Double.NaN : Math.round(epochSeconds.get(0) / later[(later.length - 1) / 2] * 1000) / 1000.0;
        }
    }

    /**
     * Trains with the blocks read and cached during the first epoch, as the trainer does. The
     * blocks' input time (reading and decoding, summed over the tasks) is counted by an accumulator
     * around the reader; JIT and GC time come from this JVM's MXBeans, so they include the executors
     * only in local mode.
     */
    private Round timeEpochs(JavaSparkContext sc, LabeledData source, TrainerConfig.Data d, ModelDefinition def,
                             int partitions, int records, int round) throws Exception {
        LongAccumulator inputNanos = sc.sc().longAccumulator("sparkcnn input ns, round " + round);
        JavaRDD<ExampleBlock> read = source.read(sc, d.blockSize(), partitions).blocks();
        JavaRDD<ExampleBlock> blocks = new JavaRDD<>(new TimedInput(read, inputNanos), read.classTag())
                .persist(StorageLevel.MEMORY_AND_DISK());
        if (precache) {
            blocks.count();
        }
        try {
            // Given constants, so that no separate pass reads the data before the first epoch.
            Normalization norm = new Normalization(new float[]{0.5f}, new float[]{0.25f});
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
            Round r = new Round(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            EpochClock clock = new EpochClock();
            long[] inputBefore = {inputNanos.value()};
            TrainingJob.train(sc, def, norm, blocks, records, params, new Sgd(params.length, 0.9, 0, true, 0),
                    new LrSchedule.Constant(0.01), new TrainingJob.Config(1, epochs, 0, batch, 16, 0, 0), (m, p) -> {
                        if (m.endOfEpoch()) {
                            double[] lap = clock.lap();  // wall, JIT, GC seconds
                            long inputNow = inputNanos.value();
                            double input = (inputNow - inputBefore[0]) / 1e9;
                            inputBefore[0] = inputNow;
                            r.epochSeconds().add(lap[0]);
                            r.inputTaskSeconds().add(input);
                            r.jitSeconds().add(lap[1]);
                            r.gcSeconds().add(lap[2]);
                            System.out.printf(Locale.ROOT, "round %d epoch %d: %.1f s (input %.2f task-s, JIT %.1f s, GC %.1f s)%n",
                                    round, m.epoch() + 1, lap[0], input, lap[1], lap[2]);
                        }
                        return true;
                    });
            return r;
        } finally {
            blocks.unpersist(false);
        }
    }

    private static List<Double> rounded(List<Double> xs) {
        return rounded(xs, 1e3);
    }

    private static List<Double> rounded(List<Double> xs, double scale) {
        return xs.stream().map(x -> Math.round(x * scale) / scale).toList();
    }

    /**
     * Passes a partition's blocks through, adding the time spent producing them to an accumulator:
     * the parent's {@code compute} (readers open and seek there) and every {@code hasNext}/{@code next}.
     * An RDD rather than {@code mapPartitions}, whose function only sees the parent's iterator after
     * that iterator was built.
     */
    static final class TimedInput extends RDD<ExampleBlock> {
        private static final long serialVersionUID = 1L;
        private final LongAccumulator nanos;
        private final ClassTag<ExampleBlock> tag;

        TimedInput(JavaRDD<ExampleBlock> parent, LongAccumulator nanos) {
            super(parent.rdd(), parent.classTag());
            this.nanos = nanos;
            this.tag = parent.classTag();
        }

        @Override
        public Partition[] getPartitions() {
            return firstParent(tag).partitions();
        }

        @Override
        public scala.collection.Iterator<ExampleBlock> compute(Partition split, TaskContext context) {
            long t0 = System.nanoTime();
            scala.collection.Iterator<ExampleBlock> in = firstParent(tag).iterator(split, context);
            nanos.add(System.nanoTime() - t0);
            return new AbstractIterator<>() {
                @Override
                public boolean hasNext() {
                    long t = System.nanoTime();
                    try {
                        return in.hasNext();
                    } finally {
                        nanos.add(System.nanoTime() - t);
                    }
                }

                @Override
                public ExampleBlock next() {
                    long t = System.nanoTime();
                    try {
                        return in.next();
                    } finally {
                        nanos.add(System.nanoTime() - t);
                    }
                }
            };
        }
    }
}
