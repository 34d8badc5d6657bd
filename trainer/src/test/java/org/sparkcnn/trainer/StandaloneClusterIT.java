package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer on a real standalone cluster: a Master and 2 Workers (1 core each) on 127.0.0.1,
 * started from the Maven-resolved Spark jars; spark-submit runs the shaded jar. Both executors must
 * run training tasks (read from Spark's event log), and the weights must be bit-identical to a
 * local[1] run of the same configuration. Then an executor JVM is killed by PID in the middle of a
 * run: Spark's task retry recomputes its share and the weights are still bit-identical.
 */
class StandaloneClusterIT {

    @TempDir
    Path tmp;

    @Test
    void twoExecutorsTrainTheSameWeightsAsLocalOne() throws Exception {
        Path data = TinyDataset.write(tmp.resolve("data"), 640, 160);
        Path sparkHome = sparkHome(tmp.resolve("spark-home"));
        Path events = Files.createDirectories(tmp.resolve("events"));
        String[] train = {"train", "--data", data.toString(), "--epochs", "6", "--batch-size", "32", "--partitions", "4",
                "--seed", "7"};
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "cluster"))) {
            int port = SparkProcesses.freePort();
            String master = "spark://127.0.0.1:" + port;
            Map<String, String> env = Map.of("SPARK_HOME", sparkHome.toString());
            Path masterLog = spark.logs().resolve("master.log");
            spark.start(daemon(sparkHome, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    Integer.toString(port), "--webui-port", Integer.toString(SparkProcesses.freePort())), env, masterLog);
            SparkProcesses.awaitLog(masterLog, "I have been elected leader", 1, 60);
            List<Process> workers = new ArrayList<>();
            for (int w = 1; w <= 2; w++) {
                workers.add(spark.start(daemon(sparkHome, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                        "--memory", "1g", "--webui-port", Integer.toString(SparkProcesses.freePort()), "--work-dir",
                        Files.createDirectories(tmp.resolve("work-" + w)).toString(), master), env,
                        spark.logs().resolve("worker-" + w + ".log")));
            }
            SparkProcesses.awaitLog(masterLog, "Registering worker", 2, 90);

            SparkProcesses.Result cluster = spark.submit("train-cluster", List.of("--master", master,
                    "--total-executor-cores", "2", "--executor-cores", "1", "--executor-memory", "512m",
                    "--conf", "spark.eventLog.enabled=true", "--conf", "spark.eventLog.dir=" + events.toUri(),
                    "--conf", "spark.eventLog.compress=false", "--conf", "spark.eventLog.rolling.enabled=false"),
                    with(train, "--output", tmp.resolve("cluster-run").toString()));
            assertEquals(0, cluster.exit(), cluster.output());
            SparkProcesses.Result local = spark.submit("train-local1", List.of("--master", "local[1]"),
                    with(train, "--output", tmp.resolve("local-run").toString()));
            assertEquals(0, local.exit(), local.output());

            assertEquals(SparkSubmitIT.sha(local.output()), SparkSubmitIT.sha(cluster.output()),
                    "the same seed and config give bit-identical weights on the cluster and in local[1]");
            Set<String> executors = trainingExecutors(events);
            assertEquals(Set.of("0", "1"), executors, "both executors ran training tasks");

            // The same run again, and one executor JVM killed by PID once 30 of its 120 steps are done.
            Path killedRun = tmp.resolve("killed-executor-run");
            SparkProcesses.Submitted disturbed = spark.startSubmit("train-cluster-killed-executor", List.of("--master", master,
                    "--total-executor-cores", "2", "--executor-cores", "1", "--executor-memory", "512m"), Map.of(),
                    with(train, "--output", killedRun.toString()));
            Path metrics = tmp.resolve("killed-executor-run.inprogress").resolve("metrics.jsonl");
            long stepsBeforeKill = awaitSteps(metrics, 30, disturbed.process());
            ProcessHandle executor = workers.get(0).descendants()
                    .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .findFirst().orElseThrow(() -> new AssertionError("no executor JVM under worker 1"));
            executor.destroyForcibly();
            SparkProcesses.Result afterKill = SparkProcesses.await(disturbed);
            assertEquals(0, afterKill.exit(), afterKill.output());
            assertTrue(stepsBeforeKill < 120, "killed mid-run, after step " + stepsBeforeKill);
            assertTrue(!executor.isAlive());
            assertEquals(SparkSubmitIT.sha(cluster.output()), SparkSubmitIT.sha(afterKill.output()),
                    "losing an executor mid-run changes nothing in the weights");
        }
    }

    /** Waits until the run's metrics file holds at least {@code steps} step records; returns how many it holds. */
    private static long awaitSteps(Path metrics, int steps, Process run) throws IOException, InterruptedException {
        long end = System.nanoTime() + 180_000_000_000L;
        while (System.nanoTime() < end && run.isAlive()) {
            if (Files.exists(metrics)) {
                long n = Files.readAllLines(metrics).stream().filter(l -> l.contains("\"type\":\"step\"")).count();
                if (n >= steps) {
                    return n;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the run did not reach step " + steps + " while alive; see its log");
    }

    private static String[] with(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private static List<String> daemon(Path sparkHome, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(SparkProcesses.java());
        cmd.add("-Xmx512m");
        cmd.addAll(SparkProcesses.OPENS);
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("conf") + ":" + sparkHome.resolve("jars") + "/*");
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A SPARK_HOME whose jars/ links to the Maven-resolved Spark jars: Workers launch executors with it. */
    static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("conf"));
        for (String entry : SparkProcesses.sparkClasspath().split(":")) {
            Path jar = Path.of(entry);
            if (entry.endsWith(".jar") && !Files.exists(jars.resolve(jar.getFileName().toString()))) {
                Files.createSymbolicLink(jars.resolve(jar.getFileName().toString()), jar);
            }
        }
        return home;
    }

    /**
     * The executor IDs of successful tasks in the training steps' stages (TrainingJob names them
     * "sparkcnn step N (epoch E)"), from Spark's event log.
     */
    static Set<String> trainingExecutors(Path events) throws IOException {
        Set<String> ids = new TreeSet<>();
        Set<Integer> trainingStages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(events)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                for (String line : Files.readAllLines(f)) {
                    JsonNode e = SparkSubmitIT.JSON.readTree(line);
                    String event = e.path("Event").asText();
                    if (event.equals("SparkListenerStageSubmitted")
                            && e.path("Stage Info").path("Stage Name").asText().startsWith("sparkcnn step ")) {
                        trainingStages.add(e.path("Stage Info").path("Stage ID").asInt());
                    } else if (event.equals("SparkListenerTaskEnd") && trainingStages.contains(e.path("Stage ID").asInt())
                            && "Success".equals(e.path("Task End Reason").path("Reason").asText())) {
                        ids.add(e.path("Task Info").path("Executor ID").asText());
                    }
                }
            }
        }
        assertTrue(!trainingStages.isEmpty(), "the event log in " + events + " shows training stages");
        return ids;
    }
}
