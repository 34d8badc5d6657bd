package org.sparkcnn.jobs.run;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * A run's checkpoints: when to write them (every N steps, every epoch, the last step), the snapshot
 * of the whole training state, and the background writer.
 */
public final class RunCheckpoints implements AutoCloseable {

    private final RunSettings.Checkpoints settings;
    private final CheckpointStore store;
    private CheckpointWriter writer;
    private long written;
    private double slowestWriteMs;
    private String newest;
    private long lastStep = -1;

    public RunCheckpoints(Configuration hadoop, RunSettings.Checkpoints settings, String dir) throws IOException {
        this.settings = settings;
        // no directory: a run without checkpoints (nothing is due, nothing found)
        this.store = dir == null || dir.isBlank() ? null : new CheckpointStore(hadoop, dir, settings.keep(),
                new CheckpointStore.Retry(settings.writeAttempts(), settings.retryBackoffMs()));
    }

    public String uri() {
        return store == null ? "" : store.uri();
    }

    /** The newest complete checkpoint; each one skipped is reported through {@code warn}. */
    public Optional<CheckpointStore.Found> newestComplete(Consumer<String> warn) throws IOException {
        return store == null ? Optional.empty() : store.latest(warn);
    }

    /** Whether the directory holds checkpoint directories at all (complete or not). */
    public boolean any() throws IOException {
        return store != null && !store.steps().isEmpty();
    }

    /** Whether this run writes checkpoints: a directory, and a cadence (every N steps and/or every epoch). */
    public boolean enabled() {
        return store != null && settings.enabled();
    }

    /** Whether a checkpoint is due after step {@code m}. */
    public boolean due(TrainingJob.StepMetrics m) {
        return enabled() && ((settings.everySteps() > 0 && (m.step() + 1) % settings.everySteps() == 0)
                || (settings.everyEpoch() && m.endOfEpoch()));
    }

    /**
     * Snapshots the state after {@code step} (copies, on the training thread) and hands it to the
     * background writer; reports a failed earlier write. Returns the snapshot time in milliseconds.
     */
    public double write(long step, int stepsPerEpoch, long seed, String config, ModelDefinition def,
                 Map<String, String> fingerprint, float[] params, Optimizer optimizer, LrSchedule schedule,
                 EarlyStopping stopping, MetricsLog metrics, Consumer<String> say) throws IOException {
        return write(step, stepsPerEpoch, seed, config, def, fingerprint, params, null, optimizer, schedule, stopping, metrics, say);
    }

    /** As above, with the model's state ({@code buffers}: batch norm's running statistics; null for none). */
    public double write(long step, int stepsPerEpoch, long seed, String config, ModelDefinition def,
                 Map<String, String> fingerprint, float[] params, float[] buffers, Optimizer optimizer, LrSchedule schedule,
                 EarlyStopping stopping, MetricsLog metrics, Consumer<String> say) throws IOException {
        if (writer != null) {
            writer.check();
        }
        long t0 = System.nanoTime();
        lastStep = step;
        Checkpoint c = new Checkpoint(step, (int) (step / stepsPerEpoch), (int) (step % stepsPerEpoch), seed,
                def.toJsonString(), config, fingerprint, params.clone(), optimizer.state(), schedule.state(),
                stopping.state(), stopping.arrays(), buffers == null || buffers.length == 0 ? null : buffers.clone());
        double snapshotMs = (System.nanoTime() - t0) / 1e6;
        if (writer == null) {
            writer = new CheckpointWriter(store, done -> committed(done, metrics, say), w -> say.accept("warning: " + w));
        }
        writer.submit(c, snapshotMs);
        return snapshotMs;
    }

    private synchronized void committed(CheckpointWriter.Committed done, MetricsLog metrics, Consumer<String> say) {
        written++;
        slowestWriteMs = Math.max(slowestWriteMs, done.writeMs());
        newest = done.uri();
        try {
            metrics.write(Map.of("type", "checkpoint", "step", done.step(), "uri", done.uri(), "bytes", done.bytes(),
                    "snapshot_ms", done.snapshotMs(), "write_ms", done.writeMs()));
        } catch (IOException e) {
            say.accept("warning: could not log checkpoint " + done.uri() + ": " + e.getMessage());
        }
        say.accept(String.format(Locale.ROOT, "checkpoint %s (%.1f MiB; training paused %.0f ms to snapshot, "
                + "written in %.0f ms in the background)", done.uri(), done.bytes() / 1048576.0, done.snapshotMs(), done.writeMs()));
    }

    /** The step of the newest checkpoint handed to the writer in this run; -1 if none. */
    public long lastStep() {
        return lastStep;
    }

    /** Reports a failed background write as soon as it is known. */
    public void check() throws IOException {
        if (writer != null) {
            writer.check();
        }
    }

    public synchronized long written() {
        return written;
    }

    public synchronized double slowestWriteMs() {
        return slowestWriteMs;
    }

    public synchronized String newest() {
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
