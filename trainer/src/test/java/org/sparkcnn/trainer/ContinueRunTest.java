package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.engine.ModelFile;

/**
 * A completed run continued with {@code --resume} (from the checkpoint of its last step, replacing
 * the output only on success) ends bit-identical to a run trained that long at once; {@code --init-from}
 * starts a new run from a model file's weights and records it.
 */
class ContinueRunTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @RegisterExtension
    final CapturedStderr err = new CapturedStderr();

    private String[] args(Path data, Path out, long steps, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--master", "local[2]", "--data", data.toString(), "--output",
                out.toString(), "--epochs", "0", "--max-steps", Long.toString(steps), "--batch-size", "16", "--seed", "3",
                "--set", "training.schedule.name=constant", "--set", "validation.every-steps=10"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    private static JsonNode summary(Path run) throws IOException {
        return JSON.readTree(run.resolve("summary.json").toFile());
    }

    @Test
    void aCompletedRunContinuesBitIdenticalAndInitFromStartsFromItsWeights() throws IOException {
        Path data = TinyDataset.write(tmp.resolve("data"), 320, 40);
        Path run = tmp.resolve("run");
        assertEquals(0, SparkCnn.run(args(data, run, 20, "--checkpoint-every", "15")), err.text());
        assertTrue(Files.isDirectory(run.resolve("checkpoints/step-000000020")), "the last step is checkpointed too");
        String first = summary(run).get("weights_sha256").asText();

        assertEquals(2, SparkCnn.run(args(data, run, 30, "--checkpoint-every", "15", "--resume")));
        assertTrue(err.text().contains("config key 'training.max-steps' is 20 in checkpoint ")
                && err.text().contains("but 30 now; pass --force"), err.text());
        assertEquals(first, summary(run).get("weights_sha256").asText(), "a refused continuation leaves the output as it was");

        assertEquals(0, SparkCnn.run(args(data, run, 30, "--checkpoint-every", "15", "--resume", "--force")), err.text());
        JsonNode continued = summary(run);
        assertEquals(30, continued.get("steps").asInt());
        assertEquals(20, continued.get("resumed_from_step").asInt());
        assertFalse(Files.exists(tmp.resolve("run.inprogress")) || Files.exists(tmp.resolve("run.replaced")), "committed");
        assertEquals(30, Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"type\":\"step\"")).count(),
                "the metrics hold all 30 steps once");

        Path straight = tmp.resolve("straight");
        assertEquals(0, SparkCnn.run(args(data, straight, 30)), err.text());
        assertEquals(summary(straight).get("weights_sha256").asText(), continued.get("weights_sha256").asText(),
                "20 steps continued to 30 give the weights of 30 steps at once");

        // A run without checkpoints cannot be continued; the message points to --init-from.
        assertEquals(2, SparkCnn.run(args(data, straight, 40, "--resume", "--force")));
        assertTrue(err.text().contains("has no checkpoint in ") && err.text().contains("--init-from " + straight.toUri().toString()
                .replace("file:///", "file:/").replaceAll("/$", "") + "/model.sparkcnn"), err.text());

        // --init-from: with a learning rate of 0 the weights stay exactly the initial model's.
        Path tuned = tmp.resolve("tuned");
        String model = run.resolve("model.sparkcnn").toString();
        assertEquals(0, SparkCnn.run(args(data, tuned, 3, "--init-from", model, "--lr", "0")), err.text());
        JsonNode s = summary(tuned);
        assertEquals(continued.get("weights_sha256").asText(), s.get("weights_sha256").asText());
        assertEquals(model, s.get("init_from").asText());
        assertEquals(continued.get("weights_sha256").asText(), s.get("init_from_weights_sha256").asText());
        try (var in = Files.newInputStream(tuned.resolve("model.sparkcnn"))) {
            assertEquals(model, ModelFile.read(in, "tuned").metadata().get("init_from"), "recorded in the provenance");
        }

        assertEquals(2, SparkCnn.run(args(data, tmp.resolve("other"), 3, "--init-from", model, "--model", "small")));
        assertTrue(err.text().contains("config key 'training.init-from': " + model + " holds model 'lenet5'")
                && err.text().contains("not the architecture of model 'small'"), err.text());
    }
}
