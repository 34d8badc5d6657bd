package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The tuner on made-up timings: it keeps the fastest, waits for slow starters, and times again later. */
class KernelChoiceTest {

    /** Runs calls until the choice is made; candidate i takes cost[i] ns per unit, candidate 2 only after its 20th call. */
    private static int[] drive(KernelChoice choice, double[] cost, int[] callsPer) {
        for (int call = 0; call < 10_000 && choice.chosenName() == null; call++) {
            int i = choice.pick();
            callsPer[i]++;
            double c = i == 2 && callsPer[i] <= 20 ? 100 * cost[i] : cost[i];  // "not compiled yet"
            choice.timed(i, (long) (c * 1000), 1000);
        }
        return callsPer;
    }

    @Test
    void picksTheFastestCandidateEvenWhenItStartsSlow() {
        KernelChoice choice = KernelChoice.of("test slow starter " + System.nanoTime(), "a", "b", "c");
        assertNull(choice.chosenName(), "nothing chosen before the trials");
        int[] calls = drive(choice, new double[]{2, 3, 1}, new int[3]);
        assertEquals("c", choice.chosenName());
        assertEquals(KernelChoice.TRIALS, calls[0], "each candidate is timed " + KernelChoice.TRIALS + " times");
        assertTrue(calls[2] > 20, "the slow starter got more trials: " + calls[2]);
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
