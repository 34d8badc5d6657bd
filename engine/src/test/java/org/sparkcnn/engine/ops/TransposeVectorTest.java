package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The channels-last transposes on the Vector API (blocks in registers, gathers or single floats for the rest) against plain loops. */
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

    @Test
    void turnsRowsBackIntoPlanesAsThePlainLoopDoes() {
        int l = Lanes.L;
        SplittableRandom rng = new SplittableRandom(19);
        for (int m : new int[]{l, 2 * l, 4 * l, 5, l + 3}) {
            for (int n : new int[]{l, 3 * l, 3 * l + 5, 49, 196, 7, 1}) {
                for (int extra : new int[]{0, 7}) {
                    int ld = n + extra, from = rng.nextInt(5), to = rng.nextInt(5);
                    float[] x = new float[from + n * m + rng.nextInt(3)];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = i % 11 == 0 ? -0f : (float) rng.nextGaussian();
                    }
                    float[] vector = new float[to + m * ld], plain = new float[vector.length];
                    java.util.Arrays.fill(vector, Float.NaN);
                    java.util.Arrays.fill(plain, Float.NaN);
                    TransposeVector.planes(x, from, m, n, vector, to, ld);
                    for (int p = 0; p < n; p++) {
                        for (int r = 0; r < m; r++) {
                            plain[to + r * ld + p] = x[from + p * m + r];
                        }
                    }
                    for (int i = 0; i < vector.length; i++) {
                        assertEquals(Float.floatToRawIntBits(plain[i]), Float.floatToRawIntBits(vector[i]),
                                "M=" + m + " N=" + n + " ld=" + ld + " at " + i + " (" + l + " lanes)");
                    }
                }
            }
        }
    }
}
