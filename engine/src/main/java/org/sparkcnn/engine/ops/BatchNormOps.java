package org.sparkcnn.engine.ops;

/**
 * Batch normalization over NCHW batches, per channel c, on the M = N*H*W values of that channel.
 * Statistics and the normalized values are computed in double. Every per-channel sum has 8 double
 * partial sums: cell q = h*W + w of each example adds to partial {@code q mod 8}, the examples
 * n = 0..N-1 in turn and each example's cells in increasing order; then
 * {@code ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7))} (docs/ENGINE.md). Eight independent chains instead of
 * one keep the adder busy; the order is plain Java's, the same on every CPU, and {@link BatchNormVector}
 * takes the same steps with the 8 partials in one to four double vectors.
 *
 * <ul>
 *   <li>training: {@code mean = sum x / M}, {@code var = sum (x - mean)^2 / M} (biased, two passes),
 *       {@code xhat = (x - mean) / sqrt(var + eps)}, {@code y = gamma * xhat + beta};</li>
 *   <li>evaluation: the same with the running mean and variance in place of the batch's.</li>
 * </ul>
 */
public final class BatchNormOps {

    /**
     * Whether {@link BatchNormVector} runs: vectors of 2, 4 or 8 doubles hold the 8 partials exactly
     * (128, 256 or 512 bits; another width, as SVE may have, takes the scalar loops).
     */
    private static final boolean VECTOR = VectorSupport.AVAILABLE
            && (VectorSupport.lanes() == 4 || VectorSupport.lanes() == 8 || VectorSupport.lanes() == 16);

    private BatchNormOps() {
    }

    /**
     * Training forward. Writes the batch mean and biased variance of each channel into {@code mean} and
     * {@code var} (for the running update and for backward) and {@code invstd = 1 / sqrt(var + eps)}.
     */
    public static void forwardTrain(float[] out, float[] inp, float[] params, int gOff, int bOff, int n, int c, int hw,
                                    double eps, double[] mean, double[] var, double[] invstd) {
        int m = n * hw;
        double[] part = new double[PARTS];
        for (int ch = 0; ch < c; ch++) {
            java.util.Arrays.fill(part, 0);
            for (int b = 0; b < n; b++) {
                if (VECTOR) {
                    BatchNormVector.sum8(inp, (b * c + ch) * hw, hw, part);
                } else {
                    sum8(inp, (b * c + ch) * hw, hw, part);
                }
            }
            double mu = tree8(part) / m;
            java.util.Arrays.fill(part, 0);
            for (int b = 0; b < n; b++) {
                if (VECTOR) {
                    BatchNormVector.sumSquaredDeviations8(inp, (b * c + ch) * hw, hw, mu, part);
                } else {
                    sumSquaredDeviations8(inp, (b * c + ch) * hw, hw, mu, part);
                }
            }
            mean[ch] = mu;
            var[ch] = tree8(part) / m;
            invstd[ch] = 1.0 / Math.sqrt(var[ch] + eps);
        }
        normalize(out, inp, params, gOff, bOff, n, c, hw, mean, invstd);
    }

