package org.sparkcnn.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.ops.Gemm;
import org.sparkcnn.engine.ops.KernelChoice;
import org.sparkcnn.jobs.Datasets;
import org.sparkcnn.jobs.Evaluation;
import org.sparkcnn.jobs.MetricsLog;
import org.sparkcnn.jobs.run.EarlyStopping;
import org.sparkcnn.jobs.run.RunCheckpoints;
import org.sparkcnn.jobs.run.TrainingRun;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.checkpoint.CheckpointStore;
import org.sparkcnn.jobs.data.ExampleBlock;
import org.sparkcnn.jobs.data.Blocks;
import org.sparkcnn.jobs.data.IdxDataset;
import org.sparkcnn.jobs.data.LabeledData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sparkcnn train}: trains a model with synchronous data-parallel SGD and writes a run directory. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model. With no options it trains LeNet-5 on Fashion-MNIST (the embedded defaults).",
                "Settings come from the defaults, then --config, then the flags."})
final class TrainCommand implements Callable<Integer> {

    static final List<String> TRAIN_PREFIXES = List.of("train");
    static final List<String> TEST_PREFIXES = List.of("t10k", "test");

    @Option(names = "--config", paramLabel = "FILE", description = "A HOCON/JSON config file, or a shipped config's name (fashion-mnist-lenet5).")
    String configFile;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;
    @Option(names = "--model", description = "Config model: a model name in conf/models or a model JSON file.")
    String model;
    @Option(names = "--data", paramLabel = "URI", description = "Config data.train: the training data.")
    String data;
    @Option(names = "--test-data", paramLabel = "URI", description = "Config data.test: the test data.")
    String testData;
    @Option(names = "--partitions", description = "Config data.partitions (0 = Spark's default parallelism).")
    Integer partitions;
    @Option(names = "--seed", description = "Config training.seed.")
    Long seed;
    @Option(names = "--epochs", description = "Config training.epochs.")
    Integer epochs;
    @Option(names = "--max-steps", description = "Config training.max-steps.")
    Long maxSteps;
    @Option(names = "--batch-size", description = "Config training.batch-size: the global mini-batch.")
    Integer batchSize;
    @Option(names = "--lr", description = "Config training.optimizer.lr.")
    Double lr;
    @Option(names = "--output", paramLabel = "URI", description = "Config output.dir: the run directory.")
    String output;
    @Option(names = "--overwrite", description = "Replace an existing output directory once the run succeeds.")
    boolean overwrite;
    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Config checkpoint.every-steps: write a checkpoint every N steps.")
    Integer checkpointEvery;
    @Option(names = "--resume", description = "Continue the run in --output from its newest complete checkpoint (one must exist).")
    boolean resume;
    @Option(names = "--force", description = "With --resume: allow changed training settings (learning rate, epochs, ...).")
    boolean force;
    @Option(names = "--init-from", paramLabel = "MODEL", description = "Config training.init-from: start from this model file's weights (same architecture).")
    String initFrom;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any config key, as HOCON (repeatable): --set training.optimizer.momentum=0.8")
    List<String> settings = List.of();
    @Option(names = "--print-config", description = "Print the effective configuration and exit without training.")
    boolean printConfigOnly;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The flags as a config layer. */
    Config flags() {
        Config c = ConfigFactory.empty("command-line flags");
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new TrainerConfig.Invalid("--set " + s + ": expected KEY=VALUE");
            }
            try {
                c = ConfigFactory.parseString(s.substring(0, eq).trim() + " = " + s.substring(eq + 1)).withFallback(c);
            } catch (com.typesafe.config.ConfigException e) {
                throw new TrainerConfig.Invalid("--set " + s + ": " + e.getMessage());
            }
        }
        Object[][] pairs = {{"model", model}, {"data.train", data}, {"data.test", testData}, {"data.partitions", partitions},
                {"training.seed", seed}, {"training.epochs", epochs}, {"training.max-steps", maxSteps},
                {"training.batch-size", batchSize}, {"training.optimizer.lr", lr}, {"training.init-from", initFrom}, {"output.dir", output},
                {"output.overwrite", overwrite ? Boolean.TRUE : null}, {"checkpoint.every-steps", checkpointEvery},
                {"checkpoint.auto-resume", resume ? Boolean.TRUE : null}};
        for (Object[] p : pairs) {
            if (p[1] != null) {
                c = c.withValue((String) p[0], ConfigValueFactory.fromAnyRef(p[1], "command-line flag"));
            }
        }
        return c;
    }

    @Override
    public Integer call() throws Exception {
        Config effective = TrainerConfig.load(configFile, flags());
        TrainerConfig cfg = TrainerConfig.bind(effective);
        String rendered = TrainerConfig.render(effective);
        if (printConfigOnly) {
            System.out.print(rendered);
            return 0;
        }
        // Everything that can be checked without Spark is checked first.
        ModelDefinition def = Checks.model(cfg.model());
        cfg.checkGroups(def);
        Checks.optimizer(cfg, def);
        Checks.schedule(cfg);
        Checks.initializer(cfg.training().initializer());
        TrainerConfig.Augmentation aug = cfg.training().augmentation();
        if (aug.enabled() && def.inputShape().isVector()) {
            throw new TrainerConfig.Invalid("config key 'training.augmentation' needs an image input, but model '" + def.name()
                    + "' takes a vector of " + def.inputShape().channels() + " features");
        }
        if (def.outputSize() != cfg.data().classes()) {
            throw new TrainerConfig.Invalid("config key 'data.classes' is " + cfg.data().classes() + " but model '"
                    + def.name() + "' has " + def.outputSize() + " outputs");
        }
        SparkConf sparkConf = SparkSetup.conf(master, "sparkcnn train " + def.name());
        Configuration hadoop = SparkSetup.hadoop(sparkConf);
        String outUri = cfg.output().dir().isBlank()
                ? "runs/" + def.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                : cfg.output().dir();
        RunDirectory run = RunDirectory.check(hadoop, outUri, cfg.output().overwrite(), resume,
                m -> System.out.println("note: " + m));
        if (resume && cfg.output().dir().isBlank()) {
            throw new TrainerConfig.Invalid("--resume needs the --output of the run to continue");
        }
        // --resume on a completed run (no staging directory) continues from the checkpoints in its output.
        boolean continuing = resume && run.targetExists() && !run.stagingExists();
        String checkpointDir = cfg.checkpoint().dir().isBlank() ? run.stagingUri() + "/checkpoints" : cfg.checkpoint().dir();
        RunCheckpoints checkpoints = new RunCheckpoints(hadoop, cfg.checkpointSettings(checkpointDir), checkpointDir);
        RunCheckpoints resumeDir = continuing && cfg.checkpoint().dir().isBlank()
                ? new RunCheckpoints(hadoop, cfg.checkpointSettings(checkpointDir), run.uri() + "/checkpoints") : checkpoints;
        CheckpointStore.Found resumeFrom = null;
        if (cfg.checkpoint().autoResume()) {
            resumeFrom = resumeDir.newestComplete(w -> System.out.println("warning: " + w)).orElse(null);
            if (resumeFrom == null && continuing) {
                throw new TrainerConfig.Invalid("--resume: the completed run in " + run.uri() + " has no checkpoint in "
                        + resumeDir.uri() + " to continue from (checkpoints are written with --checkpoint-every N or "
                        + "checkpoint.every-epoch = true); start a new run from its weights with --init-from "
                        + run.finalFile("model.sparkcnn"));
            }
            if (resumeFrom == null && resume) {
                throw new TrainerConfig.Invalid("--resume: no complete checkpoint in " + checkpoints.uri() + " to continue from");
            }
            if (resumeFrom != null) {
                ResumeChecks.checkCompatible(resumeFrom.checkpoint(), resumeFrom.uri(), effective, def, force,
                        w -> System.out.println("warning: " + w));
            }
        } else if (!cfg.output().overwrite() && checkpoints.any()) {
            throw new TrainerConfig.Invalid(checkpoints.uri() + " holds the checkpoints of an interrupted run; pass --resume "
                    + "to continue it, or --overwrite to start over");
        }
        // A resumed run's weights come from its checkpoint; a new one may start from a model file's.
        ModelFile.SavedModel initial = resumeFrom != null || cfg.training().initFrom().isBlank() ? null
                : Checks.initFrom(hadoop, cfg.training().initFrom(), def);
        IdxDataset trainIdx = DataSources.check(hadoop, cfg.data(), cfg.data().train(), TRAIN_PREFIXES);
        String testUri = trainIdx != null ? orElse(cfg.data().test(), parentDir(trainIdx.imagesUri())) : cfg.data().test();
        IdxDataset testIdx = DataSources.check(hadoop, cfg.data(), testUri, TEST_PREFIXES);
        String validationUri = cfg.data().validation().isBlank() ? null : cfg.data().validation();
        if (validationUri != null) {
            DataSources.check(hadoop, cfg.data(), validationUri, TEST_PREFIXES);
        }
        for (IdxDataset d : java.util.Arrays.asList(trainIdx, testIdx)) {
            checkInput(def, d);
        }
        System.out.println("sparkcnn train: effective configuration");
        System.out.print(rendered);

        SparkSession spark = SparkSetup.start(sparkConf);
        try {
            LabeledData train = DataSources.open(spark, cfg.data(), cfg.data().train(), TRAIN_PREFIXES);
            LabeledData test = DataSources.open(spark, cfg.data(), testUri, TEST_PREFIXES);
            LabeledData validation = validationUri == null ? test
                    : DataSources.open(spark, cfg.data(), validationUri, TEST_PREFIXES);
            for (LabeledData d : List.of(train, test, validation)) {
                checkInput(def, d);
            }
            return train(spark, cfg, rendered, def, initial, run, train, test, validation, checkpointDir, resumeFrom);
        } finally {
            spark.stop();
        }
    }

    private int train(SparkSession spark, TrainerConfig cfg, String rendered, ModelDefinition def, ModelFile.SavedModel initial,
                      RunDirectory run, LabeledData train, LabeledData test, LabeledData validation, String checkpointDir,
                      CheckpointStore.Found resumeFrom) throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration hadoop = sc.hadoopConfiguration();
        org.sparkcnn.jobs.run.RunSettings settings = cfg.runSettings(checkpointDir);
        int partitions = settings.partitions(cfg.data().partitions(), sc);
        TrainerConfig.Training t = cfg.training();
        long started = System.nanoTime();
        Map<String, Object> skippedRecords = new LinkedHashMap<>();
        JavaRDD<ExampleBlock> trainBlocks = loaded(train, "training", sc, cfg, partitions, skippedRecords);
        JavaRDD<ExampleBlock> testBlocks = loaded(test, "test", sc, cfg, partitions, skippedRecords);
        JavaRDD<ExampleBlock> validationBlocks;
        double fraction = cfg.data().validationFraction();
        if (validation == test && fraction > 0) {  // no separate validation data: hold out a seeded fraction
            JavaRDD<ExampleBlock>[] parts = Blocks.split(trainBlocks, t.seed(), fraction, cfg.data().blockSize(), partitions);
            JavaRDD<ExampleBlock> all = trainBlocks;
            trainBlocks = parts[0].setName("training blocks").persist(StorageLevel.MEMORY_AND_DISK());
            validationBlocks = parts[1].setName("validation blocks").persist(StorageLevel.MEMORY_AND_DISK());
            long held = validationBlocks.map(ExampleBlock::size).fold(0, Integer::sum);
            trainBlocks.count();  // both parts cached before their source goes, so the data is read once
            all.unpersist(false);
            System.out.printf(Locale.ROOT, "validation: %d examples held out of the training data (fraction %s, seed %d)%n",
                    held, fraction, t.seed());
        } else {
            validationBlocks = validation == test ? testBlocks
                    : loaded(validation, "validation", sc, cfg, partitions, skippedRecords);
        }
        long trainCount = trainBlocks.map(ExampleBlock::size).fold(0, Integer::sum);
        long testCount = testBlocks.map(ExampleBlock::size).fold(0, Integer::sum);
        System.out.println("data: " + trainCount + " training examples (" + train.uri() + "), " + testCount
                + " test examples (" + test.uri() + ")");
        // Fine-tuning keeps the normalization the initial weights were trained with, unless one is given.
        Normalization norm = !cfg.data().normalization().mean().isEmpty() ? given(cfg.data().normalization(), train.shape())
                : initial != null ? initial.normalization() : Datasets.normalization(trainBlocks);
        System.out.printf(Locale.ROOT, "spark: master %s, %d partitions, default parallelism %d; kernels %s%n",
                sc.master(), partitions, sc.defaultParallelism(), Gemm.implementation());
        System.out.println("convolutions: " + def.convolutionKernels());
        System.out.println("normalization (training set mean/std per channel): " + norm);
        Map<String, String> fingerprint = dataFingerprint(hadoop, train, trainCount, norm);

        if (initial != null && resumeFrom == null) {
            System.out.println("initial weights: " + t.initFrom() + " (weights sha256 "
                    + TrainingJob.modelSha256(initial.params(), initial.buffers()) + ")");
        }
        run.create(resumeFrom != null);
        Storage.writeText(hadoop, run.file("config.conf"), rendered);
        int stepsPerEpoch = settings.stepsPerEpoch(trainBlocks, (int) trainCount, def);
        long totalSteps = t.epochs() > 0 ? (long) t.epochs() * stepsPerEpoch : t.maxSteps();
        if (t.maxSteps() > 0) {
            totalSteps = Math.min(totalSteps, t.maxSteps());
        }
        boolean live = System.console() != null && !Boolean.getBoolean("sparkcnn.plain-progress");
        Progress progress = new Progress(System.out, live, cfg.output().logEvery(), t.epochs(), totalSteps);
        Report.Curves curves = new Report.Curves();
        int logEvery = cfg.output().logEvery();
        TrainingRun.Listener watcher = new TrainingRun.Listener() {
            @Override
            public void step(TrainingJob.StepMetrics m) {
                progress.step(m);
                curves.step(m.step() + 1, m.loss(), m.trainAccuracy(), logEvery);
                if (m.endOfEpoch()) {
                    curves.epochEnd(m.step() + 1, m.epoch() + 1);
                }
            }

            @Override
            public void epoch(TrainingJob.StepMetrics m, double[] lap) {
                progress.message(String.format(Locale.ROOT, "epoch %d: %.1f s of training (this JVM: JIT %.1f s, GC %.1f s)",
                        m.epoch() + 1, lap[0], lap[1], lap[2]));
            }

            @Override
            public void validation(TrainingJob.StepMetrics m, Evaluation.Counts v, boolean improved) {
                curves.flush(m.step() + 1);
                curves.validation(m.step() + 1, v.loss(), v.accuracy());
                progress.message(String.format(Locale.ROOT, "validation after epoch %d step %d: loss %.4f accuracy %.4f%s",
                        m.epoch() + 1, m.step() + 1, v.loss(), v.accuracy(), improved ? " (best so far)" : ""));
            }

            @Override
            public void replayed(Map<String, Object> r) {
                curves.replay(r, logEvery, stepsPerEpoch);
            }

            @Override
            public void message(String text) {
                progress.message(text);
            }
        };
        try (MetricsLog metrics = TrainingRun.openMetrics(hadoop, run.file("metrics.jsonl"), resumeFrom, watcher)) {
        TrainingRun.Outcome outcome = TrainingRun.run(sc, def, settings, new TrainingRun.Data(trainBlocks,
                        trainCount, validationBlocks, norm, fingerprint),
                new TrainingRun.Start(resumeFrom, initial == null ? null : initial.params(), rendered,
                        initial == null ? null : initial.buffers()),
                new TrainingRun.Sink(hadoop, metrics, checkpointDir, watcher));
        TrainingJob.Result result = outcome.result();
        long resumedAt = outcome.resumedAt();
        double trainSeconds = outcome.trainSeconds();
        EarlyStopping stopping = outcome.stopping();
        float[] finalParams = outcome.params();
        String kept = outcome.kept();
        progress.message(String.format(Locale.ROOT, "trained %d steps in %.1f s%s%s", result.steps() - resumedAt,
                trainSeconds, resumedAt > 0 ? " (resumed at step " + resumedAt + ")" : "",
                result.skippedSteps() > 0 ? "; " + result.skippedSteps() + " divergent steps skipped" : ""));
            float[] finalBuffers = outcome.buffers();
            Evaluation.Counts testCounts = Evaluation.evaluate(sc, def, norm, finalParams, finalBuffers, testBlocks);
            String sha = outcome.weightsSha256();  // for a model with batch norm, of the weights and the running statistics
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("model", def.name());
            summary.put("parameters", def.paramCount());
            summary.put("master", sc.master());
            summary.put("partitions", partitions);
            summary.put("steps", result.steps());
            summary.put("epochs_completed", result.epochsCompleted());
            summary.put("train_seconds", trainSeconds);
            summary.put("wall_seconds", (System.nanoTime() - started) / 1e9);
            summary.put("img_per_s", outcome.examplesSeen() / trainSeconds);
            summary.put("weights_kept", kept);
            summary.put("resumed_from_step", resumedAt > 0 ? resumedAt : null);
            summary.put("init_from", initial == null ? null : t.initFrom());
            summary.put("init_from_weights_sha256", initial == null ? null : TrainingJob.modelSha256(initial.params(), initial.buffers()));
            summary.put("augmentation", t.augmentation().describe());
            summary.put("skipped_steps", result.skippedSteps());
            summary.put("skipped_records", skippedRecords);
            summary.put("checkpoints_written", outcome.checkpointsWritten());
            summary.put("checkpoint_slowest_write_ms", outcome.checkpointsWritten() > 0 ? outcome.slowestCheckpointWriteMs() : null);
            summary.put("best_validation_" + cfg.validation().monitor(), finiteOrNull(stopping.bestValue()));
            summary.put("final_validation_" + cfg.validation().monitor(), finiteOrNull(stopping.lastValue()));
            summary.put("test_accuracy", testCounts.accuracy());
            summary.put("test_loss", testCounts.loss());
            summary.put("weights_sha256", sha);
            summary.put("kernels", Gemm.implementation());
            summary.put("spark_version", spark.version());
            summary.put("finished", Instant.now().toString());
            metrics.write(Map.of("type", "test", "loss", testCounts.loss(), "accuracy", testCounts.accuracy()));

            Map<String, String> provenance = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : summary.entrySet()) {
                provenance.put(e.getKey(), String.valueOf(e.getValue()));
            }
            provenance.put("train_data", train.uri());
            provenance.put("test_data", test.uri());
            provenance.put("config", rendered);
            Storage.writeModel(hadoop, run.file("model.sparkcnn"),
                    new ModelFile.SavedModel(def, finalParams, norm, provenance, finalBuffers));
            Storage.writeText(hadoop, run.file("evaluation.json"), JSON.writeValueAsString(EvaluationSummary.toMap(testCounts)));
            Storage.writeText(hadoop, run.file("summary.json"), JSON.writeValueAsString(summary));
            curves.flush(result.steps());
            byte[] png = Report.png(Report.curves(def.name() + ": training curves", curves));
            Storage.write(hadoop, run.file("curves.png"), out -> out.write(png));
            Storage.writeText(hadoop, run.file("report.html"),
                    Report.html("SparkCNN run: " + def.name(), summary, png, testCounts));
            metrics.close();
            run.commit();

            progress.message(String.format(Locale.ROOT, "%nsummary%n  wall time %s (training %s, %.0f img/s)%n"
                            + "  validation %s: best %.4f, final %.4f; weights kept: %s%n  test accuracy %.4f (loss %.4f)%n"
                            + "  weights sha256: %s",
                    Progress.duration((System.nanoTime() - started) / 1e9), Progress.duration(trainSeconds),
                    (double) summary.get("img_per_s"), cfg.validation().monitor(), stopping.bestValue(), stopping.lastValue(), kept,
                    testCounts.accuracy(), testCounts.loss(), sha));
            System.out.print(EvaluationSummary.table(testCounts).indent(2));
            List<String> tiles = KernelChoice.report();
            if (!tiles.isEmpty()) {  // in local mode the executors' choices; on a cluster the driver's own
                System.out.println("kernel tiles chosen by speed in this JVM (all give the same bits):");
                tiles.forEach(line -> System.out.println("  " + line));
            }
            System.out.println("artifacts in " + run.uri() + ":");
            for (String f : List.of("model.sparkcnn", "metrics.jsonl", "evaluation.json", "summary.json", "curves.png",
                    "report.html", "config.conf")) {
                System.out.println("  " + run.finalFile(f));
            }
        } finally {
            trainBlocks.unpersist(false);
            testBlocks.unpersist(false);
            validationBlocks.unpersist(false);
        }
        return 0;
    }

    /** What a resumed run must find unchanged in its training data. */
    private static Map<String, String> dataFingerprint(Configuration hadoop, LabeledData train, long count, Normalization norm)
            throws IOException {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("examples", String.valueOf(count));
        f.put("shape", train.shape().toString());
        f.put("classes", String.valueOf(train.numClasses()));
        f.putAll(train.fingerprint(hadoop));
        f.put("normalization", norm.toString());
        return f;
    }

    /** A dataset's blocks, cached; bad records skipped under the skip policy are reported. */
    private static JavaRDD<ExampleBlock> loaded(LabeledData d, String role, JavaSparkContext sc, TrainerConfig cfg, int partitions,
                                                Map<String, Object> skippedRecords) throws IOException {
        LabeledData.Loaded l = d.read(sc, cfg.data().blockSize(), partitions);
        if (l.skipped() > 0) {
            skippedRecords.put(role, Map.of("count", l.skipped(), "first", l.firstSkipped()));
            System.out.println("warning: " + l.skipped() + " bad records skipped in the " + role + " data (data.bad-records = "
                    + "skip); the first: " + String.join("; ", l.firstSkipped()));
        }
        return l.blocks().setName(role + " blocks").persist(StorageLevel.MEMORY_AND_DISK());
    }

    /** Normalization constants from the config: one value for all channels, or one per channel. */
    private static Normalization given(TrainerConfig.Norm n, org.sparkcnn.engine.Shape shape) {
        if (n.mean().size() != n.std().size() || (n.mean().size() != 1 && n.mean().size() != shape.channels())) {
            throw new TrainerConfig.Invalid("config keys 'data.normalization.mean' and '.std' need 1 or " + shape.channels()
                    + " values each, got " + n.mean().size() + " and " + n.std().size());
        }
        float[] mean = new float[n.mean().size()], std = new float[n.std().size()];
        for (int c = 0; c < mean.length; c++) {
            mean[c] = n.mean().get(c).floatValue();
            std[c] = n.std().get(c).floatValue();
        }
        try {
            return new Normalization(mean, std);
        } catch (IllegalArgumentException e) {
            throw new TrainerConfig.Invalid("config key 'data.normalization': " + e.getMessage());
        }
    }

    private static void checkInput(ModelDefinition def, LabeledData d) {
        if (d == null) {
            return;
        }
        try {
            def.checkInput(d.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(d.uri() + ": " + e.getMessage(), e);
        }
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static String orElse(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String parentDir(String uri) {
        return new org.apache.hadoop.fs.Path(uri).getParent().toString();
    }
}
