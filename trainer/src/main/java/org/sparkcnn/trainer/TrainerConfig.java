package org.sparkcnn.trainer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The training configuration: HOCON (a superset of JSON) read by Typesafe Config, layered as flags
 * over a config file over the embedded {@code defaults.conf}, then bound strictly to records by
 * Jackson, so an unknown key, a wrong type or a missing value fails naming the key, before Spark
 * starts. Keys are kebab-case; optimizer and schedule options keep PyTorch's names.
 */
public record TrainerConfig(String model, Data data, Training training, Validation validation, Output output,
                            Checkpoint checkpoint) {

    public record Data(String train, String test, String validation, String format, int classes, int blockSize,
                       int partitions, java.util.List<Integer> shape, double pixelScale, String badRecords, Csv csv,
                       Parquet parquet, double validationFraction, Norm normalization) {
    }

    public record Norm(java.util.List<Double> mean, java.util.List<Double> std) {
    }

    public record Csv(boolean header, int labelColumn) {
    }

    public record Parquet(String labelColumn, String featuresColumn) {
    }

    public record Training(long seed, int epochs, long maxSteps, int batchSize, int chunkSize, int threadsPerTask,
                           int treeDepth, String initializer, String initFrom, Map<String, Object> optimizer,
                           Map<String, Object> schedule, String onDivergence, double clipGradNorm,
                           Augmentation augmentation, int bnGroupSize, boolean stepLoop, String sampling) {
    }

    /** Training-only input augmentation: zero-padded random crop, random horizontal flip, random erasing. */
    public record Augmentation(int cropPadding, boolean horizontalFlip, double erasing) {
        public boolean enabled() {
            return cropPadding > 0 || horizontalFlip || erasing > 0;
        }

        /** As the summary and the model's provenance show it. */
        public String describe() {
            return enabled() ? "crop-padding " + cropPadding + ", horizontal-flip " + horizontalFlip + ", erasing " + erasing : "none";
        }
    }

    public record Validation(int everySteps, String monitor, int patience, double minDelta, boolean restoreBest) {
    }

    public record Output(String dir, boolean overwrite, int logEvery) {
    }

    public record Checkpoint(int everySteps, boolean everyEpoch, String dir, int keep, boolean autoResume,
                             int writeAttempts, long retryBackoffMs) {
        public boolean enabled() {
            return everySteps > 0 || everyEpoch;
        }
    }

    /** A configuration problem: the message names the key. The CLI exits with status 2. */
    public static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Invalid(String message) {
            super(message);
        }
    }

    private static final String DEFAULTS = "org/sparkcnn/trainer/defaults.conf";
    private static final String SHIPPED = "org/sparkcnn/trainer/conf/";
    /**
     * Blocks that a config replaces as a whole when it names its own optimizer or schedule (the
     * default's options would not fit another one); without a name, its keys merge into the default.
     */
    private static final String[] WHOLE_BLOCKS = {"training.optimizer", "training.schedule"};

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .build();

    /**
     * The effective configuration: {@code overrides} (from flags) over
     * {@code file} (a path, or the name of a shipped config such as {@code fashion-mnist-lenet5};
     * null for none) over the defaults.
     */
    public static Config load(String file, Config overrides) {
        Config defaults = ConfigFactory.parseResources(TrainerConfig.class.getClassLoader(), DEFAULTS,
                ConfigParseOptions.defaults().setAllowMissing(false));
        Config user = ConfigFactory.empty();
        if (file != null) {
            user = parseFile(file);
        }
        Config layered = overrides.withFallback(user);
        for (String block : WHOLE_BLOCKS) {
            if (layered.hasPathOrNull(block + ".name")) {
                defaults = defaults.withoutPath(block);
            }
        }
        try {
            return layered.withFallback(defaults).resolve();
        } catch (ConfigException e) {
            throw new Invalid("configuration: " + e.getMessage());
        }
    }

    private static Config parseFile(String file) {
        File f = new File(file);
        try {
            if (f.isFile()) {
                return ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false)
                        .setSyntax(file.endsWith(".json") ? ConfigSyntax.JSON : ConfigSyntax.CONF));
            }
            if (!file.contains("/") && TrainerConfig.class.getClassLoader().getResource(SHIPPED + file + ".conf") != null) {
                return ConfigFactory.parseResources(TrainerConfig.class.getClassLoader(), SHIPPED + file + ".conf");
            }
        } catch (ConfigException e) {
            throw new Invalid("config file " + file + ": " + e.getMessage());
        }
        throw new Invalid("config file " + file + ": no such file (nor a shipped config of that name)");
    }

    /** Binds the configuration strictly; every problem names its key. */
    public static TrainerConfig bind(Config config) {
        Object tree = config.root().unwrapped();
        TrainerConfig c;
        try {
            c = MAPPER.convertValue(tree, TrainerConfig.class);
        } catch (IllegalArgumentException e) {
            throw new Invalid(describe(e.getCause() instanceof JsonMappingException jm ? jm : null, e));
        }
        c.check();
        return c;
    }

    private static String describe(JsonMappingException e, Exception outer) {
        if (e == null) {
            return "configuration: " + outer.getMessage();
        }
        String key = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            return "config key '" + key + "' is not a known key (known here: " + known + ")";
        }
        String why = e.getOriginalMessage();
        int cut = why.indexOf(" at [Source");
        return "config key '" + key + "': " + (cut > 0 ? why.substring(0, cut) : why).replace('\n', ' ');
    }

    private void check() {
        require(model != null && !model.isBlank(), "model", "must name a model");
        require(data.train != null && !data.train.isBlank(), "data.train", "must be set (a dataset URI)");
        require(java.util.List.of("idx", "csv", "parquet", "images").contains(data.format), "data.format",
                "must be idx, csv, parquet or images, got '" + data.format + "'");
        require(data.shape.isEmpty() || (data.shape.size() == 3 && data.shape.stream().allMatch(d -> d > 0)), "data.shape",
                "must be [] (inferred) or [C, H, W] with positive sizes, got " + data.shape);
        require(data.pixelScale > 0, "data.pixel-scale", "must be positive, got " + data.pixelScale);
        require("fail".equals(data.badRecords) || "skip".equals(data.badRecords), "data.bad-records",
                "must be fail or skip, got '" + data.badRecords + "'");
        require(data.csv.labelColumn >= 0, "data.csv.label-column", "must be >= 0, got " + data.csv.labelColumn);
        require(data.normalization.mean().size() == data.normalization.std().size()
                        && data.normalization.std().stream().allMatch(v -> v > 0), "data.normalization",
                "needs as many means as standard deviations, each std positive; got mean " + data.normalization.mean()
                        + " std " + data.normalization.std());
        require(data.validationFraction >= 0 && data.validationFraction < 1, "data.validation-fraction",
                "must be in [0, 1), got " + data.validationFraction);
        require("idx".equals(data.format) || !data.test.isBlank(), "data.test",
                "must be set for format " + data.format + " (only IDX finds its test files by name)");
        require(data.classes >= 1, "data.classes", "must be at least 1, got " + data.classes);
        require(data.blockSize >= 1, "data.block-size", "must be at least 1, got " + data.blockSize);
        require(data.partitions >= 0, "data.partitions", "must be >= 0 (0 = Spark's default parallelism), got " + data.partitions);
        require(training.epochs >= 0, "training.epochs", "must be >= 0, got " + training.epochs);
        require(training.maxSteps >= 0, "training.max-steps", "must be >= 0, got " + training.maxSteps);
        require(training.epochs > 0 || training.maxSteps > 0, "training.epochs", "or training.max-steps must be positive");
        require(training.batchSize >= 1, "training.batch-size", "must be at least 1, got " + training.batchSize);
        require(training.chunkSize >= 1, "training.chunk-size", "must be at least 1, got " + training.chunkSize);
        require(org.sparkcnn.jobs.Sampling.CHOICES.contains(training.sampling), "training.sampling",
                "must be " + org.sparkcnn.jobs.Sampling.choices() + ", got '" + training.sampling + "'");
        require(training.bnGroupSize >= 1, "training.bn-group-size", "must be at least 1, got " + training.bnGroupSize);
        require(training.threadsPerTask >= 0, "training.threads-per-task", "must be >= 0, got " + training.threadsPerTask);
        require(training.treeDepth >= 0, "training.tree-depth", "must be >= 0, got " + training.treeDepth);
        require(training.optimizer.get("name") instanceof String, "training.optimizer.name", "must name an optimizer");
        require(training.optimizer.get("lr") instanceof Number, "training.optimizer.lr", "must be a number");
        require(training.schedule.get("name") instanceof String, "training.schedule.name", "must name a schedule");
        require(validation.everySteps >= 0, "validation.every-steps", "must be >= 0 (0 = every epoch), got " + validation.everySteps);
        require("accuracy".equals(validation.monitor) || "loss".equals(validation.monitor), "validation.monitor",
                "must be accuracy or loss, got '" + validation.monitor + "'");
        require(validation.patience >= 0, "validation.patience", "must be >= 0, got " + validation.patience);
        require(validation.minDelta >= 0, "validation.min-delta", "must be >= 0, got " + validation.minDelta);
        require(output.logEvery >= 1, "output.log-every", "must be at least 1, got " + output.logEvery);
        require("fail".equals(training.onDivergence) || "skip".equals(training.onDivergence), "training.on-divergence",
                "must be fail or skip, got '" + training.onDivergence + "'");
        require(training.clipGradNorm >= 0 && Double.isFinite(training.clipGradNorm), "training.clip-grad-norm",
                "must be finite and >= 0 (0 = no clipping), got " + training.clipGradNorm);
        require(training.augmentation.cropPadding >= 0, "training.augmentation.crop-padding",
                "must be >= 0 (0 = no random crop), got " + training.augmentation.cropPadding);
        require(training.augmentation.erasing >= 0 && training.augmentation.erasing <= 1, "training.augmentation.erasing",
                "must be a probability in [0, 1] (0 = no random erasing), got " + training.augmentation.erasing);
        require(checkpoint.everySteps >= 0, "checkpoint.every-steps", "must be >= 0 (0 = not by steps), got " + checkpoint.everySteps);
        require(checkpoint.keep >= 1, "checkpoint.keep", "must be at least 1, got " + checkpoint.keep);
        require(checkpoint.writeAttempts >= 1, "checkpoint.write-attempts", "must be at least 1, got " + checkpoint.writeAttempts);
        require(checkpoint.retryBackoffMs >= 0, "checkpoint.retry-backoff-ms", "must be >= 0, got " + checkpoint.retryBackoffMs);
    }

    /**
     * A model with batch norm trains in ghost groups of training.bn-group-size, one without under
     * block-chunks sampling in groups of training.chunk-size: the batch (and for ghost groups the
     * blocks) must hold whole groups.
     */
    public void checkGroups(org.sparkcnn.engine.ModelDefinition def) {
        if (def.bufferCount() == 0) {
            if (org.sparkcnn.jobs.Sampling.of(training.sampling, data.format) == org.sparkcnn.jobs.Sampling.BLOCK_CHUNKS) {
                require(training.batchSize % training.chunkSize == 0, "training.batch-size", "must be a multiple of "
                        + "training.chunk-size (" + training.chunkSize + ") with training.sampling = " + training.sampling
                        + " (block-chunks for data.format " + data.format + "); got " + training.batchSize
                        + ", or set training.sampling = shuffle");
            }
            return;
        }
        int g = training.bnGroupSize;
        require(training.batchSize % g == 0, "training.batch-size", "must be a multiple of training.bn-group-size (" + g
                + ") for model '" + def.name() + "', which has batch norm; got " + training.batchSize);
        require(data.blockSize % g == 0, "data.block-size", "must be a multiple of training.bn-group-size (" + g
                + ") for model '" + def.name() + "', which has batch norm; got " + data.blockSize);
    }

    private static void require(boolean ok, String key, String what) {
        if (!ok) {
            throw new Invalid("config key '" + key + "' " + what);
        }
    }

    /** The optimizer's own options: the block without name and lr. */
    /** The checkpoint settings, writing to {@code dir}. */
    public org.sparkcnn.jobs.run.RunSettings.Checkpoints checkpointSettings(String dir) {
        return new org.sparkcnn.jobs.run.RunSettings.Checkpoints(checkpoint.everySteps, checkpoint.everyEpoch, dir, checkpoint.keep,
                checkpoint.writeAttempts, checkpoint.retryBackoffMs);
    }

    /** The run's policy as {@link org.sparkcnn.jobs.run.TrainingRun} takes it, with checkpoints in {@code checkpointDir}. */
    public org.sparkcnn.jobs.run.RunSettings runSettings(String checkpointDir) {
        return new org.sparkcnn.jobs.run.RunSettings(training.seed, training.epochs, training.maxSteps, training.batchSize,
                training.chunkSize, training.threadsPerTask, training.treeDepth, Checks.initializer(training.initializer),
                (String) training.optimizer.get("name"), ((Number) training.optimizer.get("lr")).doubleValue(), optimizerOptions(),
                (String) training.schedule.get("name"), scheduleOptions(), "skip".equals(training.onDivergence),
                training.clipGradNorm, new org.sparkcnn.engine.train.Augmentation(training.augmentation.cropPadding,
                training.augmentation.horizontalFlip, training.augmentation.erasing), new org.sparkcnn.jobs.run.RunSettings.Validation(validation.everySteps, validation.monitor,
                validation.patience, validation.minDelta, validation.restoreBest), checkpointSettings(checkpointDir),
                training.bnGroupSize, training.stepLoop, org.sparkcnn.jobs.Sampling.of(training.sampling, data.format));
    }

    public Map<String, Object> optimizerOptions() {
        return without(training.optimizer, "name", "lr");
    }

    public Map<String, Object> scheduleOptions() {
        return without(training.schedule, "name");
    }

    private static Map<String, Object> without(Map<String, Object> block, String... keys) {
        Map<String, Object> m = new LinkedHashMap<>(block);
        for (String k : keys) {
            m.remove(k);
        }
        return m;
    }

    /** The configuration as HOCON, as printed at start and stored with the model. */
    public static String render(Config config) {
        return config.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false)
                .setFormatted(true).setJson(false));
    }
}
