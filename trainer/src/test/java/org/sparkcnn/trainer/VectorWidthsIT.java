package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same bits on any CPU: 20 steps of the main job (its embedded configuration: LeNet-5, batch 64,
 * Nesterov SGD, cosine schedule) through spark-submit in separate JVMs with the machine's widest
 * vectors, with 256-bit vectors (the widest cut to 256 bits, and the JIT as on a CPU without AVX-512:
 * {@code -XX:UseAVX=2}, 16 vector registers, where the kernels' timed choices differ), 128-bit vectors and
 * with the Vector API off, give one weights hash. Each run's log names the kernels it used, so the test knows the runs
 * really differed.
 */
class VectorWidthsIT {

    @TempDir
    Path tmp;

    @Test
    void theMainJobGivesOneWeightsHashAtEveryVectorWidthAndWithoutVectors() throws Exception {
        Path data = TinyDataset.write(tmp.resolve("data"), 1280, 160);
        Map<String, List<String>> flags = new LinkedHashMap<>();
        flags.put("widest", List.of());
        flags.put("256-bit", List.of("-XX:MaxVectorSize=32"));
        if (System.getProperty("os.arch").matches("amd64|x86_64")) {  // UseAVX is x86's
            flags.put("256-bit-16-registers", List.of("-XX:UseAVX=2"));
        }
        flags.put("128-bit", List.of("-XX:MaxVectorSize=16"));
        flags.put("scalar", List.of("-Dsparkcnn.noVector=true"));
        Map<String, String> expectedKernels = Map.of("256-bit", "Vector API, 8 lanes", "256-bit-16-registers",
                "Vector API, 8 lanes", "128-bit", "Vector API, 4 lanes", "scalar", "scalar (-Dsparkcnn.noVector)");
        Map<String, String> hashes = new LinkedHashMap<>();
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "vector-widths"))) {
            for (Map.Entry<String, List<String>> run : flags.entrySet()) {
                SparkProcesses.Result r = spark.submitWithJvmOptions("train-" + run.getKey(), run.getValue(),
                        List.of("--master", "local[2]"), "train", "--data", data.toString(),
                        "--output", tmp.resolve(run.getKey()).toString(), "--max-steps", "20");
                assertEquals(0, r.exit(), run.getKey() + ":\n" + r.output());
                String kernels = expectedKernels.get(run.getKey());
                assertTrue(kernels == null || r.output().contains(kernels),
                        run.getKey() + " runs its kernels as " + kernels + ":\n" + r.output());
                hashes.put(run.getKey(), SparkSubmitIT.sha(r.output()));
            }
        }
        assertEquals(1, hashes.values().stream().distinct().count(), "one weights hash at every width: " + hashes);
    }
}
