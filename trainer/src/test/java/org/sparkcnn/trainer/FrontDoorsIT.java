package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.jobs.SparkCnnKryoRegistrator;
import org.sparkcnn.jobs.TestFaults;
import org.sparkcnn.ml.CnnClassificationModel;
import org.sparkcnn.ml.CnnClassifier;

/**
 * The two front doors run one training policy: {@code sparkcnn train} and {@code CnnClassifier.fit}
 * with the same settings (validation split, loss monitor, early stopping, cosine schedule, gradient
 * clipping) stop at the same step with the same weights; a fit killed while writing a checkpoint and
 * refitted with the same checkpoint directory ends with the weights of a fit that never stopped.
 */
class FrontDoorsIT {

    static final int TRAIN = 320;

    @TempDir
    Path tmp;

    /** The training examples of {@link TinyDataset} as rows (features: pixels / 255 as floats, label), in file order. */
    static Dataset<Row> rows(SparkSession spark) {
        TinyDataset.Examples e = TinyDataset.train(TRAIN);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < TRAIN; i++) {
            List<Float> x = new ArrayList<>(784);
            for (int p = 0; p < 784; p++) {
                x.add(e.pixels()[i * 784 + p]);
            }
            rows.add(RowFactory.create(x, e.labels()[i]));
        }
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.IntegerType);
        return spark.createDataFrame(rows, schema);
    }

    static SparkSession spark() {
        return SparkSession.builder().master("local[2]").appName("front doors")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.kryo.registrator", SparkCnnKryoRegistrator.class.getName())
                .config("spark.kryo.registrationRequired", "true").getOrCreate();
    }

    /** The estimator with the settings of {@link #CLI_POLICY}. */
    static CnnClassifier estimator() {
        return new CnnClassifier().setEpochs(0).setMaxSteps(60).setBatchSize(16).setSeed(3).setValidationFraction(0.25)
                .setValidationInterval(5).setValidationMonitor("loss").setEarlyStoppingPatience(2).setEarlyStoppingMinDelta(0.05)
                .setSchedule("cosine").setScheduleOptions("{\"t_max\": 12, \"eta_min\": 0.001}").setClipGradNorm(1.0);
    }

    static final String[] CLI_POLICY = {"--epochs", "0", "--max-steps", "60", "--batch-size", "16", "--seed", "3",
        "--set", "data.validation-fraction=0.25", "--set", "validation.every-steps=5", "--set", "validation.monitor=loss",
        "--set", "validation.patience=2", "--set", "validation.min-delta=0.05", "--set", "training.clip-grad-norm=1.0"};

    @Test
    void theCliAndTheEstimatorStopAtTheSameStepWithTheSameWeights() throws Exception {
        Path data = TinyDataset.write(tmp.resolve("data"), TRAIN, 40);
        Path out = tmp.resolve("cli");
        List<String> cli = new ArrayList<>(List.of("train", "--master", "local[2]", "--data", data.toString(), "--output",
                out.toString()));
        cli.addAll(List.of(CLI_POLICY));
        assertEquals(0, SparkCnn.run(cli.toArray(new String[0])));
        JsonNode summary = SparkSubmitIT.JSON.readTree(out.resolve("summary.json").toFile());
        long cliSteps = summary.get("steps").asLong();
        assertTrue(cliSteps < 60, "early stopping ended the CLI run before its 60 steps: " + cliSteps);

        SparkSession spark = spark();
        try {
            CnnClassificationModel model = estimator().fit(rows(spark));
            assertEquals(cliSteps, model.summary().steps(), "the estimator stops at the CLI's step");
            assertEquals(summary.get("best_validation_loss").asDouble(), model.summary().bestValidation(),
                    "the same best validation loss");
            assertEquals(summary.get("weights_sha256").asText(), model.weightsSha256(), "the same weights");
        } finally {
            spark.stop();
        }
    }

    @Test
    void aFitKilledWhileCheckpointingIsRefittedBitIdentical() throws Exception {
        Path checkpoints = tmp.resolve("checkpoints");
        List<String> cmd = new ArrayList<>(List.of(SparkProcesses.java(), "-Xmx1g"));
        cmd.addAll(SparkProcesses.JVM_OPTIONS);
        cmd.addAll(List.of("-D" + TestFaults.HALT_AT + "=" + TestFaults.CHECKPOINT_BEFORE_MANIFEST + "@20",
                "-cp", System.getProperty("java.class.path"), FitMain.class.getName(), checkpoints.toString()));
        Path log = tmp.resolve("killed-fit.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the fit ended; see " + log);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        assertEquals(137, p.exitValue(), Files.readString(log));
        assertTrue(Files.isDirectory(checkpoints.resolve("step-000000010")), "the checkpoint of step 10 is complete");

        SparkSession spark = spark();
        try {
            CnnClassificationModel resumed = checkpointed(checkpoints.toString()).fit(rows(spark));
            CnnClassificationModel straight = checkpointed("").fit(rows(spark));
            assertEquals(30, resumed.summary().steps());
            assertEquals(straight.weightsSha256(), resumed.weightsSha256(),
                    "killed at step 20's checkpoint, refitted from step 10: the weights of an uninterrupted fit");
        } finally {
            spark.stop();
        }
    }

    static CnnClassifier checkpointed(String dir) {
        return new CnnClassifier().setEpochs(0).setMaxSteps(30).setBatchSize(16).setSeed(5).setCheckpointDir(dir)
                .setCheckpointInterval(10);
    }

    /** A fit with checkpoints in the directory given, in a JVM of its own (so that it can be halted). */
    public static final class FitMain {
        public static void main(String[] args) {
            SparkSession spark = spark();
            checkpointed(args[0]).fit(rows(spark));
            spark.stop();
        }
    }
}
