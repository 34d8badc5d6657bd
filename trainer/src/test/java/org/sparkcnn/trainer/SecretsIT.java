package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Keys are never logged": an S3 access and secret key passed with --conf appear in no byte of the run's log,
 * metrics, report, summary, configuration, model file or checkpoint (issue 22, item 6).
 */
class SecretsIT {

    @TempDir
    Path tmp;

    @Test
    void anS3SecretPassedWithConfIsInNoLogAndNoOutputFile() throws Exception {
        String secret = "SparkCnnTestSecret" + Long.toHexString(System.nanoTime());
        String accessKey = "SparkCnnTestAccess" + Long.toHexString(System.nanoTime());
        Path data = TinyDataset.write(tmp.resolve("data"), 640, 160);
        Path run = tmp.resolve("run");
        SparkProcesses.Result r;
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "secrets"))) {
            r = spark.submit("train-with-secret", List.of("--master", "local[2]",
                            "--conf", "spark.hadoop.fs.s3a.secret.key=" + secret,
                            "--conf", "spark.hadoop.fs.s3a.access.key=" + accessKey),
                    "train", "--data", data.toString(), "--output", run.toString(), "--max-steps", "20",
                    "--batch-size", "32", "--checkpoint-every", "10");
        }
        assertEquals(0, r.exit(), r.output());
        assertFalse(r.output().contains(secret), "the secret key is in the run's log " + r.log());
        assertFalse(r.output().contains(accessKey), "the access key is in the run's log " + r.log());
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(run)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        }
        assertTrue(files.stream().anyMatch(f -> f.toString().contains("checkpoints")), "checkpoints were written: " + files);
        assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().equals("model.sparkcnn")), files.toString());
        for (Path f : files) {
            String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertFalse(content.contains(secret), "the secret key is in " + f);
            assertFalse(content.contains(accessKey), "the access key is in " + f);
        }
    }
}
