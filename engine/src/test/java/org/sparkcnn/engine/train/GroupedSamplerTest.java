package org.sparkcnn.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Ghost groups for batch norm: whole groups inside one block, each example at most once, seeded. */
class GroupedSamplerTest {

    // blocks of 32 over 300 examples: 9 full blocks and one of 12
    private static final long[] FIRSTS = {0, 32, 64, 96, 128, 160, 192, 224, 256, 288};
    private static final int[] SIZES = {32, 32, 32, 32, 32, 32, 32, 32, 32, 12};

    @Test
    void groupsLiveInOneBlockAndCoverEachExampleAtMostOnce() {
        BatchSampler s = BatchSampler.grouped(3, FIRSTS, SIZES, 32, 8);
        assertEquals(8, s.groupSize());
        assertEquals(37 * 8, s.count(), "the last block's 4 left over sit the epoch out");
        assertEquals(10, s.stepsPerEpoch());
        assertEquals(8, s.batchLength(9));
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] p = s.permutation(epoch);
            assertEquals(296, p.length);
            for (int g = 0; g < 37; g++) {
                int block = p[g * 8] / 32;
                for (int i = 1; i < 8; i++) {
                    assertEquals(block, p[g * 8 + i] / 32, "group " + g + " of epoch " + epoch);
                }
            }
            int[] sorted = p.clone();
            Arrays.sort(sorted);
            for (int i = 1; i < sorted.length; i++) {
                assertTrue(sorted[i] > sorted[i - 1], "no example twice");
            }
            assertTrue(sorted[0] >= 0 && sorted[sorted.length - 1] < 300);
        }
        assertArrayEquals(s.permutation(1), BatchSampler.grouped(3, FIRSTS, SIZES, 64, 8).permutation(1),
                "the order does not depend on the batch size");
        assertFalse(Arrays.equals(s.permutation(0), s.permutation(1)));
        assertFalse(Arrays.equals(s.permutation(0), BatchSampler.grouped(4, FIRSTS, SIZES, 32, 8).permutation(0)));
    }

    @Test
    void theBatchMustHoldWholeGroups() {
        assertThrows(IllegalArgumentException.class, () -> BatchSampler.grouped(3, FIRSTS, SIZES, 36, 8));
        assertThrows(IllegalArgumentException.class, () -> BatchSampler.grouped(3, new long[]{0}, new int[]{4}, 8, 8));
    }
}
