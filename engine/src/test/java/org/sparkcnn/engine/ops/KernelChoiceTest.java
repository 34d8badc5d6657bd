package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The tuner on made-up timings: it keeps the fastest, leaves slow starters out, and times again later. */
class KernelChoiceTest {

    /** For {@link #traceLogsEachDecisionAndRetrialWithItsTime}: one choice made, then used until it is timed again. */
    public static void main(String[] args) {
        KernelChoice choice = KernelChoice.of("traced", "slow", "fast");
        drive(choice, new double[]{2, 1}, new int[2]);
        for (int i = 0; i < KernelChoice.RETIME_AFTER[0]; i++) {
            choice.pick();
        }
        System.out.println("chosen=" + choice.chosenName());
    }

    /**
     * Runs calls until the choice is made; candidate i takes cost[i] ns per unit, each candidate 1000 times
     * that on its first call (its warm-up), candidate 2 100 times that on its next four ("not compiled yet").
     */
    private static int[] drive(KernelChoice choice, double[] cost, int[] callsPer) {
        for (int call = 0; call < 10_000 && choice.chosenName() == null; call++) {
            int i = choice.pick();
            callsPer[i]++;
            double c = callsPer[i] == 1 ? 1000 * cost[i] : i == 2 && callsPer[i] <= 5 ? 100 * cost[i] : cost[i];
            choice.timed(i, (long) (c * 1000), 1000);
        }
        return callsPer;
    }

    @Test
    void leavesASlowStarterOutAndFindsItWhenTimingAgain() {
        KernelChoice choice = KernelChoice.of("test slow starter " + System.nanoTime(), "a", "b", "c");
        assertNull(choice.chosenName(), "nothing chosen before the trials");
        double[] cost = {2, 3, 1};
        int[] calls = drive(choice, cost, new int[3]);
        assertEquals("a", choice.chosenName(), "c looked 50 times slower than a on its timed calls");
        assertEquals(KernelChoice.TRIALS + 1, calls[0], "each candidate in the round: one untimed call, then " + KernelChoice.TRIALS + " timed");
        assertEquals(KernelChoice.TRIALS + 1, calls[1]);
        assertEquals(3, calls[2], "the slow starter, not getting faster, sat the round out after its second timed call");
        for (int i = 0; i < KernelChoice.RETIME_AFTER[0] - 1; i++) {
            assertEquals(0, choice.pick());
        }
        // The retrial times every candidate again, the one left out too, which is now compiled and fastest.
        int[] again = new int[3];
        for (int call = 0; call < 1000 && (call == 0 || choice.chosenName() == null); call++) {
            int i = choice.pick();
            again[i]++;
            choice.timed(i, (long) (cost[i] * 1000), 1000);
        }
        assertEquals("c", choice.chosenName());
        assertEquals(KernelChoice.TRIALS, again[2], "the retrial timed the one left out " + KernelChoice.TRIALS + " times");
        assertTrue(KernelChoice.report().stream().anyMatch(l -> l.contains("test slow starter") && l.contains(": c (")),
                KernelChoice.report().toString());
    }

    @Test
    void timesTheCandidatesAgainAfterItsFirstUses() {
        KernelChoice choice = KernelChoice.of("test retime " + System.nanoTime(), "a", "b");
        drive(choice, new double[]{1, 2}, new int[2]);
        assertEquals("a", choice.chosenName());
        for (int i = 0; i < KernelChoice.RETIME_AFTER[0] - 1; i++) {
            assertEquals(0, choice.pick());
        }
        // Now "b" has become the faster one (as when the JIT compiles it late): the retrial finds it.
        int[] calls = new int[2];
        for (int call = 0; call < 1000 && calls[1] < KernelChoice.TRIALS; call++) {
            int i = choice.pick();
            calls[i]++;
            choice.timed(i, i == 0 ? 2000 : 1000, 1000);
        }
        assertEquals("b", choice.chosenName());
        assertEquals(1, choice.pick());
    }

    @Test
    void doesNotTimeACandidatesFirstCall() {
        KernelChoice choice = KernelChoice.of("test first call " + System.nanoTime(), "a", "b");
        int[] calls = new int[2];
        for (int call = 0; call < 1000 && choice.chosenName() == null; call++) {
            int i = choice.pick();
            calls[i]++;
            // b is the faster one, but its first call carries a warm-up 100 times its cost.
            double c = i == 0 ? 2 : calls[1] == 1 ? 100 : 1;
            choice.timed(i, (long) (c * 1000), 1000);
        }
        assertEquals("b", choice.chosenName(), "a first call with the warm-up in it would have left b out");
        assertEquals(KernelChoice.TRIALS + 1, calls[1]);
    }

