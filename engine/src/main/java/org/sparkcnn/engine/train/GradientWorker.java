package org.sparkcnn.engine.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.layers.Pass;

/**
 * Computes the gradient of a set of examples with a fixed decomposition: the examples, in the order
 * given, are cut into chunks of {@code chunkSize}; each chunk is one engine call, and its float32
 * gradient goes into a {@link FixedPointSum}. A chunk's result depends only on its examples, and
 * the fixed-point sum does not depend on order, so the total is bit-identical for any number of
 * threads, and across machines. Threads take whole chunks, each with its own network replica.
 */
public final class GradientWorker implements AutoCloseable {

    /**
     * Examples to differentiate: the given {@code rows} of {@code features} (CHW each) and {@code labels};
     * row r is dataset example {@code firstId + r} (the key of its dropout mask).
     */
    public record Examples(float[] features, int[] labels, long firstId, int[] rows) {
    }

    private final ModelDefinition def;
    private final Normalization normalization;
    private final int chunkSize;
    private final int threads;
    private final Replica[] replicas;
    private final ExecutorService pool;

    private final class Replica {
        final Network net = def.newNetwork(chunkSize);
        final float[] x = new float[chunkSize * def.inputShape().size()];
        final int[] labels = new int[chunkSize];
        final long[] ids = new long[chunkSize];
        final float[] grads = new float[def.paramCount()];  // all zero between chunks
        final FixedPointSum sum = new FixedPointSum();
        final float[] state = def.bufferCount() > 0 ? def.initialBuffers() : null;  // scratch: training forward writes it
        boolean dirty;  // a chunk failed half-way: grads must be zeroed first
    }

    public GradientWorker(ModelDefinition def, Normalization normalization, int chunkSize, int threads) {
        if (chunkSize <= 0 || threads <= 0) {
            throw new IllegalArgumentException("chunk size and threads must be positive, got " + chunkSize + " and " + threads);
        }
        this.def = def;
        this.normalization = normalization;
        this.chunkSize = chunkSize;
        this.threads = threads;
        this.replicas = new Replica[threads];
        for (int i = 0; i < threads; i++) {
            replicas[i] = new Replica();
        }
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sparkcnn-gradient");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Adds the gradient and loss of {@code examples} into {@code total}. {@code batchTotal} is the size
     * of the whole mini-batch, so the sum over all its examples is the batch-mean gradient.
     */
    public void accumulate(float[] params, List<Examples> examples, int batchTotal, long seed, long step, FixedPointSum total) {
        accumulate(params, examples, batchTotal, seed, step, Augmentation.NONE, 0, total);
    }

    /** As above, with each example's input augmented by its draw for ({@code seed}, {@code epoch}, its id). */
    public void accumulate(float[] params, List<Examples> examples, int batchTotal, long seed, long step,
                           Augmentation augmentation, long epoch, FixedPointSum total) {
        accumulate(params, examples, batchTotal, seed, step, augmentation, epoch, total, null);
    }

    /**
     * Batch-norm ghost groups: each of {@code groups} is one group of at most {@code chunkSize} examples
     * (in the order given), computed in one engine call whose batch-norm statistics are the group's.
     * Adds their gradients and losses into {@code total}, and writes group g's batch statistics
     * ({@link Network#batchStatistics}: per channel the mean and the unbiased variance, state-shaped) into
     * {@code stats[g * bufferCount ..)}. The running statistics are not read: training normalizes with
     * the group's own statistics, and the caller applies the updates in its fixed group order.
     */
    public void accumulateGroups(float[] params, List<Examples> groups, int batchTotal, long seed, long step,
                                 Augmentation augmentation, long epoch, FixedPointSum total, float[] stats) {
        int b = def.bufferCount();
        if (stats.length != groups.size() * b) {
            throw new IllegalArgumentException("stats has " + stats.length + " floats for " + groups.size() + " groups of " + b);
        }
        for (Examples g : groups) {
            if (g.rows().length > chunkSize) {
                throw new IllegalArgumentException("a group of " + g.rows().length + " examples exceeds the chunk size " + chunkSize);
            }
        }
        accumulate(params, groups, batchTotal, seed, step, augmentation, epoch, total, stats);
    }

    private void accumulate(float[] params, List<Examples> examples, int batchTotal, long seed, long step,
                            Augmentation augmentation, long epoch, FixedPointSum total, float[] stats) {
        List<int[]> chunks = new ArrayList<>();  // {examples index, first row, count}
        for (int e = 0; e < examples.size(); e++) {
            int rows = examples.get(e).rows().length;
            for (int r = 0; r < rows; r += chunkSize) {
                chunks.add(new int[]{e, r, Math.min(chunkSize, rows - r)});
            }
        }
        // The first thread adds straight into total; the others into their own sums, merged after.
        // Integer sums: the grouping does not change the result.
        if (pool == null || chunks.size() == 1) {
            for (int[] c : chunks) {
                run(replicas[0], params, examples.get(c[0]), c[1], c[2], batchTotal, seed, step, augmentation, epoch, total,
                        stats, c[0]);
            }
            return;
        }
        for (int t = 1; t < threads; t++) {  // left over from a step that failed
            if (!replicas[t].sum.isEmpty()) {
                replicas[t].sum.clear();
            }
        }
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Replica rep = replicas[t];
            FixedPointSum into = t == 0 ? total : rep.sum;
            int first = t;
            done.add(pool.submit(() -> {
                for (int i = first; i < chunks.size(); i += threads) {
                    int[] c = chunks.get(i);
                    run(rep, params, examples.get(c[0]), c[1], c[2], batchTotal, seed, step, augmentation, epoch, into, stats, c[0]);
                }
            }));
        }
        for (Future<?> f : done) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
        for (int t = 1; t < threads; t++) {
            total.merge(replicas[t].sum);
            replicas[t].sum.clear();
        }
    }