    /** Evaluation forward with the running statistics {@code buffers[rmOff..]}, {@code buffers[rvOff..]}; fills {@code mean}, {@code invstd}. */
    public static void forwardEval(float[] out, float[] inp, float[] params, int gOff, int bOff, float[] buffers,
                                   int rmOff, int rvOff, int n, int c, int hw, double eps, double[] mean, double[] invstd) {
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = buffers[rmOff + ch];
            invstd[ch] = 1.0 / Math.sqrt((double) buffers[rvOff + ch] + eps);
        }
        normalize(out, inp, params, gOff, bOff, n, c, hw, mean, invstd);
    }

    /** {@code y = gamma * ((x - mean) * invstd) + beta}, rounded once to float. */
    private static void normalize(float[] out, float[] inp, float[] params, int gOff, int bOff, int n, int c, int hw,
                                  double[] mean, double[] invstd) {
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double g = params[gOff + ch], be = params[bOff + ch], mu = mean[ch], is = invstd[ch];
                if (VECTOR) {
                    BatchNormVector.normalize(out, inp, (b * c + ch) * hw, (b * c + ch + 1) * hw, g, be, mu, is);
                    continue;
                }
                for (int p = (b * c + ch) * hw, e = p + hw; p < e; p++) {
                    out[p] = (float) (g * ((inp[p] - mu) * is) + be);
                }
            }
        }
    }

    /**
     * PyTorch's running update, per channel: {@code running_mean <- (1 - momentum) running_mean + momentum mean},
     * {@code running_var <- (1 - momentum) running_var + momentum var M / (M - 1)} (the unbiased variance).
     */
    public static void updateRunning(float[] buffers, int rmOff, int rvOff, int c, int m, double momentum,
                                     double[] mean, double[] var) {
        for (int ch = 0; ch < c; ch++) {
            buffers[rmOff + ch] = (float) ((1 - momentum) * buffers[rmOff + ch] + momentum * mean[ch]);
            buffers[rvOff + ch] = (float) ((1 - momentum) * buffers[rvOff + ch] + momentum * (var[ch] * m / (m - 1)));
        }
    }

    /**
     * Backward, for either mode ({@code mean}, {@code invstd} as forward used them). With
     * {@code sdy = sum dy} and {@code sdyx = sum dy * xhat} (one pass, the order above):
     * {@code dbeta += sdy}, {@code dgamma += sdyx}, and dx (overwritten; skipped when null) is
     * training: {@code gamma * invstd * (dy - sdy / M - xhat * sdyx / M)}; evaluation: {@code gamma * invstd * dy}.
     */
    public static void backward(float[] dinp, float[] grads, float[] dout, float[] inp, float[] params, int gOff, int bOff,
                                int n, int c, int hw, boolean training, double[] mean, double[] invstd) {
        int m = n * hw;
        double[] dyParts = new double[PARTS], dyxParts = new double[PARTS];
        for (int ch = 0; ch < c; ch++) {
            double mu = mean[ch], is = invstd[ch];
            java.util.Arrays.fill(dyParts, 0);
            java.util.Arrays.fill(dyxParts, 0);
            for (int b = 0; b < n; b++) {
                if (VECTOR) {
                    BatchNormVector.sumDyAndDyXhat8(dout, inp, (b * c + ch) * hw, hw, mu, is, dyParts, dyxParts);
                } else {
                    sumDyAndDyXhat8(dout, inp, (b * c + ch) * hw, hw, mu, is, dyParts, dyxParts);
                }
            }
            double sdy = tree8(dyParts), sdyx = tree8(dyxParts);
            grads[gOff + ch] += (float) sdyx;
            grads[bOff + ch] += (float) sdy;
            if (dinp == null) {
                continue;
            }
            double k = params[gOff + ch] * is, meanDy = sdy / m, meanDyx = sdyx / m;
            for (int b = 0; b < n; b++) {
                int p = (b * c + ch) * hw, e = p + hw;
                if (training && VECTOR) {
                    BatchNormVector.inputGradient(dinp, dout, inp, p, e, k, meanDy, mu, is, meanDyx);
                } else if (training) {
                    for (; p < e; p++) {
                        dinp[p] = (float) (k * (dout[p] - meanDy - ((inp[p] - mu) * is) * meanDyx));
                    }
                } else {
                    for (; p < e; p++) {
                        dinp[p] = (float) (k * dout[p]);
                    }
                }
            }
        }
    }

    /** Partial sums per sum: cell q of a row adds to partial q mod 8. */
    static final int PARTS = 8;

    /** {@code part[q % 8] += x[off + q]} for q < len, q increasing. */
    static void sum8(float[] x, int off, int len, double[] part) {
        double s0 = part[0], s1 = part[1], s2 = part[2], s3 = part[3], s4 = part[4], s5 = part[5], s6 = part[6], s7 = part[7];
        int q = 0;
        for (; q + 8 <= len; q += 8) {
            int p = off + q;
            s0 += x[p];
            s1 += x[p + 1];
            s2 += x[p + 2];
            s3 += x[p + 3];
            s4 += x[p + 4];
            s5 += x[p + 5];
            s6 += x[p + 6];
            s7 += x[p + 7];
        }
        part[0] = s0;
        part[1] = s1;
        part[2] = s2;
        part[3] = s3;
        part[4] = s4;
        part[5] = s5;
        part[6] = s6;
        part[7] = s7;
        for (; q < len; q++) {
            part[q % 8] += x[off + q];
        }
    }

    /** {@code part[q % 8] += (x[off + q] - mu)^2} for q < len, q increasing. */
    static void sumSquaredDeviations8(float[] x, int off, int len, double mu, double[] part) {
        double s0 = part[0], s1 = part[1], s2 = part[2], s3 = part[3], s4 = part[4], s5 = part[5], s6 = part[6], s7 = part[7];
        int q = 0;
        for (; q + 8 <= len; q += 8) {
            int p = off + q;
            double d0 = x[p] - mu, d1 = x[p + 1] - mu, d2 = x[p + 2] - mu, d3 = x[p + 3] - mu;
            double d4 = x[p + 4] - mu, d5 = x[p + 5] - mu, d6 = x[p + 6] - mu, d7 = x[p + 7] - mu;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
            s4 += d4 * d4;
            s5 += d5 * d5;
            s6 += d6 * d6;
            s7 += d7 * d7;
        }
        part[0] = s0;
        part[1] = s1;
        part[2] = s2;
        part[3] = s3;
        part[4] = s4;
        part[5] = s5;
        part[6] = s6;
        part[7] = s7;
        for (; q < len; q++) {
            double d = x[off + q] - mu;
            part[q % 8] += d * d;
        }
    }

    /**
     * {@code dy[q % 8] += dout[off + q]} and {@code dyx[q % 8] += dout[off + q] * ((x[off + q] - mu) * is)}
     * for q < len, q increasing: both sums in one pass.
     */
    static void sumDyAndDyXhat8(float[] dout, float[] x, int off, int len, double mu, double is, double[] dy, double[] dyx) {
        double s0 = dy[0], s1 = dy[1], s2 = dy[2], s3 = dy[3], s4 = dy[4], s5 = dy[5], s6 = dy[6], s7 = dy[7];
        double t0 = dyx[0], t1 = dyx[1], t2 = dyx[2], t3 = dyx[3], t4 = dyx[4], t5 = dyx[5], t6 = dyx[6], t7 = dyx[7];
        int q = 0;
        for (; q + 8 <= len; q += 8) {
            int p = off + q;
            double g0 = dout[p], g1 = dout[p + 1], g2 = dout[p + 2], g3 = dout[p + 3];
            double g4 = dout[p + 4], g5 = dout[p + 5], g6 = dout[p + 6], g7 = dout[p + 7];
            s0 += g0;
            s1 += g1;
            s2 += g2;
            s3 += g3;
            s4 += g4;
            s5 += g5;
            s6 += g6;
            s7 += g7;
            t0 += g0 * ((x[p] - mu) * is);
            t1 += g1 * ((x[p + 1] - mu) * is);
            t2 += g2 * ((x[p + 2] - mu) * is);
            t3 += g3 * ((x[p + 3] - mu) * is);
            t4 += g4 * ((x[p + 4] - mu) * is);
            t5 += g5 * ((x[p + 5] - mu) * is);
            t6 += g6 * ((x[p + 6] - mu) * is);
            t7 += g7 * ((x[p + 7] - mu) * is);
        }
        dy[0] = s0;
        dy[1] = s1;
        dy[2] = s2;
        dy[3] = s3;
        dy[4] = s4;
        dy[5] = s5;
        dy[6] = s6;
        dy[7] = s7;
        dyx[0] = t0;
        dyx[1] = t1;
        dyx[2] = t2;
        dyx[3] = t3;
        dyx[4] = t4;
        dyx[5] = t5;
        dyx[6] = t6;
        dyx[7] = t7;
        for (; q < len; q++) {
            double g = dout[off + q];
            dy[q % 8] += g;
            dyx[q % 8] += g * ((x[off + q] - mu) * is);
        }
    }

    /** {@code ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7))}. */
    static double tree8(double[] s) {
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }
}
