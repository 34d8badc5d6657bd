package org.sparkcnn.jobs.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkcnn.engine.optim.OptimizerState;
import org.sparkcnn.engine.optim.ScheduleState;
import org.sparkcnn.jobs.testing.MiniHdfs;
import org.sparkcnn.jobs.testing.S3MockServer;

/** Checkpoints on local disk, a real HDFS (MiniDFSCluster) and a real S3 API (S3Mock through S3A). */
class CheckpointStoreTest {

    @TempDir
    Path tmp;

    static Checkpoint checkpoint(long step) {
        SplittableRandom r = new SplittableRandom(step);
        float[] params = new float[1000];
        float[] momentum = new float[1000];
        float[] best = new float[1000];
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) r.nextGaussian();
            momentum[i] = (float) r.nextGaussian();
            best[i] = (float) r.nextGaussian();
        }
        LinkedHashMap<String, float[]> buffers = new LinkedHashMap<>();
        buffers.put("momentum", momentum);
        LinkedHashMap<String, Double> plateau = new LinkedHashMap<>();
        plateau.put("lr", 0.01);
        plateau.put("best", 0.875);
        return new Checkpoint(step, (int) step / 7, (int) step % 7, 42, "{\"name\":\"m\"}", "training { seed = 42 }",
                Map.of("count", "640", "shape", "[1, 28, 28]"), params, new OptimizerState("sgd", step, buffers),
                new ScheduleState("plateau", plateau), Map.of("best", 0.5, "since_best", 2.0), Map.of("best_params", best));
    }

    private String dir(String storage, Configuration conf) throws IOException {
        return switch (storage) {
            case "file" -> tmp.resolve("checkpoints").toUri().toString();
            case "hdfs" -> MiniHdfs.uri("/checkpoint-test-" + System.nanoTime());
            case "s3a" -> {
                S3MockServer s3 = S3MockServer.get();
                s3.configure(conf);
                s3.createBucket("checkpoints");
                yield "s3a://checkpoints/run-" + System.nanoTime();
            }
            default -> throw new IllegalArgumentException(storage);
        };
    }

    private static void assertSameState(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.step(), actual.step());
        assertEquals(expected.epoch(), actual.epoch());
        assertEquals(expected.stepInEpoch(), actual.stepInEpoch());
        assertEquals(expected.seed(), actual.seed());
        assertEquals(expected.modelJson(), actual.modelJson());
        assertEquals(expected.config(), actual.config());
        assertEquals(expected.dataFingerprint(), actual.dataFingerprint());
        assertArrayEquals(expected.params(), actual.params());
        assertEquals(expected.optimizer().type(), actual.optimizer().type());
        assertEquals(expected.optimizer().step(), actual.optimizer().step());
        assertArrayEquals(expected.optimizer().buffers().get("momentum"), actual.optimizer().buffers().get("momentum"));
        assertEquals(expected.schedule(), actual.schedule());
        assertEquals(expected.trainerState(), actual.trainerState());
        assertArrayEquals(expected.trainerArrays().get("best_params"), actual.trainerArrays().get("best_params"));
        assertEquals(expected.weightsSha256(), actual.weightsSha256());
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "hdfs", "s3a"})
    void keepsTheNewestAndLoadsThemBackExactly(String storage) throws IOException {
        Configuration conf = new Configuration();
        CheckpointStore store = new CheckpointStore(conf, dir(storage, conf), 2, CheckpointStore.Retry.DEFAULT);
        for (long step : new long[]{10, 20, 30, 40}) {
            Checkpoint c = checkpoint(step);
            String uri = store.commit(c, c.toBytes());
            assertTrue(uri.endsWith("/step-0000000" + step), uri);
        }
        assertEquals(List.of(40L, 30L), store.steps());
        List<String> warnings = new ArrayList<>();
        CheckpointStore.Found found = store.latest(warnings::add).orElseThrow();
        assertEquals(List.of(), warnings);
        assertSameState(checkpoint(40), found.checkpoint());
        assertTrue(found.uri().startsWith(storage + ":"), found.uri());
    }

    @ParameterizedTest
    @ValueSource(strings = {"truncated", "no-manifest", "flipped-byte"})
    void aDamagedNewestCheckpointIsSkippedWithAWarningNamingIt(String damage) throws IOException {
        Configuration conf = new Configuration();
        CheckpointStore store = new CheckpointStore(conf, dir("file", conf), 3, CheckpointStore.Retry.DEFAULT);
        for (long step : new long[]{5, 10}) {
            store.commit(checkpoint(step), checkpoint(step).toBytes());
        }
        org.apache.hadoop.fs.Path newest = new org.apache.hadoop.fs.Path(store.uri(), "step-000000010");
        FileSystem fs = newest.getFileSystem(conf);
        org.apache.hadoop.fs.Path state = new org.apache.hadoop.fs.Path(newest, CheckpointStore.STATE);
        byte[] bytes;
        try (FSDataInputStream in = fs.open(state)) {
            bytes = in.readAllBytes();
        }
        String expected;
        switch (damage) {
            case "truncated" -> {
                write(fs, state, java.util.Arrays.copyOf(bytes, bytes.length / 2));
                expected = "truncated";
            }
            case "no-manifest" -> {
                fs.delete(new org.apache.hadoop.fs.Path(newest, CheckpointStore.MANIFEST), false);
                expected = "no MANIFEST.json";
            }
            default -> {
                bytes[bytes.length - 3] ^= 0x40;
                write(fs, state, bytes);
                expected = "sha256";
            }
        }
        List<String> warnings = new ArrayList<>();
        CheckpointStore.Found found = store.latest(warnings::add).orElseThrow();
        assertEquals(5, found.checkpoint().step());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("step-000000010") && warnings.get(0).contains(expected), warnings.get(0));

        // The next commit after a resume from step 5 replaces the damaged, abandoned step 10.
        store.commit(checkpoint(8), checkpoint(8).toBytes());
        assertEquals(List.of(8L, 5L), store.steps());
    }

    private static void write(FileSystem fs, org.apache.hadoop.fs.Path p, byte[] data) throws IOException {
        try (OutputStream out = fs.create(p, true)) {
            out.write(data);
        }
    }

    /** A store keeping {@code keep} checkpoints in {@code name} under the scheme flaky: (see {@link FlakyFileSystem}). */
    private CheckpointStore flakyStore(String name, int keep) throws IOException {
        Configuration conf = new Configuration();
        conf.setClass("fs.flaky.impl", FlakyFileSystem.class, FileSystem.class);
        conf.setBoolean("fs.flaky.impl.disable.cache", true);
        return new CheckpointStore(conf, "flaky://" + tmp.resolve(name).toAbsolutePath(), keep, new CheckpointStore.Retry(4, 10));
    }

    @Test
    void transientWriteErrorsAreRetried() throws IOException {
        CheckpointStore store = flakyStore("flaky", 2);
        FlakyFileSystem.FAILURES.set(2);
        FlakyFileSystem.CREATES.set(0);
        store.commit(checkpoint(3), checkpoint(3).toBytes());
        assertEquals(4, FlakyFileSystem.CREATES.get(), "two failed attempts, then state and manifest");
        assertEquals(3, store.latest(w -> { }).orElseThrow().checkpoint().step());

        FlakyFileSystem.FAILURES.set(10);
        CheckpointStore.WriteFailed e = assertThrows(CheckpointStore.WriteFailed.class,
                () -> store.commit(checkpoint(6), checkpoint(6).toBytes()));
        assertTrue(e.getMessage().contains("step-000000006") && e.getMessage().contains("injected transient failure"),
                e.getMessage());
        FlakyFileSystem.FAILURES.set(0);
        assertEquals(3, store.latest(w -> { }).orElseThrow().checkpoint().step(), "the earlier checkpoint survives");
    }

    @Test
    void aFailedCleanUpAfterACommitIsAWarningNotARewrite() throws IOException {
        CheckpointStore store = flakyStore("prune", 1);
        store.commit(checkpoint(1), checkpoint(1).toBytes());
        FlakyFileSystem.UNDELETABLE = "step-000000001";
        FlakyFileSystem.FAILURES.set(0);
        FlakyFileSystem.CREATES.set(0);
        List<String> warnings = new ArrayList<>();
        try {
            String uri = store.commit(checkpoint(2), checkpoint(2).toBytes(), warnings::add);
            assertTrue(uri.endsWith("step-000000002"), uri);
        } finally {
            FlakyFileSystem.UNDELETABLE = null;
        }
        assertEquals(2, FlakyFileSystem.CREATES.get(), "state and manifest written once, not again after the failed clean-up");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("step-000000002 is committed, but removing older ones failed")
                && warnings.get(0).contains("injected failure deleting"), warnings.get(0));
        assertEquals(List.of(2L, 1L), store.steps(), "the old one stays");
        assertEquals(2, store.latest(w -> { }).orElseThrow().checkpoint().step());
    }

    @Test
    void aPermissionErrorOnHdfsFailsAtOnceAndKeepsEarlierCheckpoints() throws Exception {
        FileSystem admin = MiniHdfs.fs();
        org.apache.hadoop.fs.Path home = new org.apache.hadoop.fs.Path("/user/alice-" + System.nanoTime());
        admin.mkdirs(home);
        admin.setOwner(home, "alice", "alice");
        String dir = MiniHdfs.uri(home + "/checkpoints");
        Configuration conf = new Configuration();
        conf.setBoolean("fs.hdfs.impl.disable.cache", true);
        UserGroupInformation alice = UserGroupInformation.createUserForTesting("alice", new String[]{"alice"});
        CheckpointStore store = alice.doAs((PrivilegedExceptionAction<CheckpointStore>) () -> {
            CheckpointStore s = new CheckpointStore(conf, dir, 2, new CheckpointStore.Retry(4, 2000));
            s.commit(checkpoint(1), checkpoint(1).toBytes());
            return s;
        });
        admin.setPermission(new org.apache.hadoop.fs.Path(home, "checkpoints"), new FsPermission((short) 0555));
        long t0 = System.nanoTime();
        CheckpointStore.WriteFailed e = assertThrows(CheckpointStore.WriteFailed.class,
                () -> alice.doAs((PrivilegedExceptionAction<String>) () -> store.commit(checkpoint(2), checkpoint(2).toBytes())));
        assertInstanceOf(AccessControlException.class, e.getCause());
        assertTrue(e.getMessage().contains(dir + "/step-000000002") && e.getMessage().contains("Permission denied"),
                e.getMessage());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "a permission error is not retried");
        Configuration rootConf = new Configuration();
        CheckpointStore asRoot = new CheckpointStore(rootConf, dir, 2, CheckpointStore.Retry.DEFAULT);
        assertEquals(1, asRoot.latest(w -> { }).orElseThrow().checkpoint().step());
        assertFalse(admin.exists(new org.apache.hadoop.fs.Path(home, "checkpoints/step-000000002")));
    }
}
