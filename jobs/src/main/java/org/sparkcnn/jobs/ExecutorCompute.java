package org.sparkcnn.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.train.FixedPointSum;
import org.sparkcnn.engine.train.GradientWorker;

/**
 * An executor's cores as one pool of engine threads that all its training tasks share. A step's work
 * splits over the tasks by where its examples live (a batch-norm step of 4 ghost groups over 2 tasks
 * can split 3 to 1): with a thread per task, the lighter task's core idles while the heavier one
 * works. Here every task puts its units (chunks, or ghost groups) in the executor's pool, whose
 * threads, one per core, take units from whichever task has them left, and the task waits for its
 * own. Each thread keeps its own engine replica per model. The sums are exact, so which thread adds
 * which unit changes no bit.
 */
final class ExecutorCompute {

    private static ExecutorService pool;
    private static int threads;
    private static final ThreadLocal<Map<String, GradientWorker>> WORKERS = ThreadLocal.withInitial(HashMap::new);

    private ExecutorCompute() {
    }

    /** The pool, sized to the executor's cores: {@code spark.executor.cores}, else local[N]'s N, else the machine's. */
    static synchronized int threads() {
        if (pool == null) {
            threads = executorCores(SparkEnv.get() == null ? null : SparkEnv.get().conf());
            pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "sparkcnn-executor-compute");
                t.setDaemon(true);
                return t;
            });
        }
        return threads;
    }

    static int executorCores(SparkConf conf) {
        int machine = Runtime.getRuntime().availableProcessors();
        if (conf == null) {
            return machine;
        }
        if (conf.contains("spark.executor.cores")) {
            return Math.max(1, conf.getInt("spark.executor.cores", 1));
        }
        String master = conf.get("spark.master", "");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)").matcher(master);
        if (m.lookingAt()) {
            return m.group(1).equals("*") ? machine : Math.max(1, Integer.parseInt(m.group(1)));
        }
        return master.equals("local") ? 1 : machine;
    }

    /**
     * Adds the gradients of {@code units} into {@code total} and, with batch norm ({@code stats} not
     * null), writes unit i's batch statistics at {@code stats[i * bufferCount]}: units are chunks of at
     * most {@code share.chunk()} examples, or ghost groups, each one engine call.
     */
    static void accumulate(PartitionShare share, List<GradientWorker.Examples> units, float[] weights, int length,
                           long step, int epoch, FixedPointSum total, float[] stats) {
        int n = threads();
        int parts = Math.min(n, units.size());
        AtomicInteger next = new AtomicInteger();
        List<Future<FixedPointSum>> done = new ArrayList<>(parts);
        for (int t = 0; t < parts; t++) {
            done.add(pool.submit(() -> {
                GradientWorker worker = worker(share);
                FixedPointSum sum = new FixedPointSum();
                float[] one = stats == null ? null : new float[share.bufferCount()];
                for (int i = next.getAndIncrement(); i < units.size(); i = next.getAndIncrement()) {
                    if (stats == null) {
                        worker.accumulate(weights, List.of(units.get(i)), length, share.seed(), step, share.augmentation(),
                                epoch, sum);
                    } else {
                        worker.accumulateGroups(weights, List.of(units.get(i)), length, share.seed(), step,
                                share.augmentation(), epoch, sum, one);
                        System.arraycopy(one, 0, stats, i * one.length, one.length);
                    }
                }
                return sum;
            }));
        }
        for (Future<FixedPointSum> f : done) {
            try {
                FixedPointSum part = f.get();
                if (!part.isEmpty()) {
                    total.merge(part);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** This pool thread's single-threaded worker for the share's model. */
    private static GradientWorker worker(PartitionShare share) {
        int batch = share.groupSize() > 0 ? share.groupSize() : share.chunk();
        String key = share.norm() + "/" + batch + "/" + share.modelJson();
        return WORKERS.get().computeIfAbsent(key,
                k -> new GradientWorker(ModelDefinition.fromJson(share.modelJson()), share.norm(), batch, 1));
    }

    /** The units of {@code examples} cut into chunks of at most {@code chunk} rows, in row order, as GradientWorker cuts them. */
    static List<GradientWorker.Examples> chunks(List<GradientWorker.Examples> examples, int chunk) {
        List<GradientWorker.Examples> out = new ArrayList<>();
        for (GradientWorker.Examples e : examples) {
            int rows = e.rows().length;
            for (int r = 0; r < rows; r += chunk) {
                out.add(new GradientWorker.Examples(e.features(), e.labels(), e.firstId(),
                        java.util.Arrays.copyOfRange(e.rows(), r, Math.min(rows, r + chunk))));
            }
        }
        return out;
    }
}
