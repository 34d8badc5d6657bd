package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Batch norm's per-channel sums follow docs/ENGINE.md's order bit for bit: 16 double partial sums,
 * cell q of each example's plane into partial q mod 16, examples in turn, then the fixed tree. Rows of
 * 49 cells (7x7) leave a remainder, so a partial continues across examples. The data spans many
 * magnitudes, so a single running sum gives other bits (the order matters and is checked).
 */
class BatchNormOrderTest {

    private static final int N = 3, C = 2, HW = 49;

    /** Partial q mod 16 takes {@code fma(a(x), b(x), partial)} for each cell (a plain sum: a = x, b = 1). */
    private static double documentedSum(float[] x, int ch, java.util.function.DoubleUnaryOperator a, java.util.function.DoubleUnaryOperator b) {
        double[] part = new double[16];
        for (int n = 0; n < N; n++) {
            for (int q = 0; q < HW; q++) {
                float v = x[(n * C + ch) * HW + q];
                part[q % 16] = Math.fma(a.applyAsDouble(v), b.applyAsDouble(v), part[q % 16]);
            }
        }
        return tree(part);
    }

    private static double tree(double[] s) {
        return (((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])))
                + (((s[8] + s[9]) + (s[10] + s[11])) + ((s[12] + s[13]) + (s[14] + s[15])));
    }

    private static float[] wideRange(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[N * C * HW];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((rng.nextDouble() - 0.3) * Math.pow(10, rng.nextInt(-3, 6)));
        }
        return x;
    }

    @Test
    void statisticsAndBackwardSumsUseTheDocumentedOrder() {
        float[] x = wideRange(1), dy = wideRange(2);
        float[] params = {1.5f, -0.5f, 0.25f, 2f};  // gamma (2), beta (2)
        double[] mean = new double[C], var = new double[C], invstd = new double[C];
        BatchNormOps.forwardTrain(new float[x.length], x, params, 0, 2, N, C, HW, 1e-5, mean, var, invstd);
        float[] grads = new float[4];
        BatchNormOps.backward(null, grads, dy, x, params, 0, 2, N, C, HW, true, mean, invstd);
        int m = N * HW;
        boolean singleChainDiffers = false, eightDiffers = false, unfusedDiffers = false;
        for (int ch = 0; ch < C; ch++) {
            double mu = documentedSum(x, ch, v -> v, v -> 1) / m;
            assertEquals(mu, mean[ch], 0.0, "mean of channel " + ch);
            assertEquals(documentedSum(x, ch, v -> v - mu, v -> v - mu) / m, var[ch], 0.0, "variance of channel " + ch);
            double[] part = new double[16];
            for (int b = 0; b < N; b++) {
                for (int q = 0; q < HW; q++) {
                    int p = (b * C + ch) * HW + q;
                    part[q % 16] = Math.fma(dy[p], x[p] - mu, part[q % 16]);
                }
            }
            double sdyx = tree(part) * invstd[ch];
            assertEquals((float) sdyx, grads[ch], 0f, "dgamma of channel " + ch);
            assertEquals((float) documentedSum(dy, ch, v -> v, v -> 1), grads[2 + ch], 0f, "dbeta of channel " + ch);
            // The backward sums in double, partial by partial, from the scalar loop and (when present) the vector one.
            double[] dyParts = new double[16], dydParts = new double[16], dyVec = new double[16], dydVec = new double[16];
            double a = params[ch] * invstd[ch];
            for (int b = 0; b < N; b++) {
                int off = (b * C + ch) * HW;
                BatchNormOps.sumDyAndDyDev16(dy, false, x, off, HW, mu, a, params[2 + ch], dyParts, dydParts);
                if (VectorSupport.AVAILABLE) {
                    BatchNormVector.sumDyAndDyDev16(dy, false, x, off, HW, mu, a, params[2 + ch], dyVec, dydVec);
                }
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(part, dydParts, 0.0, "dy*(x - mean) partials of channel " + ch);
            if (VectorSupport.AVAILABLE) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(part, dydVec, 0.0, "vector dy*(x - mean) partials of channel " + ch);
                org.junit.jupiter.api.Assertions.assertArrayEquals(dyParts, dyVec, 0.0, "vector dy partials of channel " + ch);
            }
            // Other orders give other bits on this data: one running sum, 8 partials, a product then an add.
            double chain = 0;
            double[] eight = new double[8];
            double[] unfused = new double[16];
            for (int b = 0; b < N; b++) {
                for (int q = 0; q < HW; q++) {
                    float v = x[(b * C + ch) * HW + q];
                    chain += v;
                    eight[q % 8] += v;
                    int p = (b * C + ch) * HW + q;
                    unfused[q % 16] += dy[p] * (x[p] - mu);
                }
            }
            singleChainDiffers |= chain / m != mean[ch];
            eightDiffers |= (((eight[0] + eight[1]) + (eight[2] + eight[3])) + ((eight[4] + eight[5]) + (eight[6] + eight[7]))) / m != mean[ch];
            unfusedDiffers |= !java.util.Arrays.equals(unfused, part);
        }
        assertTrue(eightDiffers, "the data tells 16 partials from 8");
        assertTrue(unfusedDiffers, "the data tells fused steps from a product then an add (the dy*(x - mean) partials)");
        assertTrue(singleChainDiffers, "the data tells the orders apart");
    }

    /**
     * The fused ReLU's test at its edges: the vector kernels decide "{@code (float) y} has bits <= 0" in
     * double (y's bits at most 2^-150's), the scalar one by rounding. With gamma 0 every cell's y is beta,
     * so each beta below puts a whole plane (vector lanes and the scalar tail) on one side of the edge.
     */
    @Test
    void reluTestAgreesWithTheScalarKernelAtTheRoundingEdge() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.AVAILABLE, "no vector kernels in this JVM");
        double edge = 0x1p-150;
        double[] betas = {edge, Math.nextUp(edge), Math.nextDown(edge), 0x1p-149, 0.0, -0.0, -0x1p-160, -1.0, 1.0,
                Double.NaN, Double.longBitsToDouble(0xfff8000000000000L), Double.NEGATIVE_INFINITY};
        int len = 61;
        float[] x = wideRange(3), dout = wideRange(4);
        int changed = 0, maskedGradients = 0;
        for (double beta : betas) {
            double[] dyS = new double[16], dyxS = new double[16], dyV = new double[16], dyxV = new double[16];
            BatchNormOps.sumDyAndDyDev16(dout, true, x, 0, len, 0.5, 0, beta, dyS, dyxS);
            BatchNormVector.sumDyAndDyDev16(dout, true, x, 0, len, 0.5, 0, beta, dyV, dyxV);
            String at = "beta " + beta + " (bits " + Long.toHexString(Double.doubleToRawLongBits(beta)) + ")";
            org.junit.jupiter.api.Assertions.assertArrayEquals(dyS, dyV, 0.0, "dy sums, " + at);
            org.junit.jupiter.api.Assertions.assertArrayEquals(dyxS, dyxV, 0.0, "dy*(x - mean) sums, " + at);
            float[] dinp = new float[len];
            BatchNormVector.inputGradient(dinp, dout, true, x, 0, len, 0.5, 0, beta, 0.0625, 0.125);
            for (int p = 0; p < len; p++) {
                double d = x[p] - 0.5;
                float expected = (float) Math.fma(BatchNormOps.dy(dout[p], true, d, 0, beta), 0, Math.fma(d, 0.0625, 0.125));
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(dinp[p]), "input gradient at " + p + ", " + at);
            }
            // The input gradient's mask: with every x at the mean, y = fma(0, a, beta) is beta's value for any a.
            float[] atMean = new float[len];
            java.util.Arrays.fill(atMean, 0.5f);
            float[] dinpAtMean = new float[len];
            BatchNormVector.inputGradient(dinpAtMean, dout, true, atMean, 0, len, 0.5, 0.25, beta, 0.0625, 0.125);
            for (int p = 0; p < len; p++) {
                float expected = (float) Math.fma(BatchNormOps.dy(dout[p], true, 0.0, 0.25, beta), 0.25, Math.fma(0.0, 0.0625, 0.125));
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(dinpAtMean[p]),
                        "input gradient with x at the mean, at " + p + ", " + at);
            }
            maskedGradients += dinpAtMean[0] == 0.125f ? 1 : 0;
            changed += dyS[0] == 0.0 ? 1 : 0;
        }
        assertEquals(8, changed, "the ReLU zeroes exactly the betas that round to a float with bits <= 0");
        assertEquals(8, maskedGradients, "the input gradient is masked for exactly those betas");
    }
}
