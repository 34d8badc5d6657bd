package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.layers.Pass;

/**
 * {@code train} in this JVM, on the tiny dataset: an MSE model trains end to end with either
 * reduction and is evaluated with its own loss; early stopping on the validation loss stops at the
 * same step, with bit-identical validation losses, for 1 and 8 partitions.
 */
class TrainLossesTest {

    private static final int TRAIN = 640;
    private static final int TEST = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void data() throws IOException {
        data = TinyDataset.write(tmp.resolve("data"), TRAIN, TEST);
    }

    private static Path model(String name, String loss) throws IOException {
        Path f = tmp.resolve(name + ".json");
        Files.writeString(f, """
                {"format": "sparkcnn-model/1", "name": "%s", "input": [1, 28, 28],
                 "layers": [{"type": "conv2d", "name": "conv1", "out_channels": 4, "kernel": 5, "stride": 2},
                            {"type": "relu"}, {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"},
                            {"type": "dense", "name": "fc", "out_features": 10}],
                 "loss": %s}
                """.formatted(name, loss));
        return f;
    }

    /** Runs {@code train}; returns its standard output, after checking it succeeded. */
    private static String train(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            status = SparkCnn.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text + err.toString(StandardCharsets.UTF_8));
        return text;
    }

    private static List<JsonNode> records(Path run, String type) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode r = JSON.readTree(line);
            if (type.equals(r.path("type").asText())) {
                out.add(r);
            }
        }
        return out;
    }

    @Test
    void mseTrainsEndToEndWithEitherReductionAndIsEvaluatedWithItsOwnLoss() throws IOException {
        // mean: dL/da = 2(a - y)/(B K), small, so a larger rate; half_sum: the sum over the batch, so a smaller one
        for (String[] c : new String[][]{{"mean", "0.25"}, {"half_sum", "0.0015"}}) {
            String reduction = c[0];
            Path run = tmp.resolve("mse-" + reduction);
            train("train", "--master", "local[2]", "--model",
                    model("tiny-mse", "{\"type\": \"mse\", \"reduction\": \"" + reduction + "\"}").toString(),
                    "--data", data.toString(), "--output", run.toString(), "--epochs", "4", "--batch-size", "32",
                    "--lr", c[1], "--set", "training.schedule = {name = constant}", "--set", "output.log-every=20");

            List<JsonNode> steps = records(run, "step");
            assertEquals(80, steps.size(), "4 epochs of 640/32 steps");
            double first = 0, last = 0;
            for (int i = 0; i < 5; i++) {
                first += steps.get(i).get("loss").asDouble() / 5;
                last += steps.get(75 + i).get("loss").asDouble() / 5;
            }
            assertTrue(last < 0.7 * first, reduction + ": the training loss falls: " + first + " -> " + last);

            // evaluation.json's loss is the MSE against the one-hot labels, computed here from the saved model
            ModelFile.SavedModel saved;
            try (InputStream in = Files.newInputStream(run.resolve("model.sparkcnn"))) {
                saved = ModelFile.read(in, "model.sparkcnn");
            }
            assertEquals("mse", saved.definition().loss().type());
            TinyDataset.Examples test = TinyDataset.test(TEST);
            float[] x = test.pixels().clone();
            saved.normalization().apply(x, 0, TEST, saved.definition().inputShape());
            Network net = saved.definition().newNetwork(TEST);
            float[] z = net.forward(saved.params(), x, TEST, Pass.INFERENCE);
            double squares = 0;
            long right = 0;
            for (int i = 0; i < TEST; i++) {
                int best = 0;
                for (int j = 0; j < 10; j++) {
                    double d = z[i * 10 + j] - (test.labels()[i] == j ? 1.0 : 0.0);
                    squares += d * d;
                    best = z[i * 10 + j] > z[i * 10 + best] ? j : best;
                }
                right += best == test.labels()[i] ? 1 : 0;
            }
            double expected = reduction.equals("mean") ? squares / (TEST * 10) : 0.5 * squares / TEST;
            JsonNode evaluation = JSON.readTree(run.resolve("evaluation.json").toFile());
            double loss = evaluation.get("loss").asDouble();
            assertEquals(expected, loss, 1e-9 * expected, reduction + ": evaluation.json's loss");
            assertEquals(right / (double) TEST, evaluation.get("accuracy").asDouble(), 0.0, "accuracy by argmax");
            assertTrue(right > TEST / 2, reduction + ": " + right + "/" + TEST + " test examples right");
            JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
            assertEquals(loss, summary.get("test_loss").asDouble(), 0.0);
            List<JsonNode> validations = records(run, "validation");
            assertEquals(4, validations.size());
            assertEquals(loss, validations.get(3).get("loss").asDouble(), 0.0,
                    "the last validation (the test data, the final weights) is the same evaluation");
        }
    }

    @Test
    void earlyStoppingOnTheLossStopsAtTheSameStepForOneAndEightPartitions() throws IOException {
        Path modelFile = model("tiny-ce", "{\"type\": \"softmax_cross_entropy\"}");
        List<List<String>> losses = new ArrayList<>();
        List<Long> stops = new ArrayList<>();
        List<String> hashes = new ArrayList<>();
        for (int partitions : new int[]{1, 8}) {
            Path run = tmp.resolve("stop-" + partitions);
            String out = train("train", "--master", "local[2]", "--model", modelFile.toString(), "--data", data.toString(),
                    "--output", run.toString(), "--partitions", Integer.toString(partitions), "--epochs", "10",
                    "--batch-size", "32", "--set", "data.block-size=16",
                    "--set", "training.schedule = {name = plateau, patience = 0, factor = 0.5}",
                    "--set", "validation.monitor=loss", "--set", "validation.every-steps=5",
                    "--set", "validation.patience=2", "--set", "validation.min-delta=0.01");
            assertTrue(out.contains("early stopping: no improvement of loss"), out);
            JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
            stops.add(summary.get("steps").asLong());
            hashes.add(summary.get("weights_sha256").asText());
            List<String> v = new ArrayList<>();
            for (JsonNode r : records(run, "validation")) {
                v.add(r.get("step").asText() + ": " + r.get("loss").asText());  // the shortest decimal that is the double
            }
            losses.add(v);
        }
        assertTrue(stops.get(0) < 200, "stopped before the 10 epochs' 200 steps: " + stops);
        assertEquals(stops.get(0), stops.get(1), "stopped at the same step");
        assertEquals(losses.get(0), losses.get(1), "bit-identical validation losses");
        assertTrue(losses.get(0).size() >= 3, "validations: " + losses.get(0));
        assertEquals(hashes.get(0), hashes.get(1));
    }
}