    @Test
    void keepsTimingACandidateWhileItGetsFaster() {
        KernelChoice choice = KernelChoice.of("test compiling " + System.nanoTime(), "a", "b");
        int[] calls = new int[2];
        double[] bFirstCalls = {500, 100, 30, 8};  // untimed warm-up, then compiling: each at least twice as fast
        for (int call = 0; call < 1000 && choice.chosenName() == null; call++) {
            int i = choice.pick();
            calls[i]++;
            double c = i == 0 ? 2 : calls[1] <= bFirstCalls.length ? bFirstCalls[calls[1] - 1] : 1;
            choice.timed(i, (long) (c * 1000), 1000);
        }
        assertEquals("b", choice.chosenName(), "b was 4 to 50 times slower than a while it got faster, then faster than a");
        assertEquals(KernelChoice.TRIALS + 1, calls[1]);
    }

    static volatile byte[] sink;

    @Test
    void setsAsideTimedCallsThatAllocateAsUncompiledCodeDoes() {
        KernelChoice choice = KernelChoice.of("test uncompiled " + System.nanoTime(), "a", "b");
        int[] calls = new int[2];
        int uncompiledCalls = 20;  // b's calls after its first: its vectors are objects, and its times look 50x a's
        for (int call = 0; call < 1000 && choice.chosenName() == null; call++) {
            int i = choice.pick();
            calls[i]++;
            boolean objects = i == 1 && calls[1] <= 1 + uncompiledCalls;
            if (objects) {
                sink = new byte[(int) KernelChoice.UNCOMPILED_BYTES * 2];
            }
            choice.timed(i, objects ? 100_000 : i == 0 ? 2000 : 1000, 1000);
        }
        assertEquals("b", choice.chosenName(), "b's uncompiled calls were not taken for its speed");
        assertEquals(1 + uncompiledCalls + KernelChoice.TRIALS, calls[1], "the first call, the set-aside ones, then the trials");
        assertTrue(KernelChoice.MAX_UNCOMPILED > uncompiledCalls);
    }

    /** Drives a choice whose candidate b allocates on every call taking {@code bNanos}; returns b's calls. */
    private static int neverCompiled(long bNanos) {
        KernelChoice choice = KernelChoice.of("test never compiled " + bNanos + " " + System.nanoTime(), "a", "b");
        int[] calls = new int[2];
        for (int call = 0; call < 10_000 && choice.chosenName() == null; call++) {
            int i = choice.pick();
            calls[i]++;
            if (i == 1) {
                sink = new byte[(int) KernelChoice.UNCOMPILED_BYTES * 2];
            }
            choice.timed(i, i == 0 ? 2000 : bNanos, 1000);
        }
        assertEquals("a", choice.chosenName());
        return calls[1];
    }

    @Test
    void timesACandidateThatNeverStopsAllocatingAfterTheLimits() {
        assertEquals(1 + KernelChoice.MAX_UNCOMPILED + 2, neverCompiled(100_000),
                "0.1 ms calls: set aside up to the count, then timed and left out as slow");
        long slow = 200_000_000L;
        assertEquals(1 + KernelChoice.MAX_UNCOMPILED_NANOS / slow + 2, neverCompiled(slow),
                "200 ms calls: set aside up to the time limit");
    }

    @Test
    void traceLogsEachDecisionAndRetrialWithItsTime() throws Exception {
        long before = System.currentTimeMillis() - 1000;  // another JVM's clock: a second of slack
        String traced = ChildJvm.run(KernelChoiceTest.class, 128, 2, "-Dsparkcnn.traceChoices=true");
        long after = System.currentTimeMillis() + 1000;
        java.util.regex.Matcher decided = java.util.regex.Pattern.compile(
                "kernel choice (\\d+) round 1 traced: fast \\(slow 2\\.00, fast 1\\.00 ns per unit\\)\\R").matcher(traced);
        assertTrue(decided.find(), traced);
        java.util.regex.Matcher retimed = java.util.regex.Pattern.compile("kernel choice (\\d+) retiming traced\\R").matcher(traced);
        assertTrue(retimed.find(decided.end()), "a retrial after the decision: " + traced);
        long at = Long.parseLong(decided.group(1)), again = Long.parseLong(retimed.group(1));
        assertTrue(before <= at && at <= again && again <= after, "the times, " + at + " and " + again + ", in order and within the child's run: " + traced);
        assertTrue(traced.contains("chosen=null"), "timing again after " + KernelChoice.RETIME_AFTER[0] + " uses: " + traced);
        String quiet = ChildJvm.run(KernelChoiceTest.class, 128, 2);
        assertTrue(quiet.contains("chosen=null") && !quiet.contains("kernel choice"), "no trace without the property: " + quiet);
    }
}
