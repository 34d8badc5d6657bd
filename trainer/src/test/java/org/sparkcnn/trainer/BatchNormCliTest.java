package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.jobs.TrainingJob;

/**
 * {@code train --model resnet8} with augmentation (crop, flip, erasing): the same weights sha256
 * (weights and running statistics) in local[1] with one partition and in local[2] with 1, 3 and 8, and
 * with 2 through the step loop (training.step-loop);
 * the model file holds the trained running statistics; a batch size that is not a multiple of the
 * group size names its key.
 */
class BatchNormCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @RegisterExtension
    final CapturedStderr err = new CapturedStderr();

    private static String[] args(Path data, Path out, String master, int partitions) {
        return new String[]{"train", "--master", master, "--partitions", Integer.toString(partitions), "--data", data.toString(),
                "--output", out.toString(), "--model", "resnet8", "--max-steps", "6", "--seed", "7", "--batch-size", "32",
                "--set", "training.bn-group-size=16", "--set", "data.block-size=64", "--set", "training.schedule.name=constant",
                "--set", "training.augmentation.crop-padding=2", "--set", "training.augmentation.horizontal-flip=true",
                "--set", "training.augmentation.erasing=0.5"};
    }

    @Test
    void augmentedResnet8TrainsToTheSameHashOnAnyLocalLayout() throws IOException {
        Path data = TinyDataset.write(tmp.resolve("data"), 256, 64);  // 4 blocks of 64: 16 groups, 8 steps an epoch
        Path one = tmp.resolve("one");
        Path eight = tmp.resolve("eight");
        assertEquals(0, SparkCnn.run(args(data, one, "local[1]", 1)), err.text());
        assertEquals(0, SparkCnn.run(args(data, eight, "local[2]", 8)), err.text());
        JsonNode a = JSON.readTree(one.resolve("summary.json").toFile());
        JsonNode b = JSON.readTree(eight.resolve("summary.json").toFile());
        assertEquals(6, a.get("steps").asInt());
        assertEquals("crop-padding 2, horizontal-flip true, erasing 0.5", a.get("augmentation").asText());
        assertEquals(a.get("weights_sha256").asText(), b.get("weights_sha256").asText(), "local[1] 1 partition, local[2] 8");
        for (int partitions : new int[]{1, 3}) {
            Path out = tmp.resolve("two-cores-" + partitions);
            assertEquals(0, SparkCnn.run(args(data, out, "local[2]", partitions)), err.text());
            assertEquals(a.get("weights_sha256").asText(), JSON.readTree(out.resolve("summary.json").toFile())
                    .get("weights_sha256").asText(), "local[1] 1 partition, local[2] " + partitions);
        }
        Path looped = tmp.resolve("step-loop");
        String[] loop = Arrays.copyOf(args(data, looped, "local[2]", 2), args(data, looped, "local[2]", 2).length + 2);
        loop[loop.length - 2] = "--set";
        loop[loop.length - 1] = "training.step-loop=true";
        assertEquals(0, SparkCnn.run(loop), err.text());
        assertEquals(a.get("weights_sha256").asText(), JSON.readTree(looped.resolve("summary.json").toFile())
                .get("weights_sha256").asText(), "local[1] 1 partition, local[2] 2 through the step loop");
        ModelFile.SavedModel saved;
        try (InputStream in = Files.newInputStream(eight.resolve("model.sparkcnn"))) {
            saved = ModelFile.read(in, "eight");
        }
        assertEquals(672, saved.buffers().length);
        assertFalse(Arrays.equals(saved.buffers(), saved.definition().initialBuffers()), "the running statistics were trained");
        assertEquals(b.get("weights_sha256").asText(), TrainingJob.modelSha256(saved.params(), saved.buffers()),
                "the printed hash covers the weights and the running statistics");
        try (InputStream in = Files.newInputStream(one.resolve("model.sparkcnn"))) {
            ModelFile.SavedModel other = ModelFile.read(in, "one");
            assertArrayEquals(saved.buffers(), other.buffers());
        }
        // evaluate and predict run the model file in inference mode with its running statistics
        Path evalJson = tmp.resolve("evaluation.json");
        assertEquals(0, SparkCnn.run("evaluate", "--master", "local[2]", "--model", eight.resolve("model.sparkcnn").toString(),
                "--data", data.toString(), "--output", evalJson.toString()), err.text());
        assertEquals(b.get("test_accuracy").asDouble(), JSON.readTree(evalJson.toFile()).get("accuracy").asDouble(), 0.0,
                "evaluate agrees with the test accuracy train reported");
        assertEquals(b.get("test_loss").asDouble(), JSON.readTree(evalJson.toFile()).get("loss").asDouble(), 0.0);
        Path predictions = tmp.resolve("predictions");
        assertEquals(0, SparkCnn.run("predict", "--master", "local[2]", "--model", eight.resolve("model.sparkcnn").toString(),
                "--data", data.toString(), "--output", predictions.toString(), "--format", "csv"), err.text());
        assertTrue(Files.exists(predictions.resolve("_SUCCESS")));
        // Fine-tuning from it records the hash that run printed: weights and running statistics.
        Path tuned = tmp.resolve("tuned");
        String[] fromEight = args(data, tuned, "local[1]", 1);
        fromEight[java.util.Arrays.asList(fromEight).indexOf("--max-steps") + 1] = "1";
        assertEquals(0, SparkCnn.run(with(fromEight, "--init-from", eight.resolve("model.sparkcnn").toString())), err.text());
        assertEquals(b.get("weights_sha256").asText(), JSON.readTree(tuned.resolve("summary.json").toFile())
                .get("init_from_weights_sha256").asText());
    }

    private static String[] with(String[] a, String... more) {
        String[] all = java.util.Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, all, a.length, more.length);
        return all;
    }

    @Test
    void aBatchSizeNotAMultipleOfTheGroupSizeNamesItsKey() {
        assertEquals(2, SparkCnn.run("train", "--model", "resnet8", "--data", "/nonexistent", "--batch-size", "48"));
        assertTrue(err.text().contains("config key 'training.batch-size' must be a multiple of training.bn-group-size (32)"),
                err.text());
    }
}
