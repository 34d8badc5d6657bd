package org.sparkcnn.trainer;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Optimizer;
import org.sparkcnn.jobs.MetricsLog;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.checkpoint.Checkpoint;
import org.sparkcnn.jobs.checkpoint.CheckpointStore;
import org.sparkcnn.jobs.checkpoint.CheckpointWriter;

/**
 * A run's checkpoints: when to write them (every N steps, every epoch), the snapshot of the whole
 * training state, the background writer, and the checks that a resumed run continues the same run.
 */
final class RunCheckpoints implements AutoCloseable {

    /**
     * Config keys that change nothing in the weights: free to change on resume. (The block and chunk
     * sizes do change them: gradients are summed in float within a chunk, and chunks follow blocks.)
     */
    private static final Set<String> FREE = Set.of("data.partitions", "training.threads-per-task", "training.tree-depth");
    private static final String[] FREE_PREFIXES = {"output.", "checkpoint."};
    /** Config keys a resumed run can never change: the state would not fit or would mean something else. */
    private static final Set<String> FIXED = Set.of("model", "data.classes", "data.format", "training.batch-size",
            "training.optimizer.name");

    private final TrainerConfig.Checkpoint settings;
    private final CheckpointStore store;
    private CheckpointWriter writer;
    private long written;
    private double slowestWriteMs;
    private String newest;
    private long lastStep = -1;

    RunCheckpoints(Configuration hadoop, TrainerConfig.Checkpoint settings, String dir) throws IOException {
        this.settings = settings;
        this.store = new CheckpointStore(hadoop, dir, settings.keep(),
                new CheckpointStore.Retry(settings.writeAttempts(), settings.retryBackoffMs()));
    }

    String uri() {
        return store.uri();
    }

    /** The newest complete checkpoint; each one skipped is reported through {@code warn}. */
    Optional<CheckpointStore.Found> newestComplete(Consumer<String> warn) throws IOException {
        return store.latest(warn);
    }

    /** Whether the directory holds checkpoint directories at all (complete or not). */
    boolean any() throws IOException {
        return !store.steps().isEmpty();
    }

    /**
     * Refuses to resume {@code saved} with an incompatible configuration, naming the key: a different
     * model or any of {@link #FIXED} always; other training settings unless {@code force}, which
     * allows, for example, a new learning rate or epoch count (each change is then reported).
     */
    static void checkCompatible(Checkpoint saved, String savedUri, Config current, ModelDefinition def, boolean force,
                                Consumer<String> warn) {
        Map<String, String> before = flatten(ConfigFactory.parseString(saved.config()));
        Map<String, String> now = flatten(current);
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(now.keySet());
        for (String key : keys) {
            String a = before.getOrDefault(key, "(unset)"), b = now.getOrDefault(key, "(unset)");
            if (a.equals(b) || FREE.contains(key) || startsWithAny(key)) {
                continue;
            }
            String change = "config key '" + key + "' is " + a + " in checkpoint " + savedUri + " but " + b + " now";
            if (FIXED.contains(key)) {
                throw new TrainerConfig.Invalid("cannot resume: " + change + "; a resumed run must keep it (start a new run "
                        + "with another --output instead)");
            }
            if (!force) {
                throw new TrainerConfig.Invalid("cannot resume: " + change + "; pass --force to continue with the new value");
            }
            warn.accept("resuming with a changed setting (--force): " + change);
        }
        if (!saved.modelJson().equals(def.toJsonString())) {
            throw new TrainerConfig.Invalid("cannot resume: the definition of model '" + def.name() + "' differs from the one "
                    + "in checkpoint " + savedUri + "; a resumed run must keep its model");
        }
    }

    /** Refuses to resume on other data: every fingerprint field must match; the message names the first that differs. */
    static void checkSameData(Checkpoint saved, String savedUri, Map<String, String> fingerprint) {
        for (Map.Entry<String, String> e : new TreeMap<>(fingerprint).entrySet()) {
            String before = saved.dataFingerprint().get(e.getKey());
            if (!e.getValue().equals(before)) {
                throw new TrainerConfig.Invalid("cannot resume: the training data differs from checkpoint " + savedUri + ": "
                        + e.getKey() + " is " + before + " in the checkpoint but " + e.getValue() + " now");
            }
        }
    }

    private static boolean startsWithAny(String key) {
        for (String p : FREE_PREFIXES) {
            if (key.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> flatten(Config c) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
            out.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return out;
    }

    /** Whether a checkpoint is due after step {@code m}. */
    boolean due(TrainingJob.StepMetrics m) {
        return (settings.everySteps() > 0 && (m.step() + 1) % settings.everySteps() == 0)
                || (settings.everyEpoch() && m.endOfEpoch());
    }

    /**
     * Snapshots the state after {@code step} (copies, on the training thread) and hands it to the
     * background writer; reports a failed earlier write. Returns the snapshot time in milliseconds.
     */
    double write(long step, int stepsPerEpoch, long seed, String config, ModelDefinition def,
                 Map<String, String> fingerprint, float[] params, Optimizer optimizer, LrSchedule schedule,
                 TrainCommand.EarlyStopping stopping, MetricsLog metrics, Progress progress) throws IOException {
        if (writer != null) {
            writer.check();
        }
        long t0 = System.nanoTime();
        lastStep = step;
        Checkpoint c = new Checkpoint(step, (int) (step / stepsPerEpoch), (int) (step % stepsPerEpoch), seed,
                def.toJsonString(), config, fingerprint, params.clone(), optimizer.state(), schedule.state(),
                stopping.state(), stopping.arrays());
        double snapshotMs = (System.nanoTime() - t0) / 1e6;
        if (writer == null) {
            writer = new CheckpointWriter(store, done -> committed(done, metrics, progress),
                    w -> progress.message("warning: " + w));
        }
        writer.submit(c, snapshotMs);
        return snapshotMs;
    }

    private synchronized void committed(CheckpointWriter.Committed done, MetricsLog metrics, Progress progress) {
        written++;
        slowestWriteMs = Math.max(slowestWriteMs, done.writeMs());
        newest = done.uri();
        try {
            metrics.write(Map.of("type", "checkpoint", "step", done.step(), "uri", done.uri(), "bytes", done.bytes(),
                    "snapshot_ms", done.snapshotMs(), "write_ms", done.writeMs()));
        } catch (IOException e) {
            progress.message("warning: could not log checkpoint " + done.uri() + ": " + e.getMessage());
        }
        progress.message(String.format(Locale.ROOT, "checkpoint %s (%.1f MiB; training paused %.0f ms to snapshot, "
                + "written in %.0f ms in the background)", done.uri(), done.bytes() / 1048576.0, done.snapshotMs(), done.writeMs()));
    }

    /** The step of the newest checkpoint handed to the writer in this run; -1 if none. */
    long lastStep() {
        return lastStep;
    }

    /** Reports a failed background write as soon as it is known. */
    void check() throws IOException {
        if (writer != null) {
            writer.check();
        }
    }

    synchronized long written() {
        return written;
    }

    synchronized double slowestWriteMs() {
        return slowestWriteMs;
    }

    synchronized String newest() {
        return newest;
    }

    /** Waits for the write in flight; rethrows its failure. */
    @Override
    public void close() throws IOException {
        if (writer != null) {
            writer.close();
        }
    }
}
