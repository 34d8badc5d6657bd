package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Helpers of the tests that compare two ways of running a network bit for bit. */
final class Bits {

    private Bits() {
    }

    /** The floats' raw bits equal, entry by entry (so -0 differs from +0, and NaNs by payload). */
    static void assertBits(float[] expected, float[] actual, String what) {
        int[] e = new int[expected.length], a = new int[actual.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Float.floatToRawIntBits(expected[i]);
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = Float.floatToRawIntBits(actual[i]);
        }
        assertArrayEquals(e, a, what);
    }

    /** The index of the node named {@code node}. */
    static int index(ModelDefinition def, String node) {
        for (int i = 0; i < def.layers().size(); i++) {
            if (def.layers().get(i).name().equals(node)) {
                return i;
            }
        }
        throw new AssertionError(def.name() + " has no node '" + node + "'");
    }
}
