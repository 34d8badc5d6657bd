package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The tuner on made-up timings: it keeps the fastest, leaves slow starters out, and times again later. */
class KernelChoiceTest {

    /** Runs calls until the choice is made; candidate i takes cost[i] ns per unit, candidate 2 100 times that on its first call ("not compiled yet"). */
    private static int[] drive(KernelChoice choice, double[] cost, int[] callsPer) {
        for (int call = 0; call < 10_000 && choice.chosenName() == null; call++) {
            int i = choice.pick();
            callsPer[i]++;
            double c = i == 2 && callsPer[i] <= 1 ? 100 * cost[i] : cost[i];
            choice.timed(i, (long) (c * 1000), 1000);
        }
        return callsPer;
    }

    @Test
    void leavesASlowStarterOutAfterOneCallAndFindsItWhenTimingAgain() {
        KernelChoice choice = KernelChoice.of("test slow starter " + System.nanoTime(), "a", "b", "c");
        assertNull(choice.chosenName(), "nothing chosen before the trials");
        double[] cost = {2, 3, 1};
        int[] calls = drive(choice, cost, new int[3]);
        assertEquals("a", choice.chosenName(), "c looked 50 times slower than a on its one call");
        assertEquals(KernelChoice.TRIALS, calls[0], "each candidate in the round is timed " + KernelChoice.TRIALS + " times");
        assertEquals(KernelChoice.TRIALS, calls[1]);
        assertEquals(1, calls[2], "the slow starter sat the round out after its first call");
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
}
