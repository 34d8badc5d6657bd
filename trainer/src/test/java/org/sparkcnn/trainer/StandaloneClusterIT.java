package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.jobs.TestFaults;
import org.sparkcnn.jobs.TrainingJob;

/**
 * The trainer on a real standalone cluster: a Master and 2 Workers (1 core each) on 127.0.0.1,
 * started from the Maven-resolved Spark jars; spark-submit runs the shaded jar. The training data is
 * cut into blocks of 32 examples over 4 partitions, so both executors cache some of it, and Spark's
 * event log must show the tasks of one and the same training step (jobs labelled
 * {@code sparkcnn.training.step}) running on both executors, their gradients merged on the driver;
 * the weights must be bit-identical to a local[1] run over 3 partitions. Then an executor is killed
 * by PID while it runs a training task of step 31 on a partition it holds: the event log must show
 * that task lost and the same partition of the same stage recomputed elsewhere, and the weights are
 * still bit-identical. Last, resnet8 (batch norm in ghost groups) with augmentation trains to the
 * same hash on the cluster as in local[1].
 */
class StandaloneClusterIT {

    private static final int STEPS = 120;  // 6 epochs of 640 / 32
    private static final long KILLED_STEP = 31;

    @TempDir
    Path tmp;

    @Test
    void twoExecutorsTrainTheSameWeightsAsLocalOne() throws Exception {
        Path data = TinyDataset.write(tmp.resolve("data"), 640, 160);
        Path sparkHome = sparkHome(tmp.resolve("spark-home"));
        Path events = Files.createDirectories(tmp.resolve("events"));
        Path killedEvents = Files.createDirectories(tmp.resolve("events-killed"));
        // block-chunks (auto) draws a batch as whole chunks: chunks of 4 make 8 per batch, so that most
        // steps have examples on both executors
        String[] train = {"train", "--data", data.toString(), "--epochs", "6", "--batch-size", "32", "--seed", "7",
                "--set", "data.block-size=32", "--set", "training.chunk-size=4"};
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "cluster"))) {
            int port = SparkProcesses.freePort();
            String master = "spark://127.0.0.1:" + port;
            Map<String, String> env = Map.of("SPARK_HOME", sparkHome.toString());
            Path masterLog = spark.logs().resolve("master.log");
            spark.start(daemon(sparkHome, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    Integer.toString(port), "--webui-port", Integer.toString(SparkProcesses.freePort())), env, masterLog);
            SparkProcesses.awaitLog(masterLog, "I have been elected leader", 1, 60);
            List<Process> workers = new ArrayList<>();
            List<Path> workDirs = new ArrayList<>();
            for (int w = 1; w <= 2; w++) {
                workDirs.add(Files.createDirectories(tmp.resolve("work-" + w)));
                workers.add(spark.start(daemon(sparkHome, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                        "--memory", "1g", "--webui-port", Integer.toString(SparkProcesses.freePort()), "--work-dir",
                        workDirs.get(w - 1).toString(), master), env,
                        spark.logs().resolve("worker-" + w + ".log")));
            }
            SparkProcesses.awaitLog(masterLog, "Registering worker", 2, 90);
            // Both executors registered before the first job, so that both cache training blocks.
            List<String> onCluster = List.of("--master", master, "--total-executor-cores", "2", "--executor-cores", "1",
                    "--executor-memory", "512m", "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                    "--conf", "spark.eventLog.enabled=true", "--conf", "spark.eventLog.compress=false",
                    "--conf", "spark.eventLog.rolling.enabled=false",
                    // the executors' own temporary files (lz4-java's library) under target/ too, not /tmp
                    "--conf", "spark.executor.extraJavaOptions=" + SparkProcesses.TMPDIR_OPTION);

            SparkProcesses.Result cluster = spark.submit("train-cluster",
                    with(onCluster, "--conf", "spark.eventLog.dir=" + events.toUri()),
                    with(train, "--partitions", "4", "--output", tmp.resolve("cluster-run").toString()));
            assertEquals(0, cluster.exit(), cluster.output());
            SparkProcesses.Result local = spark.submit("train-local1", List.of("--master", "local[1]"),
                    with(train, "--partitions", "3", "--output", tmp.resolve("local-run").toString()));
            assertEquals(0, local.exit(), local.output());
            assertTrue(local.output().contains("3 partitions") && cluster.output().contains("4 partitions"),
                    "the runs differ in partition count");
            assertEquals(SparkSubmitIT.sha(local.output()), SparkSubmitIT.sha(cluster.output()),
                    "the same seed and config give bit-identical weights on the cluster (4 partitions) and in local[1] (3)");

            EventLog clean = EventLog.read(events);
            clean.checkSteps();
            Map<Long, Set<String>> perStep = clean.executorsPerStep();
            long merged = perStep.values().stream().filter(e -> e.equals(Set.of("0", "1"))).count();
            System.out.println("StandaloneClusterIT: " + merged + " of " + STEPS + " training steps ran tasks on both executors");
            assertTrue(merged > STEPS / 2, "most training steps ran tasks on both executors, whose gradients the driver "
                    + "added: " + merged + " of " + STEPS + "; per step: " + perStep);
            for (String executor : List.of("0", "1")) {
                assertTrue(clean.tasks.stream().anyMatch(t -> t.step() > 0 && t.success() && t.executor().equals(executor)
                        && t.locality().equals("PROCESS_LOCAL")), "executor " + executor + " trained on blocks it caches");
            }

            // The same run again, and the executor running a training task of step 31 killed by PID in that task.
            Path killedRun = tmp.resolve("killed-executor-run");
            SparkProcesses.Submitted disturbed = spark.startSubmit("train-cluster-killed-executor",
                    with(onCluster, "--conf", "spark.eventLog.dir=" + killedEvents.toUri(), "--conf",
                            "spark.executorEnv." + TestFaults.PAUSE_TRAINING_TASK + "=" + KILLED_STEP + ":3000"),
                    Map.of(), with(train, "--partitions", "4", "--output", killedRun.toString()));
            Paused paused = awaitPausedTask(workDirs, disturbed.process());
            ProcessHandle executor = workers.get(paused.worker()).descendants()
                    .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .filter(h -> h.info().commandLine().orElse("").contains("--executor-id " + paused.executor() + " "))
                    .findFirst().orElseThrow(() -> new AssertionError("no JVM of executor " + paused.executor()));
            executor.destroyForcibly();  // SIGKILL, while its task of step 31 runs
            SparkProcesses.Result afterKill = SparkProcesses.await(disturbed);
            assertEquals(0, afterKill.exit(), afterKill.output());
            assertTrue(executor.onExit().get(30, TimeUnit.SECONDS) != null && !executor.isAlive());
            assertEquals(SparkSubmitIT.sha(cluster.output()), SparkSubmitIT.sha(afterKill.output()),
                    "losing an executor in the middle of a training step changes nothing in the weights");

            EventLog killed = EventLog.read(killedEvents);
            killed.checkSteps();
            List<Task> lost = killed.tasks.stream().filter(t -> t.step() == KILLED_STEP && !t.success()).toList();
            Task failed = lost.stream().filter(t -> t.executor().equals(paused.executor())
                            && t.partition() == paused.partition() && t.reason().equals("ExecutorLostFailure"))
                    .findFirst().orElseThrow(() -> new AssertionError("the event log shows no training task of step "
                            + KILLED_STEP + " lost with executor " + paused.executor() + "; failed tasks: " + lost));
            assertEquals("PROCESS_LOCAL", failed.locality(), "the killed executor held the partition it was training on");
            assertTrue(killed.tasks.stream().anyMatch(t -> t.stage() == failed.stage() && t.partition() == failed.partition()
                            && t.success() && !t.executor().equals(failed.executor()) && t.attempt() > failed.attempt()),
                    "Spark retried the lost task (stage " + failed.stage() + ", partition " + failed.partition()
                            + ") on another executor: " + killed.tasks.stream().filter(t -> t.stage() == failed.stage()).toList());

            // Batch norm in ghost groups with augmentation: the cluster's hash (weights and running
            // statistics) is local[1]'s.
            String[] resnet = {"train", "--data", data.toString(), "--model", "resnet8", "--max-steps", "8", "--batch-size", "64",
                    "--seed", "7", "--set", "data.block-size=64", "--set", "training.bn-group-size=16",
                    "--set", "training.augmentation.crop-padding=2", "--set", "training.augmentation.horizontal-flip=true",
                    "--set", "training.augmentation.erasing=0.5"};
            SparkProcesses.Result bnCluster = spark.submit("train-resnet8-cluster", with(onCluster, "--conf",
                            "spark.eventLog.dir=" + Files.createDirectories(tmp.resolve("events-resnet8")).toUri()),
                    with(resnet, "--partitions", "4", "--output", tmp.resolve("resnet8-cluster").toString()));
            assertEquals(0, bnCluster.exit(), bnCluster.output());
            SparkProcesses.Result bnLocal = spark.submit("train-resnet8-local1", List.of("--master", "local[1]"),
                    with(resnet, "--partitions", "1", "--output", tmp.resolve("resnet8-local").toString()));
            assertEquals(0, bnLocal.exit(), bnLocal.output());
            assertEquals(SparkSubmitIT.sha(bnLocal.output()), SparkSubmitIT.sha(bnCluster.output()),
                    "resnet8 with augmentation: the same weights and running statistics on the cluster and in local[1]");
        }
    }

    /** A training task that announced its pause: in which worker's work directory, on which executor and partition. */
    private record Paused(int worker, String executor, int partition) {
    }

    private static final Pattern PAUSE = Pattern.compile(Pattern.quote(TestFaults.PAUSE_TRAINING_TASK)
            + ": training task of step " + KILLED_STEP + " partition (\\d+) attempt 0 on executor (\\S+) pausing");

    /** Waits for a training task of the killed step to announce its pause in its executor's stderr. */
    private static Paused awaitPausedTask(List<Path> workDirs, Process run) throws IOException, InterruptedException {
        long end = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < end && run.isAlive()) {
            for (int w = 0; w < workDirs.size(); w++) {
                try (Stream<Path> files = Files.walk(workDirs.get(w))) {
                    for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                        Matcher m = PAUSE.matcher(Files.readString(f));
                        if (m.find()) {
                            return new Paused(w, m.group(2), Integer.parseInt(m.group(1)));
                        }
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no training task of step " + KILLED_STEP + " paused while the run was alive; see its log");
    }

    private static List<String> with(List<String> options, String... more) {
        List<String> all = new ArrayList<>(options);
        all.addAll(List.of(more));
        return all;
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
        cmd.addAll(SparkProcesses.JVM_OPTIONS);
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

    /** One ended task: its stage, the training step of its job (0: not a training step), where and how it ended. */
    record Task(int stage, long step, int partition, int attempt, String executor, String locality, String reason) {
        boolean success() {
            return reason.equals("Success");
        }
    }

    /**
     * Spark's event log of one application: the ended tasks, each with the training step of its job
     * (the job property TrainingJob sets), and the stage names.
     */
    record EventLog(List<Task> tasks, Map<Integer, String> stageNames, Map<Integer, Long> stageSteps) {

        static EventLog read(Path events) throws IOException {
            List<JsonNode> all = new ArrayList<>();
            try (Stream<Path> files = Files.walk(events)) {
                List<Path> logs = files.filter(Files::isRegularFile).toList();
                assertEquals(1, logs.size(), "one application's event log in " + events + ": " + logs);
                for (String line : Files.readAllLines(logs.get(0))) {
                    all.add(SparkSubmitIT.JSON.readTree(line));
                }
            }
            Map<Integer, Long> stageSteps = new HashMap<>();
            Map<Integer, String> stageNames = new HashMap<>();
            for (JsonNode e : all) {
                if (e.path("Event").asText().equals("SparkListenerJobStart")) {
                    String step = e.path("Properties").path(TrainingJob.STEP_PROPERTY).asText("");
                    for (JsonNode stage : e.path("Stage Infos")) {
                        stageNames.put(stage.path("Stage ID").asInt(), stage.path("Stage Name").asText());
                        stageSteps.put(stage.path("Stage ID").asInt(), step.isEmpty() ? 0 : Long.parseLong(step));
                    }
                }
            }
            List<Task> tasks = new ArrayList<>();
            for (JsonNode e : all) {
                if (e.path("Event").asText().equals("SparkListenerTaskEnd")) {
                    JsonNode info = e.path("Task Info");
                    int stage = e.path("Stage ID").asInt();
                    tasks.add(new Task(stage, stageSteps.getOrDefault(stage, 0L), info.path("Partition ID").asInt(-1),
                            info.path("Attempt").asInt(), info.path("Executor ID").asText(), info.path("Locality").asText(),
                            e.path("Task End Reason").path("Reason").asText()));
                }
            }
            return new EventLog(tasks, stageNames, stageSteps);
        }

        /**
         * Every step of the run is one labelled job whose tasks succeeded; a stage named after a step
         * belongs to that step's job only (the validation run between steps is not labelled as one).
         */
        void checkSteps() {
            Set<Long> steps = new TreeSet<>();
            for (Task t : tasks) {
                if (t.step() > 0 && t.success()) {
                    steps.add(t.step());
                }
            }
            assertEquals(STEPS, steps.size(), "training-step jobs with successful tasks: " + steps);
            long unlabelled = 0;
            for (Map.Entry<Integer, String> s : stageNames.entrySet()) {
                long step = stageSteps.get(s.getKey());
                if (step > 0) {
                    assertTrue(s.getValue().startsWith("sparkcnn step " + step + " "), s.getValue());
                } else {
                    unlabelled++;
                    assertTrue(!s.getValue().startsWith("sparkcnn step"), "stage " + s.getKey() + " is named "
                            + s.getValue() + " but is no training step's");
                }
            }
            assertTrue(unlabelled > 6, "the data, validation and test jobs ran unlabelled: " + unlabelled + " stages");
        }

        /** The executors that ran successful tasks of each training step. */
        Map<Long, Set<String>> executorsPerStep() {
            Map<Long, Set<String>> per = new TreeMap<>();
            for (Task t : tasks) {
                if (t.step() > 0 && t.success()) {
                    per.computeIfAbsent(t.step(), k -> new TreeSet<>()).add(t.executor());
                }
            }
            return per;
        }
    }
}
