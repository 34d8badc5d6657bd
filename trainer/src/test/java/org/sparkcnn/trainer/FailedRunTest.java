package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that fails once Spark is running (bad data found by a task, divergence) exits with status 1
 * and leaves no output: no output directory is created, and an earlier one that {@code --overwrite}
 * would replace is left exactly as it was.
 */
class FailedRunTest {

    @TempDir
    Path tmp;

    @RegisterExtension
    final CapturedStderr err = new CapturedStderr();

    /** An earlier run's output: two files whose bytes must survive. */
    private Path earlierOutput(String name) throws IOException {
        Path out = Files.createDirectories(tmp.resolve(name));
        Files.writeString(out.resolve("model.sparkcnn"), "the earlier model");
        Files.writeString(out.resolve("summary.json"), "{\"earlier\": true}");
        return out;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private void assertUntouched(Path out) throws IOException {
        assertEquals(List.of("", "model.sparkcnn", "summary.json"), listing(out), "nothing added to the earlier output");
        assertEquals("the earlier model", Files.readString(out.resolve("model.sparkcnn")));
        assertEquals("{\"earlier\": true}", Files.readString(out.resolve("summary.json")));
    }

    @Test
    void badDataFoundByATaskLeavesNoOutput() throws IOException {
        Path data = TinyDataset.write(tmp.resolve("data"), 200, 40);
        Path images = data.resolve("train-images-idx3-ubyte.gz");
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(whole, whole.length / 2));  // the gzip stream is cut off
        Path fresh = tmp.resolve("fresh");
        assertEquals(1, SparkCnn.run("train", "--master", "local[2]", "--data", data.toString(), "--max-steps", "2",
                "--output", fresh.toString()));
        assertTrue(err.text().contains("train-images-idx3-ubyte.gz: truncated"), err.text());
        assertFalse(Files.exists(fresh) || Files.exists(tmp.resolve("fresh.inprogress")), "no output, no staging directory");

        Path earlier = earlierOutput("earlier");
        assertEquals(1, SparkCnn.run("train", "--master", "local[2]", "--data", data.toString(), "--max-steps", "2",
                "--output", earlier.toString(), "--overwrite"));
        assertUntouched(earlier);
        assertFalse(Files.exists(tmp.resolve("earlier.inprogress")) || Files.exists(tmp.resolve("earlier.replaced")));
    }

    @Test
    void aDivergedRunLeavesNoOutput() throws IOException {
        Path data = TinyDataset.write(tmp.resolve("data"), 200, 40);
        Path earlier = earlierOutput("earlier");
        assertEquals(1, SparkCnn.run("train", "--master", "local[2]", "--data", data.toString(), "--max-steps", "40",
                "--batch-size", "16", "--lr", "1e6", "--output", earlier.toString(), "--overwrite"));
        assertTrue(err.text().contains("training diverged at step "), err.text());
        assertUntouched(earlier);
        Path staging = tmp.resolve("earlier.inprogress");
        assertFalse(Files.exists(staging.resolve("model.sparkcnn")) || Files.exists(staging.resolve("summary.json")),
                "the staging directory holds no model or summary of the failed run");

        Path fresh = tmp.resolve("fresh");
        assertEquals(1, SparkCnn.run("train", "--master", "local[2]", "--data", data.toString(), "--max-steps", "40",
                "--batch-size", "16", "--lr", "1e6", "--output", fresh.toString()));
        assertFalse(Files.exists(fresh), "no output directory");
    }
}
