package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.engine.ModelFile;

/**
 * training.augmentation and no_decay_bias_and_norm through the CLI: a resumed run ends bit-identical
 * to a straight one; a changed augmentation needs --force; the summary and the model's provenance
 * record it; a bad value names its key.
 */
class AugmentedRunTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @RegisterExtension
    final CapturedStderr err = new CapturedStderr();

    private String[] args(Path data, Path out, long steps, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--master", "local[2]", "--data", data.toString(), "--output",
                out.toString(), "--epochs", "0", "--max-steps", Long.toString(steps), "--batch-size", "16", "--seed", "3",
                "--set", "training.schedule.name=constant", "--set", "training.augmentation.crop-padding=2",
                "--set", "training.augmentation.horizontal-flip=true", "--set", "training.augmentation.erasing=0.25",
                "--set", "training.optimizer.weight_decay=0.001",
                "--set", "training.optimizer.no_decay_bias_and_norm=true"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    private static JsonNode summary(Path run) throws IOException {
        return JSON.readTree(run.resolve("summary.json").toFile());
    }

    @Test
    void anAugmentedRunResumesBitIdenticalAndRecordsItsAugmentation() throws IOException {
        Path data = TinyDataset.write(tmp.resolve("data"), 160, 40);  // 10 steps an epoch
        Path straight = tmp.resolve("straight");
        assertEquals(0, SparkCnn.run(args(data, straight, 25)), err.text());
        JsonNode s = summary(straight);
        assertEquals("crop-padding 2, horizontal-flip true, erasing 0.25", s.get("augmentation").asText());
        try (var in = Files.newInputStream(straight.resolve("model.sparkcnn"))) {
            Map<String, String> meta = ModelFile.read(in, "straight").metadata();
            assertEquals("crop-padding 2, horizontal-flip true, erasing 0.25", meta.get("augmentation"));
            assertTrue(meta.get("config").contains("crop-padding=2") && meta.get("config").contains("\"no_decay_bias_and_norm\"=true"),
                    meta.get("config"));
        }

        Path run = tmp.resolve("run");
        assertEquals(0, SparkCnn.run(args(data, run, 15, "--checkpoint-every", "15")), err.text());
        assertEquals(2, SparkCnn.run(args(data, run, 25, "--resume", "--set", "training.augmentation.crop-padding=1")));
        assertTrue(err.text().contains("cannot resume: config key 'training.augmentation.crop-padding' is 2 in checkpoint ")
                && err.text().contains("but 1 now; pass --force to continue with the new value"), err.text());
        err.reset();
        assertEquals(0, SparkCnn.run(args(data, run, 25, "--resume", "--force")), err.text());
        assertEquals(15, summary(run).get("resumed_from_step").asInt());
        assertEquals(s.get("weights_sha256").asText(), summary(run).get("weights_sha256").asText(),
                "15 steps resumed to 25 (into epoch 3) give the weights of 25 at once");

        Path plain = tmp.resolve("plain");
        assertEquals(0, SparkCnn.run(args(data, plain, 25, "--set", "training.augmentation.crop-padding=0",
                "--set", "training.augmentation.horizontal-flip=false", "--set", "training.augmentation.erasing=0")), err.text());
        assertEquals("none", summary(plain).get("augmentation").asText());
        assertNotEquals(s.get("weights_sha256").asText(), summary(plain).get("weights_sha256").asText());
    }

    @Test
    void aNegativeCropPaddingNamesItsKey() {
        assertEquals(2, SparkCnn.run("train", "--print-config", "--set", "training.augmentation.crop-padding=-1"));
        assertTrue(err.text().contains("config key 'training.augmentation.crop-padding' must be >= 0 (0 = no random crop), got -1"),
                err.text());
        assertEquals(2, SparkCnn.run("train", "--print-config", "--set", "training.augmentation.erasing=1.5"));
        assertTrue(err.text().contains("config key 'training.augmentation.erasing' must be a probability in [0, 1] (0 = no random "
                + "erasing), got 1.5"), err.text());
    }
}
