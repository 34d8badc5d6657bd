package org.sparkcnn.jobs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.train.GradientWorker;

/**
 * Executor-side cache of gradient workers (network replicas and their buffers), so a task borrows
 * preallocated memory instead of building a network every step. Several tasks may run in one
 * executor at once; each borrows its own worker.
 */
final class WorkerPool {

    private static final Map<String, ConcurrentLinkedDeque<GradientWorker>> IDLE = new ConcurrentHashMap<>();

    private WorkerPool() {
    }

    static GradientWorker borrow(String modelJson, Normalization norm, int chunkSize, int threads) {
        String key = key(modelJson, norm, chunkSize, threads);
        GradientWorker w = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).pollFirst();
        return w != null ? w : new GradientWorker(ModelDefinition.fromJson(modelJson), norm, chunkSize, threads);
    }

    static void giveBack(String modelJson, Normalization norm, int chunkSize, int threads, GradientWorker w) {
        IDLE.computeIfAbsent(key(modelJson, norm, chunkSize, threads), k -> new ConcurrentLinkedDeque<>()).addFirst(w);
    }

    private static String key(String modelJson, Normalization norm, int chunkSize, int threads) {
        return norm + "/" + chunkSize + "/" + threads + "/" + modelJson;
    }
}
