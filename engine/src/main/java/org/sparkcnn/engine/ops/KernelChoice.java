package org.sparkcnn.engine.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Picks, for one call site and shape, the fastest of several kernels that give the same bits, by
 * timing them on the real calls. The first calls rotate through the candidates; after
 * {@link #TRIALS} timed calls each, the one with the lowest time per unit of work (its fastest call:
 * noise and a JIT that has not compiled it yet only make calls slower) is used from then on. A
 * candidate more than {@link #DROP_SLOWER} times slower than the best so far is left out of the round
 * after its second timed call, unless that call was at least twice as fast as the first: then the JIT is
 * compiling it (a warm-up may leave a kernel at the first tier, whose vectors are objects) and it stays
 * while it keeps halving; one the JIT will not compile would cost as much on every call (3 to 80 times
 * slower; docs/PERFORMANCE.md, "Slow JVMs looked into"). The
 * trials run again after {@link #RETIME_AFTER} uses of a choice, when the JIT has compiled every
 * candidate (the first trials often see only the first one compiled), the left-out ones included.
 * A candidate's first call for a key is not timed: it carries one-time costs (its class's warm-up, up
 * to a second, ran inside it; the vector max pool was timed at 13-24 times the scalar one for that
 * and left out: docs/PERFORMANCE.md, "Slow JVMs: found").
 * A timed call that allocated more than {@link #UNCOMPILED_BYTES} ran the Vector API's vectors as Java
 * objects (C1's code, or the interpreter's: C2 alone keeps them in registers), so its time says nothing of
 * the compiled kernel: it is set aside, and the candidate stays in the round, so its calls drive the JIT to
 * compile it, up to {@link #MAX_UNCOMPILED} such calls or {@link #MAX_UNCOMPILED_NANOS} of them (a kernel the
 * JIT does not compile is then timed as it is). The warm-ups on tiny inputs stop at C1 (a warm-up that
 * waited for C2 was not faster), and before this the vector max pool was timed at 160-2,070 ns a cell
 * against 1.4-4.3 compiled and left out (docs/PERFORMANCE.md, "The tuner times compiled code").
 * Since every candidate gives the same bits, which one runs can never change a result. One choice per
 * key per JVM, shared by all threads; {@link #report()} lists them for the logs.
 */
public final class KernelChoice {

    /** Timed calls per candidate before the choice is made. */
    static final int TRIALS = 16;

    /** A candidate this many times slower than the best so far sits out the rest of the round. */
    static final double DROP_SLOWER = 3;

    /** Uses of a choice after which its candidates are timed again: one retrial after each. */
    static final int[] RETIME_AFTER = {500, 20_000};

    /** A call that allocated more than this many bytes ran uncompiled vector code: one vector object is about 100. */
    static final long UNCOMPILED_BYTES = 4096;

    /** Calls of a candidate set aside as uncompiled, per round, before its calls are timed as they come... */
    static final int MAX_UNCOMPILED = 256;

    /** ... or nanoseconds of them: what a kernel the JIT does not compile can cost in a round. */
    static final long MAX_UNCOMPILED_NANOS = 1_000_000_000L;

    /** {@code -Dsparkcnn.traceChoices=true}: each decision to standard error, with the time and the round. */
    private static final boolean TRACE = Boolean.getBoolean("sparkcnn.traceChoices");

    private static final Map<String, KernelChoice> ALL = new ConcurrentSkipListMap<>();

    /** The current thread's allocated bytes, or null where the JVM does not count them. */
    private static final com.sun.management.ThreadMXBean THREADS = allocationCounter();

    /** The calling thread's allocated bytes when {@link #pick} returned a candidate to time. */
    private static final ThreadLocal<long[]> ALLOCATED_AT_PICK = ThreadLocal.withInitial(() -> new long[1]);

    private static com.sun.management.ThreadMXBean allocationCounter() {
        try {
            if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
                return t;
            }
        } catch (RuntimeException | LinkageError e) {
            // no counter: every timed call counts
        }
        return null;
    }

    private final String key;
    private final String[] candidates;
    private final double[][] times;
    private final int[] counts;
    private final boolean[] called;  // once, untimed
    private final int[] uncompiled;  // calls set aside this round
    private final long[] uncompiledNanos;
    private int calls;
    private int uses;    // of the current choice; counted without locking, so roughly
    private int rounds;  // of trials finished
    private volatile int chosen;

    private KernelChoice(String key, String[] candidates) {
        this.key = key;
        this.candidates = candidates.clone();
        this.times = new double[candidates.length][TRIALS];
        this.counts = new int[candidates.length];
        this.called = new boolean[candidates.length];
        this.uncompiled = new int[candidates.length];
        this.uncompiledNanos = new long[candidates.length];
        this.chosen = candidates.length == 1 ? 0 : -1;
        this.rounds = candidates.length == 1 ? RETIME_AFTER.length + 1 : 0;
    }

    /** The choice for {@code key} (a call site and its shape), created on first use. */
    public static KernelChoice of(String key, String... candidates) {
        KernelChoice c = ALL.computeIfAbsent(key, k -> new KernelChoice(k, candidates));
        if (!Arrays.equals(c.candidates, candidates)) {
            throw new IllegalStateException("kernel choice '" + key + "' exists with other candidates");
        }
        return c;
    }

    /** A choice fixed on candidate {@code index}, never timed nor listed in {@link #report()}: to run one path on purpose (tests). */
    static KernelChoice pinned(String key, String[] candidates, int index) {
        KernelChoice c = new KernelChoice(key, candidates);
        c.chosen = index;
        c.rounds = RETIME_AFTER.length + 1;
        return c;
    }

    /** The candidate to run now: the chosen one, or the next to time. */
    public int pick() {
        int c = chosen;
        if (c >= 0 && (rounds > RETIME_AFTER.length || ++uses < RETIME_AFTER[rounds - 1])) {
            return c;
        }
        synchronized (this) {
            if (chosen >= 0 && rounds <= RETIME_AFTER.length && uses >= RETIME_AFTER[rounds - 1]) {
                java.util.Arrays.fill(counts, 0);  // time them all again
                java.util.Arrays.fill(uncompiled, 0);
                java.util.Arrays.fill(uncompiledNanos, 0);
                uses = 0;
                chosen = -1;
                if (TRACE) {
                    System.err.println("kernel choice " + System.currentTimeMillis() + " retiming " + key);
                }
            }
            if (chosen >= 0) {
                return chosen;
            }
            if (THREADS != null) {
                ALLOCATED_AT_PICK.get()[0] = THREADS.getCurrentThreadAllocatedBytes();
            }
            double bestFastest = fastest(best());
            for (int i = 0; i < candidates.length; i++) {  // the next candidate still in the round
                int next = (calls + i) % candidates.length;
                if (inRound(next, bestFastest)) {
                    calls = next + 1;
                    return next;
                }
            }
            return best();
        }
    }

    /**
     * Records that candidate {@code index}, called since this thread's last {@link #pick}, took {@code nanos} for
     * {@code work} units (no effect once chosen; set aside if the call allocated as uncompiled code does).
     */
    public void timed(int index, long nanos, double work) {
        if (chosen >= 0) {
            return;
        }
        long bytes = THREADS == null ? 0 : THREADS.getCurrentThreadAllocatedBytes() - ALLOCATED_AT_PICK.get()[0];
        synchronized (this) {
            if (chosen >= 0 || counts[index] >= TRIALS) {
                return;
            }
            if (!called[index]) {
                called[index] = true;
                return;
            }
            if (bytes > UNCOMPILED_BYTES && uncompiled[index] < MAX_UNCOMPILED && uncompiledNanos[index] < MAX_UNCOMPILED_NANOS) {
                uncompiled[index]++;
                uncompiledNanos[index] += nanos;
                return;
            }
            times[index][counts[index]++] = nanos / Math.max(1, work);
            int best = best();
            for (int i = 0; i < candidates.length; i++) {
                if (inRound(i, fastest(best))) {
                    return;
                }
            }
            rounds++;
            chosen = best;
            if (TRACE) {
                System.err.println("kernel choice " + System.currentTimeMillis() + " round " + rounds + " " + line(this, best));
            }
        }
    }

    /**
     * Whether candidate i still takes trial calls: fewer than {@link #TRIALS}, and not {@link #DROP_SLOWER}
     * times slower than the best's {@code bestFastest} unless its last call was at least twice as fast as the
     * one before (the JIT is compiling it) or it has had only one timed call.
     */
    private boolean inRound(int i, double bestFastest) {
        int n = counts[i];
        if (n >= TRIALS) {
            return false;
        }
        boolean slow = n > 0 && fastest(i) > DROP_SLOWER * bestFastest;
        return !slow || n == 1 || 2 * times[i][n - 1] <= times[i][n - 2];
    }

    private int best() {
        int best = 0;
        for (int i = 1; i < candidates.length; i++) {
            if (fastest(i) < fastest(best)) {
                best = i;
            }
        }
        return best;
    }

    /** The candidate's fastest timed call per unit, or infinity before its first. */
    private double fastest(int index) {
        double min = Double.POSITIVE_INFINITY;
        for (int t = 0; t < counts[index]; t++) {
            min = Math.min(min, times[index][t]);
        }
        return min;
    }

    /** The candidates' names, in their order. */
    List<String> candidates() {
        return List.of(candidates);
    }

    /** The chosen candidate's index, or -1 while the candidates are being timed (not a use: {@link #pick} counts those). */
    int chosenIndex() {
        return chosen;
    }

    /** The chosen candidate's name, or null while the candidates are being timed. */
    public String chosenName() {
        int c = chosen;
        return c >= 0 ? candidates[c] : null;
    }

    /** One line per decided choice: key, the chosen candidate, and each candidate's fastest time per unit. */
    public static List<String> report() {
        List<String> lines = new ArrayList<>();
        for (KernelChoice c : ALL.values()) {
            synchronized (c) {  // a retrial resets the times and the choice under this lock
                if (c.chosen >= 0 && c.candidates.length > 1) {
                    lines.add(line(c, c.chosen));
                }
            }
        }
        return lines;
    }

    /** Key, candidate {@code chosen}, and each candidate's fastest time per unit (the caller holds c's lock). */
    private static String line(KernelChoice c, int chosen) {
        StringBuilder sb = new StringBuilder(c.key).append(": ").append(c.candidates[chosen]).append(" (");
        for (int i = 0; i < c.candidates.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(c.candidates[i]).append(' ')
                    .append(String.format(java.util.Locale.ROOT, "%.3g", c.fastest(i)));
        }
        return sb.append(" ns per unit)").toString();
    }
}
