package org.sparkcnn.jobs.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Writes checkpoints on a background thread so that training does not wait for storage. The caller
 * hands over a {@link Checkpoint} that owns copies of the state (a consistent snapshot); at most one
 * write is in flight, so a slow store delays the next checkpoint, never the steps between them. A
 * failed write is reported by the next {@link #submit}, {@link #check} or {@link #close}.
 */
public final class CheckpointWriter implements Closeable {

    /**
     * A committed checkpoint: its step, URI and size, how long training paused to take the snapshot
     * (as the caller measured it) and how long the write took in the background.
     */
    public record Committed(long step, String uri, long bytes, double snapshotMs, double writeMs) {
    }

    private final CheckpointStore store;
    private final Consumer<Committed> onCommitted;
    private final Consumer<String> warn;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sparkcnn-checkpoint-writer");
        t.setDaemon(true);
        return t;
    });
    private Future<?> pending;

    public CheckpointWriter(CheckpointStore store, Consumer<Committed> onCommitted, Consumer<String> warn) {
        this.store = store;
        this.onCommitted = onCommitted;
        this.warn = warn;
    }

    /** Waits for the previous write (rethrowing its failure), then starts writing {@code c}. */
    public void submit(Checkpoint c, double snapshotMs) throws IOException {
        await();
        pending = thread.submit(() -> {
            long t0 = System.nanoTime();
            byte[] bytes = c.toBytes();
            String uri = store.commit(c, bytes, warn);
            onCommitted.accept(new Committed(c.step(), uri, bytes.length, snapshotMs, (System.nanoTime() - t0) / 1e6));
            return null;
        });
    }

    /** Throws the failure of a finished write, if any, without waiting for one in flight. */
    public void check() throws IOException {
        if (pending != null && pending.isDone()) {
            await();
        }
    }

    private void await() throws IOException {
        if (pending == null) {
            return;
        }
        Future<?> f = pending;
        pending = null;
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a checkpoint write", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("checkpoint write failed: " + e.getCause(), e.getCause());
        }
    }

    /** Waits for the last write and stops the thread; rethrows a failed write. */
    @Override
    public void close() throws IOException {
        try {
            await();
        } finally {
            thread.shutdown();
        }
    }
}
