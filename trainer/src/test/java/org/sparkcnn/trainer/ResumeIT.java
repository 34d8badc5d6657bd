package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.jobs.TestFaults;
import org.sparkcnn.jobs.checkpoint.CheckpointStore;
import org.sparkcnn.jobs.testing.MiniHdfs;
import org.sparkcnn.jobs.testing.S3MockServer;

/**
 * Checkpoints and resume through spark-submit of the shaded jar in local[2]: a driver killed by PID
 * and resumed ends bit-identical to an uninterrupted run, with checkpoints on local disk, on a real
 * HDFS and on a real S3 API; so does a driver killed while writing a checkpoint (before its manifest;
 * local disk and S3) and one killed while committing the run directory over an earlier output; a
 * damaged newest checkpoint is skipped; divergence and a checkpoint directory that turns unwritable
 * stop the run and leave the earlier checkpoints loadable.
 */
class ResumeIT {

    private static final Pattern COMMITTED = Pattern.compile("checkpoint (\\S+/step-(\\d+)) \\(");
    private static final int STEPS = 320;  // 8 epochs of 640 / 16

    @TempDir
    static Path tmp;
    static Path data;
    static String reference;

    /** The common training arguments, the uninterrupted run's weights hash. */
    private static String[] args(String output, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--output", output, "--epochs", "0",
                "--max-steps", Integer.toString(STEPS), "--batch-size", "16", "--seed", "3",
                "--set", "output.log-every=40"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @BeforeAll
    static void uninterruptedRun() throws Exception {
        data = TinyDataset.write(tmp.resolve("data"), 640, 160);
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "resume"))) {
            SparkProcesses.Result r = spark.submit("uninterrupted", List.of("--master", "local[2]"),
                    args(tmp.resolve("uninterrupted").toString()));
            assertEquals(0, r.exit(), r.output());
            reference = SparkSubmitIT.sha(r.output());
        }
    }

    @Test
    void killedDriverResumesBitIdenticalOnLocalDisk() throws Exception {
        killAndResume("file", tmp.resolve("killed-local").toUri().toString(), List.of(), new Configuration());
    }

    @Test
    void killedDriverResumesBitIdenticalOnHdfs() throws Exception {
        killAndResume("hdfs", MiniHdfs.uri("/runs/killed"), List.of(), MiniHdfs.fs().getConf());
    }

    @Test
    void killedDriverResumesBitIdenticalOnS3() throws Exception {
        S3MockServer s3 = S3MockServer.get();
        s3.createBucket("runs");
        List<String> conf = new ArrayList<>();
        s3.s3aSettings().forEach((k, v) -> conf.addAll(List.of("--conf", "spark.hadoop." + k + "=" + v)));
        killAndResume("s3a", "s3a://runs/killed", conf, s3.configure(new Configuration()));
    }

    /**
     * Trains with a checkpoint every 20 steps, kills the driver (SIGKILL by PID) once the checkpoint
     * of step 60 is committed, damages the newest checkpoint on local disk, resumes, and compares.
     */
    private void killAndResume(String storage, String output, List<String> sparkConf, Configuration hadoop) throws Exception {
        List<String> options = new ArrayList<>(List.of("--master", "local[2]"));
        options.addAll(sparkConf);
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "resume"))) {
            SparkProcesses.Submitted first = spark.startSubmit("killed-" + storage, options, Map.of(),
                    args(output, "--checkpoint-every", "20"));
            SparkProcesses.awaitLog(first, "/step-000000060 (", 180);
            first.process().destroyForcibly();  // SIGKILL: no shutdown hooks, no cleanup
            SparkProcesses.Result killed = SparkProcesses.await(first);
            assertNotEquals(0, killed.exit());
            assertTrue(!killed.output().contains("weights sha256:"), "killed before the end:\n" + killed.output());

            String checkpoints = output + ".inprogress/checkpoints";
            List<Long> steps = new CheckpointStore(hadoop, checkpoints, 3, CheckpointStore.Retry.DEFAULT).steps();
            assertTrue(!steps.isEmpty() && steps.get(0) >= 60 && steps.get(0) < STEPS, "checkpoints " + steps);
            boolean damaged = storage.equals("file");
            if (damaged) {  // a truncated newest checkpoint: resume falls back to the one before
                org.apache.hadoop.fs.Path state = new org.apache.hadoop.fs.Path(
                        checkpoints + "/" + String.format("step-%09d", steps.get(0)), CheckpointStore.STATE);
                truncate(state.getFileSystem(hadoop), state);
            }

            SparkProcesses.Result resumed = spark.submit("resumed-" + storage, options,
                    args(output, "--checkpoint-every", "20", "--resume"));
            assertEquals(0, resumed.exit(), resumed.output());
            assertTrue(resumed.output().contains("resuming from "), resumed.output());
            if (damaged) {
                assertTrue(resumed.output().contains("state.bin is truncated")
                        && resumed.output().contains(String.format("step-%09d", steps.get(0))), resumed.output());
                assertTrue(resumed.output().contains(String.format("step-%09d: step %d", steps.get(1), steps.get(1))),
                        "resumed from the previous checkpoint:\n" + resumed.output());
            }
            // S3 shows the interrupted run's metrics file only once closed, which it never was: said, not silent.
            if (!storage.equals("hdfs")) {  // HDFS: whatever hflush made visible before the kill
                assertEquals(storage.equals("s3a"), resumed.output().contains("holds no step records of the interrupted run"),
                        resumed.output());
            }
            assertEquals(reference, SparkSubmitIT.sha(resumed.output()),
                    "a killed and resumed run ends bit-identical to an uninterrupted one (" + storage + ")");
            FileSystem fs = new org.apache.hadoop.fs.Path(output).getFileSystem(hadoop);
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(output, "model.sparkcnn")));
            assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(output + ".inprogress")), "the run was committed");
        }
    }

    @Test
    void aDriverKilledWhileWritingACheckpointResumesBitIdenticalOnLocalDisk() throws Exception {
        killWhileCheckpointingAndResume("file", tmp.resolve("halted-checkpoint-local").toUri().toString(), List.of(),
                new Configuration());
    }

    @Test
    void aDriverKilledWhileWritingACheckpointResumesBitIdenticalOnS3() throws Exception {
        S3MockServer s3 = S3MockServer.get();
        s3.createBucket("halted");
        List<String> conf = new ArrayList<>();
        s3.s3aSettings().forEach((k, v) -> conf.addAll(List.of("--conf", "spark.hadoop." + k + "=" + v)));
        killWhileCheckpointingAndResume("s3a", "s3a://halted/run", conf, s3.configure(new Configuration()));
    }

    /**
     * Trains with a checkpoint every 20 steps; the driver halts (as under SIGKILL, through the
     * test-only {@code sparkcnn.test.halt-at} point) while writing the checkpoint of step 60, after its
     * state file and before its manifest. On local disk that leaves {@code .step-000000060.tmp}; on S3,
     * where the manifest is the commit, a {@code step-000000060/} without one. The resumed run must
     * start from step 40 and end bit-identical.
     */
    private void killWhileCheckpointingAndResume(String storage, String output, List<String> sparkConf, Configuration hadoop)
            throws Exception {
        List<String> options = new ArrayList<>(List.of("--master", "local[2]"));
        options.addAll(sparkConf);
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "resume"))) {
            SparkProcesses.Result halted = spark.submitWithJvmOptions("halted-checkpoint-" + storage,
                    List.of("-D" + TestFaults.HALT_AT + "=" + TestFaults.CHECKPOINT_BEFORE_MANIFEST + "@60"), options,
                    args(output, "--checkpoint-every", "20"));
            assertEquals(137, halted.exit(), halted.output());
            assertTrue(halted.output().contains("halting the JVM at checkpoint-before-manifest@60")
                    && !halted.output().contains("weights sha256:"), halted.output());

            String checkpoints = output + ".inprogress/checkpoints";
            FileSystem fs = new org.apache.hadoop.fs.Path(checkpoints).getFileSystem(hadoop);
            org.apache.hadoop.fs.Path half = new org.apache.hadoop.fs.Path(checkpoints,
                    storage.equals("s3a") ? "step-000000060" : ".step-000000060.tmp");
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(half, CheckpointStore.STATE)), "the state file was written");
            assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(half, CheckpointStore.MANIFEST)), "the manifest was not");
            assertTrue(!storage.equals("file") || !fs.exists(new org.apache.hadoop.fs.Path(checkpoints, "step-000000060")));

            SparkProcesses.Result resumed = spark.submit("resumed-after-checkpoint-halt-" + storage, options,
                    args(output, "--checkpoint-every", "20", "--resume"));
            assertEquals(0, resumed.exit(), resumed.output());
            assertTrue(resumed.output().contains("/step-000000040: step 40 (epoch "), "resumed from the checkpoint before "
                    + "the half-written one:\n" + resumed.output());
            assertEquals(storage.equals("s3a"), resumed.output().contains("skipping checkpoint " + checkpoints
                    + "/step-000000060: it has no MANIFEST.json"), resumed.output());
            assertEquals(reference, SparkSubmitIT.sha(resumed.output()),
                    "killed while writing a checkpoint, resumed: bit-identical to an uninterrupted run (" + storage + ")");
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(output, "model.sparkcnn")));
            assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(output + ".inprogress")), "the run was committed");
        }
    }

    /**
     * A run with {@code --overwrite} over an earlier output, halted (as under SIGKILL, through the
     * test-only {@code sparkcnn.test.halt-at} point) in the middle of committing its run directory:
     * the earlier output is moved aside, the finished run not yet moved into place. Resuming with the
     * same flags puts the earlier output back first, then resumes the run from its last checkpoint
     * (the one a run with checkpoints writes at its last step, 320), ends bit-identical and replaces the earlier output.
     */
    @Test
    void aDriverKilledDuringTheOutputCommitLosesNoOutputAndResumesBitIdentical() throws Exception {
        Path out = tmp.resolve("halted-commit");
        Path staging = Path.of(out + ".inprogress");
        Path aside = Path.of(out + ".replaced");
        Files.createDirectories(out);
        Files.writeString(out.resolve("earlier-run.txt"), "an earlier output");
        String[] flags = {"--checkpoint-every", "30", "--overwrite"};
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "resume"))) {
            SparkProcesses.Result halted = spark.submitWithJvmOptions("halted-commit",
                    List.of("-D" + TestFaults.HALT_AT + "=" + TestFaults.OUTPUT_COMMIT), List.of("--master", "local[2]"),
                    args(out.toString(), flags));
            assertEquals(137, halted.exit(), halted.output());
            assertTrue(halted.output().contains("halting the JVM at output-commit")
                    && !halted.output().contains("weights sha256:"), halted.output());
            assertTrue(!Files.exists(out), "halted between the two renames: no output");
            assertEquals("an earlier output", Files.readString(aside.resolve("earlier-run.txt")), "the earlier output, aside");
            assertTrue(Files.exists(staging.resolve("model.sparkcnn")) && Files.exists(staging.resolve("summary.json")),
                    "the finished run, staged");

            String[] resume = {"--checkpoint-every", "30", "--overwrite", "--resume"};
            SparkProcesses.Result resumed = spark.submit("resumed-after-commit-halt", List.of("--master", "local[2]"),
                    args(out.toString(), resume));
            assertEquals(0, resumed.exit(), resumed.output());
            int restored = resumed.output().indexOf("moved aside: it is back in place");
            int resuming = resumed.output().indexOf("/step-000000320: step 320 (epoch ");
            assertTrue(restored >= 0 && resuming > restored, "the earlier output was put back before the run resumed:\n"
                    + resumed.output());
            assertTrue(resumed.output().contains("trained 0 steps"), resumed.output());
            assertEquals(reference, SparkSubmitIT.sha(resumed.output()),
                    "killed during the output commit, resumed: bit-identical to an uninterrupted run");
            assertEquals(reference, SparkSubmitIT.JSON.readTree(out.resolve("summary.json").toFile())
                    .get("weights_sha256").asText(), "the committed output holds the resumed run");
            assertTrue(!Files.exists(out.resolve("earlier-run.txt")), "the earlier output was replaced");
            assertTrue(!Files.exists(staging) && !Files.exists(aside), "nothing is left beside the output");
        }
    }

    @Test
    void aRunThatEarlyStoppingEndedStaysEndedWhenResumed() throws Exception {
        String output = tmp.resolve("early").toString();
        // Validation every 20 steps; only the first counts as an improvement, so the run stops at step 40.
        List<String> early = List.of("--checkpoint-every", "20", "--set", "validation.every-steps=20",
                "--set", "validation.patience=1", "--set", "validation.min-delta=2");
        List<String> resume = new ArrayList<>(early);
        resume.add("--resume");
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "resume"))) {
            SparkProcesses.Result first = spark.submit("early-stopped", List.of("--master", "local[2]"),
                    args(output, early.toArray(new String[0])));
            assertEquals(0, first.exit(), first.output());
            assertTrue(first.output().contains("early stopping: no improvement") && first.output().contains("/step-000000040 ("),
                    first.output());
            // The moment before the run directory is committed: the finished run's checkpoints, still staged.
            Files.move(Path.of(output), Path.of(output + ".inprogress"));
            SparkProcesses.Result resumed = spark.submit("early-stopped-resumed", List.of("--master", "local[2]"),
                    args(output, resume.toArray(new String[0])));
            assertEquals(0, resumed.exit(), resumed.output());
            assertTrue(resumed.output().contains("early stopping had ended this run at step 40")
                    && resumed.output().contains("trained 0 steps"), resumed.output());
            assertEquals(SparkSubmitIT.sha(first.output()), SparkSubmitIT.sha(resumed.output()),
                    "the resumed run keeps the stopped run's weights");
        }
    }

    private static void truncate(FileSystem fs, org.apache.hadoop.fs.Path file) throws IOException {
        byte[] bytes;
        try (FSDataInputStream in = fs.open(file)) {
            bytes = in.readAllBytes();
        }
        try (OutputStream out = fs.create(file, true)) {
            out.write(bytes, 0, bytes.length / 3);
        }
    }

    @Test
    void divergenceStopsNamingTheStepAndLayerAndKeepsTheLastCheckpoint() throws Exception {
        String output = tmp.resolve("diverged").toString();
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "resume"))) {
            SparkProcesses.Result r = spark.submit("diverged", List.of("--master", "local[2]"),
                    args(output, "--checkpoint-every", "1", "--lr", "1e6"));
            assertEquals(1, r.exit(), r.output());
            Matcher m = Pattern.compile("training diverged at step (\\d+) \\(epoch \\d+\\): the (gradient of layer \\d+|loss)")
                    .matcher(r.output());
            assertTrue(m.find(), r.output());
            long divergedAt = Long.parseLong(m.group(1));
            assertTrue(r.output().contains("the last checkpoint, "), r.output());
            CheckpointStore store = new CheckpointStore(new Configuration(), output + ".inprogress/checkpoints", 3,
                    CheckpointStore.Retry.DEFAULT);
            List<String> warnings = new ArrayList<>();
            CheckpointStore.Found last = store.latest(warnings::add).orElseThrow();
            assertEquals(List.of(), warnings, "the last good checkpoint is intact");
            assertEquals(divergedAt - 1, last.checkpoint().step());
            for (float p : last.checkpoint().params()) {
                assertTrue(Float.isFinite(p));
            }
            SparkProcesses.Result inspect = spark.submit("inspect-checkpoint", List.of("--master", "local[1]"), "inspect",
                    last.uri());
            assertEquals(0, inspect.exit(), inspect.output());
            assertTrue(inspect.output().contains("complete (manifest and checksum verified)")
                    && inspect.output().contains("step " + (divergedAt - 1) + " (epoch ")
                    && inspect.output().contains("weights sha256 " + last.checkpoint().weightsSha256())
                    && inspect.output().contains("total: 61,706 parameters"), inspect.output());
        }
    }

    @Test
    void aCheckpointDirectoryTurnedUnwritableFailsTheRunAndKeepsEarlierCheckpoints() throws Exception {
        FileSystem admin = MiniHdfs.fs();
        org.apache.hadoop.fs.Path home = new org.apache.hadoop.fs.Path("/user/trainer");
        admin.mkdirs(home);
        admin.setOwner(home, "trainer", "trainer");
        String output = MiniHdfs.uri("/user/trainer/unwritable");
        try (SparkProcesses spark = new SparkProcesses(Path.of("target", "it-logs", "resume"))) {
            // Not the HDFS superuser (the user running the tests), so permissions apply.
            SparkProcesses.Submitted run = spark.startSubmit("unwritable", List.of("--master", "local[2]"),
                    Map.of("HADOOP_USER_NAME", "trainer"), args(output, "--checkpoint-every", "10"));
            SparkProcesses.awaitLog(run, "/step-000000020 (", 180);
            admin.setPermission(new org.apache.hadoop.fs.Path("/user/trainer/unwritable.inprogress/checkpoints"),
                    new FsPermission((short) 0555));
            SparkProcesses.Result r = SparkProcesses.await(run);
            assertEquals(1, r.exit(), r.output());
            assertTrue(r.output().contains("could not write checkpoint " + output + ".inprogress/checkpoints/step-"),
                    r.output());
            assertTrue(r.output().contains("Permission denied: user=trainer"), r.output());
            Matcher m = COMMITTED.matcher(r.output());
            long lastCommitted = 0;
            while (m.find()) {
                lastCommitted = Long.parseLong(m.group(2));
            }
            List<String> warnings = new ArrayList<>();
            CheckpointStore.Found found = new CheckpointStore(admin.getConf(), output + ".inprogress/checkpoints", 3,
                    CheckpointStore.Retry.DEFAULT).latest(warnings::add).orElseThrow();
            assertEquals(List.of(), warnings);
            assertTrue(lastCommitted >= 20);
            assertEquals(lastCommitted, found.checkpoint().step(), "the earlier checkpoints still load");
        }
    }
}