    private void run(Replica rep, float[] params, Examples ex, int firstRow, int count, int batchTotal, long seed,
                     long step, Augmentation augmentation, long epoch, FixedPointSum into, float[] stats, int unit) {
        loadChunk(ex, firstRow, count, def.inputShape(), normalization, rep.x, rep.labels, rep.ids, augmentation, seed, epoch);
        if (rep.dirty) {
            Arrays.fill(rep.grads, 0f);
        }
        rep.dirty = true;
        double loss = rep.net.lossAndGradient(params, rep.state, rep.grads, rep.x, rep.labels, null, count, batchTotal,
                new Pass(true, seed, step, rep.ids));
        if (stats != null) {  // each unit is one chunk here: its own slot, written by one thread
            float[] one = new float[def.bufferCount()];
            rep.net.batchStatistics(one);
            System.arraycopy(one, 0, stats, unit * one.length, one.length);
        }
        into.addAndZero(rep.grads, loss, count);
        rep.dirty = false;
        into.addCorrect(rep.net.correct());
    }

    /**
     * A chunk's engine input: rows {@code firstRow .. firstRow+count)} of {@code ex} copied into
     * {@code x} (normalized, when {@code normalization} is not null), with their labels and example ids.
     */
    public static void loadChunk(Examples ex, int firstRow, int count, Shape shape, Normalization normalization,
                                 float[] x, int[] labels, long[] ids) {
        loadChunk(ex, firstRow, count, shape, normalization, x, labels, ids, Augmentation.NONE, 0, 0);
    }

    /** As above, each example augmented (before normalization) by its draw for ({@code seed}, {@code epoch}, id). */
    public static void loadChunk(Examples ex, int firstRow, int count, Shape shape, Normalization normalization,
                                 float[] x, int[] labels, long[] ids, Augmentation augmentation, long seed, long epoch) {
        int size = shape.size();
        boolean augment = augmentation.enabled();
        for (int i = 0; i < count; i++) {
            int row = ex.rows()[firstRow + i];
            labels[i] = ex.labels()[row];
            ids[i] = ex.firstId() + row;
            if (augment) {
                augmentation.apply(ex.features(), row * size, x, i * size, shape, augmentation.draw(seed, epoch, ids[i]));
            } else {
                System.arraycopy(ex.features(), row * size, x, i * size, size);
            }
        }
        if (normalization != null) {
            normalization.apply(x, 0, count, shape);
        }
        if (augment && augmentation.erasing() > 0) {  // after normalization, as RandomErasing after Normalize
            for (int i = 0; i < count; i++) {
                Augmentation.erase(x, i * size, shape, augmentation.draw(seed, epoch, ids[i], shape.height(), shape.width()));
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
