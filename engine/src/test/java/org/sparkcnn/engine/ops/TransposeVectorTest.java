package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The channels-last transpose on the Vector API (blocks in registers, gathers for the rest) against its scalar twin. */
class TransposeVectorTest {

    @Test
    void movesEveryFloatAsTheScalarLoopDoes() {
        int l = Lanes.L;
        SplittableRandom rng = new SplittableRandom(18);
        int[] channels = {l, 2 * l, 4 * l, l + 1, 5, 3 * l - 1};
        int[] positions = {l, 3 * l, 3 * l + 5, 49, 196, 7, 1};
        for (int o : channels) {
            for (int hw : positions) {
                for (int extra : new int[]{0, 7}) {
                    int ld = hw + extra, from = rng.nextInt(5), to = rng.nextInt(5);
                    int op = (o + l - 1) / l * l + (extra == 0 ? 0 : l);
                    float[] x = new float[from + o * ld];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = i % 11 == 0 ? -0f : (float) rng.nextGaussian();
                    }
                    float[] vector = new float[to + hw * op], scalar = new float[vector.length];
                    java.util.Arrays.fill(vector, Float.NaN);
                    java.util.Arrays.fill(scalar, Float.NaN);
                    TransposeVector.channelsLast(x, from, o, hw, ld, vector, to, op, new int[op]);
                    TransposeVector.channelsLastScalar(x, from, o, hw, ld, scalar, to, op);
                    for (int i = 0; i < vector.length; i++) {
                        assertEquals(Float.floatToRawIntBits(scalar[i]), Float.floatToRawIntBits(vector[i]),
                                "O=" + o + " HW=" + hw + " ld=" + ld + " op=" + op + " at " + i + " (" + l + " lanes)");
                    }
                }
            }
        }
    }
}
