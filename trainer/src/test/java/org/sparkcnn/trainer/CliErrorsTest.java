package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage and configuration errors: exit status 2 and a message naming the option or key, before Spark starts. */
class CliErrorsTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path config(String text) throws IOException {
        Path f = tmp.resolve("test.conf");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertEquals(2, SparkCnn.run("train", "--epoks", "3"));
        assertTrue(stderr().contains("Unknown options: '--epoks'"), stderr());
        assertTrue(stderr().contains("Possible solutions: --epochs"), stderr());
    }

    @Test
    void missingCommandAndBadValueAreUsageErrors() {
        assertEquals(2, SparkCnn.run(new String[0]));
        assertTrue(stderr().contains("a command is required"), stderr());
        assertEquals(2, SparkCnn.run("train", "--epochs", "many"));
        assertTrue(stderr().contains("Invalid value for option '--epochs': 'many' is not an int"), stderr());
    }

    @Test
    void benchDataRejectsRoundsAndEpochsItCannotTime() {
        assertEquals(2, SparkCnn.run("bench", "data", "--data", tmp.toString(), "--rounds", "0"));
        assertTrue(stderr().contains("--rounds must be at least 1, got 0"), stderr());
        assertEquals(2, SparkCnn.run("bench", "data", "--data", tmp.toString(), "--epochs", "1"));
        assertTrue(stderr().contains("--epochs must be 0 (read only) or at least 2"), stderr());
    }

    @Test
    void augmentationOfAVectorInputIsRefused() throws IOException {
        Path model = tmp.resolve("mlp.json");
        Files.writeString(model, org.sparkcnn.engine.ModelDefinition.builder("mlp", org.sparkcnn.engine.Shape.vector(16))
                .dense("fc", 10).build(org.sparkcnn.engine.layers.Loss.SOFTMAX_CROSS_ENTROPY).toJsonString());
        assertEquals(2, SparkCnn.run("train", "--model", model.toString(), "--set", "training.augmentation.horizontal-flip=true"));
        assertTrue(stderr().contains("config key 'training.augmentation' needs an image input, but model 'mlp' takes a vector "
                + "of 16 features"), stderr());
    }

    @Test
    void unknownConfigKeyIsNamed() throws IOException {
        Path f = config("training { epocs = 3 }\n");
        assertEquals(2, SparkCnn.run("train", "--config", f.toString()));
        assertTrue(stderr().contains("config key 'training.epocs' is not a known key"), stderr());
        assertTrue(stderr().contains("epochs"), "lists the known keys: " + stderr());
    }

    @Test
    void wrongTypeIsNamed() throws IOException {
        Path f = config("training.batch-size = \"sixty-four\"\n");
        assertEquals(2, SparkCnn.run("train", "--config", f.toString()));
        assertTrue(stderr().contains("config key 'training.batch-size'"), stderr());
        assertEquals(2, SparkCnn.run("train", "--set", "training.epochs=2.5"));
        assertTrue(stderr().contains("config key 'training.epochs'"), stderr());
    }

    @Test
    void badValuesAndOptimizerOptionsAreNamed() {
        assertEquals(2, SparkCnn.run("train", "--batch-size", "0"));
        assertTrue(stderr().contains("config key 'training.batch-size' must be at least 1, got 0"), stderr());
        assertEquals(2, SparkCnn.run("train", "--set", "training.optimizer={name=sgd, lr=0.1, momentom=0.9}"));
        assertTrue(stderr().contains("config key 'training.optimizer'") && stderr().contains("momentom"), stderr());
        assertEquals(2, SparkCnn.run("train", "--model", "lenet7"));
        assertTrue(stderr().contains("config key 'model'") && stderr().contains("lenet7"), stderr());
        assertEquals(2, SparkCnn.run("train", "--set", "training.sampling=random"));
        assertTrue(stderr().contains("config key 'training.sampling' must be auto, shuffle or block-chunks, got 'random'"), stderr());
        assertEquals(2, SparkCnn.run("train", "--data", "/nonexistent", "--batch-size", "50"));
        assertTrue(stderr().contains("config key 'training.batch-size' must be a multiple of training.chunk-size (16) with "
                + "training.sampling = auto (block-chunks for data.format idx); got 50, or set training.sampling = shuffle"), stderr());
        assertEquals(2, SparkCnn.run("train", "--config", tmp.resolve("absent.conf").toString()));
        assertTrue(stderr().contains("absent.conf: no such file"), stderr());
    }

    @Test
    void missingInputFailsNamingThePath() {
        Path missing = tmp.resolve("no-such-dataset");
        assertEquals(1, SparkCnn.run("train", "--data", missing.toString(), "--output", tmp.resolve("out").toString()));
        assertTrue(stderr().contains(missing + ": no such file or directory"), stderr());
        assertTrue(!Files.exists(tmp.resolve("out")) && !Files.exists(tmp.resolve("out.inprogress")), "nothing written");
    }

    @Test
    void anExistingOutputNeedsOverwrite() throws IOException {
        Path data = TinyDataset.write(tmp.resolve("data"), 20, 10);
        Path out = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(out.resolve("keep.txt"), "earlier run");
        assertEquals(2, SparkCnn.run("train", "--data", data.toString(), "--output", out.toString()));
        assertTrue(stderr().contains("already exists") && stderr().contains("--overwrite"), stderr());
        assertEquals("earlier run", Files.readString(out.resolve("keep.txt")));
    }

    @Test
    void classCountMustMatchTheModel() throws IOException {
        Path data = TinyDataset.write(tmp.resolve("data"), 20, 10);
        assertEquals(2, SparkCnn.run("train", "--data", data.toString(), "--set", "data.classes=7"));
        assertTrue(stderr().contains("config key 'data.classes' is 7 but model 'lenet5' has 10 outputs"), stderr());
    }

    @Test
    void printConfigLayersFlagsOverFileOverDefaults() throws IOException {
        Path f = config("training { epochs = 3, batch-size = 32 }\ntraining.optimizer { name = adam, lr = 0.001 }\n");
        assertEquals(0, SparkCnn.run("train", "--config", f.toString(), "--epochs", "5", "--print-config"));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("epochs=5"), "flag wins: " + printed);
        assertTrue(printed.contains("batch-size=32"), "file wins over defaults: " + printed);
        assertTrue(printed.contains("chunk-size=16"), "defaults fill the rest: " + printed);
        assertTrue(printed.contains("name=adam") && !printed.contains("momentum"),
                "an optimizer block replaces the default one as a whole: " + printed);
    }

    @Test
    void anOptionWithoutANameMergesIntoTheDefaultOptimizer() {
        assertEquals(0, SparkCnn.run("train", "--lr", "0.01", "--set", "training.schedule.eta_min=0", "--print-config"));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("lr=0.01") && printed.contains("momentum=0.9") && printed.contains("name=sgd"), printed);
        assertTrue(printed.contains("name=cosine") && printed.contains("\"eta_min\"=0"), printed);
    }
}
