package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Batch norm's per-channel sums follow docs/ENGINE.md's order bit for bit: 8 double partial sums,
 * cell q of each example's plane into partial q mod 8, examples in turn, then the fixed tree. Rows of
 * 49 cells (7x7) leave a remainder, so a partial continues across examples. The data spans many
 * magnitudes, so a single running sum gives other bits (the order matters and is checked).
 */
class BatchNormOrderTest {

    private static final int N = 3, C = 2, HW = 49;

    private static double documentedSum(float[] x, int ch, java.util.function.DoubleUnaryOperator term) {
        double[] part = new double[8];
        for (int b = 0; b < N; b++) {
            for (int q = 0; q < HW; q++) {
                part[q % 8] += term.applyAsDouble(x[(b * C + ch) * HW + q]);
            }
        }
        return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
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
        boolean singleChainDiffers = false;
        for (int ch = 0; ch < C; ch++) {
            double mu = documentedSum(x, ch, v -> v) / m;
            assertEquals(mu, mean[ch], 0.0, "mean of channel " + ch);
            assertEquals(documentedSum(x, ch, v -> (v - mu) * (v - mu)) / m, var[ch], 0.0, "variance of channel " + ch);
            double is = invstd[ch];
            double[] part = new double[8];
            for (int b = 0; b < N; b++) {
                for (int q = 0; q < HW; q++) {
                    int p = (b * C + ch) * HW + q;
                    part[q % 8] += dy[p] * ((x[p] - mu) * is);
                }
            }
            double sdyx = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
            assertEquals((float) sdyx, grads[ch], 0f, "dgamma of channel " + ch);
            assertEquals((float) documentedSum(dy, ch, v -> v), grads[2 + ch], 0f, "dbeta of channel " + ch);
            double chain = 0;
            for (int b = 0; b < N; b++) {
                for (int q = 0; q < HW; q++) {
                    chain += x[(b * C + ch) * HW + q];
                }
            }
            singleChainDiffers |= chain / m != mean[ch];
        }
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
        int changed = 0;
        for (double beta : betas) {
            double[] dyS = new double[8], dyxS = new double[8], dyV = new double[8], dyxV = new double[8];
            BatchNormOps.sumDyAndDyXhat8(dout, true, x, 0, len, 0.5, 2, 0, beta, dyS, dyxS);
            BatchNormVector.sumDyAndDyXhat8(dout, true, x, 0, len, 0.5, 2, 0, beta, dyV, dyxV);
            String at = "beta " + beta + " (bits " + Long.toHexString(Double.doubleToRawLongBits(beta)) + ")";
            org.junit.jupiter.api.Assertions.assertArrayEquals(dyS, dyV, 0.0, "dy sums, " + at);
            org.junit.jupiter.api.Assertions.assertArrayEquals(dyxS, dyxV, 0.0, "dy*xhat sums, " + at);
            float[] dinp = new float[len];
            BatchNormVector.inputGradient(dinp, dout, true, x, 0, len, 0.25, 0.125, 0.5, 2, 0, beta, 0.0625);
            for (int p = 0; p < len; p++) {
                double h = (x[p] - 0.5) * 2;
                float expected = (float) (0.25 * (BatchNormOps.dy(dout[p], true, h, 0, beta) - 0.125 - h * 0.0625));
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(dinp[p]), "input gradient at " + p + ", " + at);
            }
            changed += dyS[0] == 0.0 ? 1 : 0;
        }
        assertEquals(8, changed, "the ReLU zeroes exactly the betas that round to a float with bits <= 0");
    }
}
