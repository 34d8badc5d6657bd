package org.sparkcnn.engine.ops;

import java.util.List;

/**
 * Compiles Vector API kernels before their first real call. Until the JIT's top tier has compiled a
 * kernel its vectors are plain Java objects, about a hundred times slower: one batch norm over a real
 * batch would take longer than its compilation. So each kernel class runs its kernels on tiny inputs
 * first, once per JVM.
 */
public final class JitWarmUp {

    private JitWarmUp() {
    }

    /**
     * Runs the kernels in turn, each in batches of 100 calls, until every one's batch is 20 times faster than
     * its first (compiled), or {@code nanos} have passed. In turn rather than one after another: the compiler
     * thread compiles one while the others still run toward its thresholds (docs/PERFORMANCE.md).
     */
    public static void untilCompiled(List<Runnable> kernels, long nanos) {
        long deadline = System.nanoTime() + nanos;
        int count = kernels.size();
        long[] first = new long[count];
        java.util.Arrays.fill(first, -1);
        boolean[] done = new boolean[count];
        for (int left = count; left > 0 && System.nanoTime() < deadline; ) {
            for (int k = 0; k < count; k++) {
                if (done[k]) {
                    continue;
                }
                long start = System.nanoTime();
                for (int i = 0; i < 100; i++) {
                    kernels.get(k).run();
                }
                long took = System.nanoTime() - start;
                if (first[k] < 0) {
                    first[k] = took;
                } else if (took * 20 < first[k]) {
                    done[k] = true;
                    left--;
                }
            }
        }
    }

    /**
     * {@link #untilCompiled} of {@code kernels} and, unless the JIT has 16 vector registers, of {@code wideTiles}, the
     * channels-last kernels' tiles of 24 accumulators, which are never offered there ({@link Lanes#NARROW_TILES_ONLY}).
     */
    static void untilCompiled(List<Runnable> kernels, List<Runnable> wideTiles, long nanos) {
        List<Runnable> here = new java.util.ArrayList<>(kernels);
        if (!Lanes.NARROW_TILES_ONLY) {
            here.addAll(wideTiles);
        }
        untilCompiled(here, nanos);
    }
}
