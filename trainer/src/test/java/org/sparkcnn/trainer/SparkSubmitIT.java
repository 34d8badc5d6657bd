package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded application jar under spark-submit in local[2], on a tiny dataset: train, evaluate,
 * predict (CSV and Parquet), convert, export, bench data, inspect; every output exists and parses.
 */
class SparkSubmitIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern SHA = Pattern.compile("weights sha256: ([0-9a-f]{64})");
    static final int TRAIN = 640;
    static final int TEST = 160;

    @TempDir
    Path tmp;

    static String sha(String output) {
        Matcher m = SHA.matcher(output);
        assertTrue(m.find(), "the run prints its weights hash:\n" + output);
        return m.group(1);
    }

    @Test
    void trainEvaluatePredictInspect() throws Exception {
        Path data = TinyDataset.write(tmp.resolve("data"), TRAIN, TEST);
        Path run = tmp.resolve("run");
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "submit"))) {
            List<String> local = List.of("--master", "local[2]");
            SparkProcesses.Result train = spark.submit("train", local, "train", "--data", data.toString(), "--output",
                    run.toString(), "--epochs", "2", "--batch-size", "32", "--set", "output.log-every=5");
            assertEquals(0, train.exit(), train.output());
            String sha = sha(train.output());

            JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
            assertEquals(sha, summary.get("weights_sha256").asText());
            assertEquals(40, summary.get("steps").asInt(), "2 epochs of 640/32 steps");
            double accuracy = summary.get("test_accuracy").asDouble();
            assertTrue(accuracy >= 0 && accuracy <= 1, "accuracy " + accuracy);
            List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
            assertEquals(40, metrics.stream().filter(l -> l.contains("\"type\":\"step\"")).count());
            assertEquals(2, metrics.stream().filter(l -> l.contains("\"type\":\"validation\"")).count());
            List<String> epochs = metrics.stream().filter(l -> l.contains("\"type\":\"epoch\"")).toList();
            assertEquals(2, epochs.size(), "one record per epoch: " + metrics);
            for (int e = 0; e < 2; e++) {
                JsonNode epoch = JSON.readTree(epochs.get(e));
                assertEquals(e + 1, epoch.get("epoch").asInt());
                assertEquals(20 * (e + 1), epoch.get("step").asInt());
                assertTrue(epoch.get("seconds").asDouble() > 0, epochs.get(e));
                assertTrue(e > 0 || epoch.get("jvm_jit_seconds").asDouble() > 0, "a new JVM compiles in its first epoch: "
                        + epochs.get(e));
                assertTrue(epoch.get("jvm_jit_seconds").asDouble() >= 0, epochs.get(e));
                assertTrue(epoch.get("jvm_gc_seconds").asDouble() >= 0, epochs.get(e));
            }
            assertTrue(train.output().contains("s of training (this JVM: JIT "), train.output());
            for (String line : metrics) {
                JsonNode record = JSON.readTree(line);
                assertTrue(record.isObject(), line);
                if (record.path("type").asText().equals("step")) {  // the training accuracy of the step's batch
                    double a = record.path("accuracy").asDouble(-1);
                    assertTrue(a >= 0 && a <= 1 && a * 32 == Math.rint(a * 32), line);
                }
            }
            JsonNode evaluation = JSON.readTree(run.resolve("evaluation.json").toFile());
            assertEquals(TEST, evaluation.get("examples").asInt());
            assertEquals(10, evaluation.get("confusion").size());
            BufferedImage png = ImageIO.read(run.resolve("curves.png").toFile());
            assertEquals(Report.WIDTH, png.getWidth());
            assertEquals(Report.HEIGHT, png.getHeight());
            assertTrue(Files.readString(run.resolve("report.html")).contains("data:image/png;base64,"));
            assertTrue(Files.readString(run.resolve("config.conf")).contains("batch-size=32"));
            assertTrue(!Files.exists(tmp.resolve("run.inprogress")), "the staging directory was moved into place");

            // a second run into the same output fails without --overwrite and leaves the first intact
            SparkProcesses.Result again = spark.submit("train-again", local, "train", "--data", data.toString(), "--output",
                    run.toString(), "--max-steps", "1");
            assertEquals(2, again.exit(), again.output());
            assertEquals(sha, JSON.readTree(run.resolve("summary.json").toFile()).get("weights_sha256").asText());

            Path model = run.resolve("model.sparkcnn");
            Path evalJson = tmp.resolve("evaluation.json");
            SparkProcesses.Result eval = spark.submit("evaluate", local, "evaluate", "--model", model.toString(), "--data",
                    data.toString(), "--output", evalJson.toString());
            assertEquals(0, eval.exit(), eval.output());
            assertEquals(accuracy, JSON.readTree(evalJson.toFile()).get("accuracy").asDouble(), 0.0,
                    "evaluate agrees with the accuracy train reported");

            for (String format : List.of("csv", "parquet")) {
                Path out = tmp.resolve("predictions-" + format);
                SparkProcesses.Result predict = spark.submit("predict-" + format, local, "predict", "--model", model.toString(),
                        "--data", data.toString(), "--output", out.toString(), "--format", format);
                assertEquals(0, predict.exit(), predict.output());
                assertTrue(Files.exists(out.resolve("_SUCCESS")), "a committed Spark output");
                assertTrue(predict.output().contains(TEST + " predictions written"), predict.output());
                if (format.equals("csv")) {
                    assertEquals(TEST, csvRows(out));
                } else {
                    try (Stream<Path> files = Files.list(out)) {
                        assertTrue(files.anyMatch(f -> f.getFileName().toString().endsWith(".parquet")));
                    }
                }
            }

            // convert the test data to shards; evaluating on them gives exactly the IDX evaluation
            Path shards = tmp.resolve("shards");
            SparkProcesses.Result convert = spark.submit("convert", local, "convert", "--data",
                    data.resolve("t10k-images-idx3-ubyte.gz").toString(), "--output", shards.toString(), "--shards", "3");
            assertEquals(0, convert.exit(), convert.output());
            assertTrue(convert.output().contains("converted " + TEST + " examples"), convert.output());
            assertTrue(Files.exists(shards.resolve("_manifest.json")));
            Path shardEval = tmp.resolve("evaluation-shards.json");
            SparkProcesses.Result onShards = spark.submit("evaluate-shards", local, "evaluate", "--model", model.toString(),
                    "--data", shards.toString(), "--data-format", "parquet", "--output", shardEval.toString());
            assertEquals(0, onShards.exit(), onShards.output());
            assertEquals(JSON.readTree(evalJson.toFile()).get("accuracy").asDouble(),
                    JSON.readTree(shardEval.toFile()).get("accuracy").asDouble(), 0.0, "shards hold the same examples");

            // ONNX export: ONNX Runtime predicts the same classes as the distributed prediction job
            Path onnx = tmp.resolve("model.onnx");
            SparkProcesses.Result export = spark.submit("export", local, "export", "--format", "onnx", model.toString(),
                    onnx.toString());
            assertEquals(0, export.exit(), export.output());
            assertEquals(onnxPredictions(onnx, data), csvPredictions(tmp.resolve("predictions-csv")));

            // bench data: two timed rounds in one JVM; the blocks are read in each round's first epoch only
            SparkProcesses.Result bench = spark.submit("bench-data", local, "bench", "data", "--data", data.toString(),
                    "--epochs", "2", "--rounds", "2", "--repetitions", "1", "--batch", "64");
            assertEquals(0, bench.exit(), bench.output());
            JsonNode benchJson = JSON.readTree(bench.output().lines().filter(l -> l.startsWith("JSON ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no JSON line:\n" + bench.output())).substring(5));
            assertEquals(TRAIN, benchJson.get("records").asInt());
            assertEquals(2, benchJson.get("rounds").size());
            for (JsonNode round : benchJson.get("rounds")) {
                assertEquals(2, round.get("epoch_seconds").size(), round.toString());
                assertTrue(round.get("input_task_seconds").get(0).asDouble() > 0, "the first epoch reads: " + round);
                assertEquals(0.0, round.get("input_task_seconds").get(1).asDouble(), 0.0, "the second reads the cache: " + round);
                double share = round.get("input_share_of_first_epoch").asDouble();
                assertTrue(share > 0 && share <= 1, round.toString());
                assertTrue(round.get("jvm_jit_seconds").get(0).asDouble() >= 0, round.toString());
                assertTrue(round.get("first_epoch_over_later").asDouble() > 0, round.toString());
            }
            assertEquals(benchJson.get("rounds").get(1).get("first_epoch_over_later").asDouble(),
                    benchJson.get("warm_jvm_first_epoch_over_later").asDouble(), 0.0);

            SparkProcesses.Result inspect = spark.submit("inspect", local, "inspect", model.toString());
            assertEquals(0, inspect.exit(), inspect.output());
            assertTrue(inspect.output().contains("weights sha256 (computed): " + sha), inspect.output());
            assertTrue(inspect.output().contains("total: 61,706 parameters"), inspect.output());
            assertTrue(inspect.output().contains("test_accuracy: " + accuracy), inspect.output());
        }
    }

    /** index -> predicted class, from ONNX Runtime over the test images (pixels / 255, as the readers give them). */
    static java.util.Map<Long, Integer> onnxPredictions(Path onnx, Path data) throws Exception {
        org.sparkcnn.jobs.data.IdxDataset test = org.sparkcnn.jobs.data.IdxDataset.open(new org.apache.hadoop.conf.Configuration(),
                data.resolve("t10k-images-idx3-ubyte.gz").toString(), data.resolve("t10k-labels-idx1-ubyte.gz").toString(), 10);
        java.util.Map<Long, Integer> out = new java.util.TreeMap<>();
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (ai.onnxruntime.OrtSession session = env.createSession(onnx.toString(), new ai.onnxruntime.OrtSession.SessionOptions())) {
            for (org.sparkcnn.jobs.data.ExampleBlock b : test.readBlocks(new org.apache.hadoop.conf.Configuration(), 0,
                    test.count(), 64)) {
                try (ai.onnxruntime.OnnxTensor x = ai.onnxruntime.OnnxTensor.createTensor(env,
                        java.nio.FloatBuffer.wrap(b.features()), new long[]{b.size(), 1, 28, 28});
                     ai.onnxruntime.OrtSession.Result r = session.run(java.util.Map.of("input", x))) {
                    float[][] p = (float[][]) r.get("probabilities").orElseThrow().getValue();
                    for (int i = 0; i < b.size(); i++) {
                        int best = 0;
                        for (int j = 1; j < p[i].length; j++) {
                            best = p[i][j] > p[i][best] ? j : best;
                        }
                        out.put(b.firstIndex() + i, best);
                    }
                }
            }
        }
        return out;
    }

    /** index -> prediction from the predict job's CSV output. */
    static java.util.Map<Long, Integer> csvPredictions(Path dir) throws IOException {
        java.util.Map<Long, Integer> out = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (!line.startsWith("index")) {
                        String[] cols = line.split(",");
                        out.put(Long.parseLong(cols[0]), Integer.parseInt(cols[2]));
                    }
                }
            }
        }
        return out;
    }

    /** Data rows across the part files, each checked: index, label, prediction, 10 probabilities summing to 1. */
    static long csvRows(Path dir) throws IOException {
        long rows = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                List<String> lines = Files.readAllLines(f);
                if (lines.isEmpty()) {
                    continue;
                }
                assertTrue(lines.get(0).startsWith("index,label,prediction,probability_0"), lines.get(0));
                for (String line : lines.subList(1, lines.size())) {
                    String[] cols = line.split(",");
                    assertEquals(13, cols.length, line);
                    double sum = 0;
                    for (int c = 3; c < 13; c++) {
                        sum += Double.parseDouble(cols[c]);
                    }
                    assertEquals(1.0, sum, 1e-4, line);
                    rows++;
                }
            }
        }
        return rows;
    }
}
