package org.sparkcnn.jobs.run;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall time and this JVM's JIT and GC time since the previous lap: where an epoch's seconds went.
 * A new JVM's first epoch pays for compiling Spark's and the engine's code (docs/PERFORMANCE.md).
 * In local mode the executors share this JVM; on a cluster these are the driver's figures only.
 */
public final class EpochClock {

    private long nanos = System.nanoTime();
    private long jit = jitMillis();
    private long gc = gcMillis();

    /** Seconds since the previous lap: {wall, JIT compiling, GC}. */
    public double[] lap() {
        long n = System.nanoTime(), j = jitMillis(), g = gcMillis();
        double[] out = {(n - nanos) / 1e9, (j - jit) / 1e3, (g - gc) / 1e3};
        nanos = n;
        jit = j;
        gc = g;
        return out;
    }

    /** A metrics.jsonl record of one epoch's lap. */
    public static Map<String, Object> record(int epoch, long step, double[] lap) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "epoch");
        r.put("epoch", epoch);
        r.put("step", step);
        r.put("seconds", lap[0]);
        r.put("jvm_jit_seconds", lap[1]);
        r.put("jvm_gc_seconds", lap[2]);
        return r;
    }

    /** Milliseconds this JVM's JIT compilers have spent so far (all compiler threads), or 0 if not reported. */
    private static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** Milliseconds this JVM's garbage collectors have spent so far. */
    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }
}
