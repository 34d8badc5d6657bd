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
 * A ReLU right after the batch norm can run inside it (the network does so when it is the only
 * consumer): the forward writes {@code max(y, 0)} in place of y, and the backward takes dL/d ReLU output and
 * masks it as the ReLU's backward would, {@code dy = [bits(y) > 0] * dL/d relu}, with y recomputed
 * from x by the forward's own double operations (so the same float). The same bits as the two layers
 * one after the other; the ReLU's output is never read back.
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
        forwardTrain(out, false, inp, params, gOff, bOff, n, c, hw, eps, mean, var, invstd);
    }

    /** As above; {@code relu}: {@code out} gets {@code max(y, 0)} instead (a ReLU after it; y is not kept). */
    public static void forwardTrain(float[] out, boolean relu, float[] inp, float[] params, int gOff, int bOff, int n, int c,
                                    int hw, double eps, double[] mean, double[] var, double[] invstd) {
        int m = n * hw;
        // The examples outside, the channels inside: the tensor is read in memory order, and each channel's
        // partials still take its cells in the order above (example by example, cells increasing).
        double[][] part = new double[c][PARTS];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                if (VECTOR) {
                    BatchNormVector.sum8(inp, (b * c + ch) * hw, hw, part[ch]);
                } else {
                    sum8(inp, (b * c + ch) * hw, hw, part[ch]);
                }
            }
        }
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = tree8(part[ch]) / m;
            java.util.Arrays.fill(part[ch], 0);
        }
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                if (VECTOR) {
                    BatchNormVector.sumSquaredDeviations8(inp, (b * c + ch) * hw, hw, mean[ch], part[ch]);
                } else {
                    sumSquaredDeviations8(inp, (b * c + ch) * hw, hw, mean[ch], part[ch]);
                }
            }
        }
        for (int ch = 0; ch < c; ch++) {
            var[ch] = tree8(part[ch]) / m;
            invstd[ch] = 1.0 / Math.sqrt(var[ch] + eps);
        }
        normalize(out, relu, inp, params, gOff, bOff, n, c, hw, mean, invstd);
    }

    /**
     * Evaluation forward with the running statistics {@code buffers[rmOff..]}, {@code buffers[rvOff..]}; fills {@code mean},
     * {@code invstd}; {@code relu} as in {@link #forwardTrain(float[], boolean, float[], float[], int, int, int, int, int, double, double[], double[], double[])}.
     */
    public static void forwardEval(float[] out, boolean relu, float[] inp, float[] params, int gOff, int bOff, float[] buffers,
                                   int rmOff, int rvOff, int n, int c, int hw, double eps, double[] mean, double[] invstd) {
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = buffers[rmOff + ch];
            invstd[ch] = 1.0 / Math.sqrt((double) buffers[rvOff + ch] + eps);
        }
        normalize(out, relu, inp, params, gOff, bOff, n, c, hw, mean, invstd);
    }

    /** {@code y = gamma * ((x - mean) * invstd) + beta}, rounded once to float, into {@code out}; {@code max(y, 0)} there if {@code relu}. */
    private static void normalize(float[] out, boolean relu, float[] inp, float[] params, int gOff, int bOff, int n, int c,
                                  int hw, double[] mean, double[] invstd) {
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double g = params[gOff + ch], be = params[bOff + ch], mu = mean[ch], is = invstd[ch];
                if (VECTOR) {
                    BatchNormVector.normalize(out, relu, inp, (b * c + ch) * hw, (b * c + ch + 1) * hw, g, be, mu, is);
                    continue;
                }
                for (int p = (b * c + ch) * hw, e = p + hw; p < e; p++) {
                    float y = (float) (g * ((inp[p] - mu) * is) + be);
                    out[p] = relu ? Math.max(y, 0f) : y;
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
        backward(dinp, grads, dout, false, inp, params, gOff, bOff, n, c, hw, training, mean, invstd);
    }

    /** As above; {@code throughRelu}: {@code dout} is dL/d max(y, 0), masked by y as the ReLU's backward does. */
    public static void backward(float[] dinp, float[] grads, float[] dout, boolean throughRelu, float[] inp, float[] params,
                                int gOff, int bOff, int n, int c, int hw, boolean training, double[] mean, double[] invstd) {
        int m = n * hw;
        double[][] dyParts = new double[c][PARTS], dyxParts = new double[c][PARTS];
        for (int b = 0; b < n; b++) {  // in memory order, as the forward's sums
            for (int ch = 0; ch < c; ch++) {
                double mu = mean[ch], is = invstd[ch], gamma = params[gOff + ch], beta = params[bOff + ch];
                if (VECTOR) {
                    BatchNormVector.sumDyAndDyXhat8(dout, throughRelu, inp, (b * c + ch) * hw, hw, mu, is, gamma, beta,
                            dyParts[ch], dyxParts[ch]);
                } else {
                    sumDyAndDyXhat8(dout, throughRelu, inp, (b * c + ch) * hw, hw, mu, is, gamma, beta, dyParts[ch], dyxParts[ch]);
                }
            }
        }
        double[] meanDy = new double[c], meanDyx = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double sdy = tree8(dyParts[ch]), sdyx = tree8(dyxParts[ch]);
            grads[gOff + ch] += (float) sdyx;
            grads[bOff + ch] += (float) sdy;
            meanDy[ch] = sdy / m;
            meanDyx[ch] = sdyx / m;
        }
        if (dinp == null) {
            return;
        }
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double mu = mean[ch], is = invstd[ch], gamma = params[gOff + ch], beta = params[bOff + ch];
                double k = gamma * is, mdy = meanDy[ch], mdyx = meanDyx[ch];
                int p = (b * c + ch) * hw, e = p + hw;
                if (training && VECTOR) {
                    BatchNormVector.inputGradient(dinp, dout, throughRelu, inp, p, e, k, mdy, mu, is, gamma, beta, mdyx);
                } else if (training) {
                    for (; p < e; p++) {
                        double xhat = (inp[p] - mu) * is;
                        dinp[p] = (float) (k * (dy(dout[p], throughRelu, xhat, gamma, beta) - mdy - xhat * mdyx));
                    }
                } else {
                    for (; p < e; p++) {
                        dinp[p] = (float) (k * dy(dout[p], throughRelu, (inp[p] - mu) * is, gamma, beta));
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
     * dL/dy at one cell: {@code dout}, or through a ReLU ({@code relu}) +0 where {@code y = (float) (gamma * xhat + beta)}
     * (the forward's value) has bits {@code <= 0}: y is 0, negative or a negative NaN, as {@link ActivationOps#reluBackward} masks.
     */
    static double dy(float dout, boolean relu, double xhat, double gamma, double beta) {
        return relu && Float.floatToRawIntBits((float) (gamma * xhat + beta)) <= 0 ? 0.0 : dout;
    }

    /**
     * {@code dy[q % 8] += g_q} and {@code dyx[q % 8] += g_q * xhat_q} for q < len, q increasing, with
     * {@code xhat_q = (x[off + q] - mu) * is} and {@code g_q} = {@link #dy} of {@code dout[off + q]}: both sums in one pass.
     */
    static void sumDyAndDyXhat8(float[] dout, boolean relu, float[] x, int off, int len, double mu, double is,
                                double gamma, double beta, double[] dy, double[] dyx) {
        double s0 = dy[0], s1 = dy[1], s2 = dy[2], s3 = dy[3], s4 = dy[4], s5 = dy[5], s6 = dy[6], s7 = dy[7];
        double t0 = dyx[0], t1 = dyx[1], t2 = dyx[2], t3 = dyx[3], t4 = dyx[4], t5 = dyx[5], t6 = dyx[6], t7 = dyx[7];
        int q = 0;
        for (; q + 8 <= len; q += 8) {
            int p = off + q;
            double h0 = (x[p] - mu) * is, h1 = (x[p + 1] - mu) * is, h2 = (x[p + 2] - mu) * is, h3 = (x[p + 3] - mu) * is;
            double h4 = (x[p + 4] - mu) * is, h5 = (x[p + 5] - mu) * is, h6 = (x[p + 6] - mu) * is, h7 = (x[p + 7] - mu) * is;
            double g0 = dy(dout[p], relu, h0, gamma, beta), g1 = dy(dout[p + 1], relu, h1, gamma, beta);
            double g2 = dy(dout[p + 2], relu, h2, gamma, beta), g3 = dy(dout[p + 3], relu, h3, gamma, beta);
            double g4 = dy(dout[p + 4], relu, h4, gamma, beta), g5 = dy(dout[p + 5], relu, h5, gamma, beta);
            double g6 = dy(dout[p + 6], relu, h6, gamma, beta), g7 = dy(dout[p + 7], relu, h7, gamma, beta);
            s0 += g0;
            s1 += g1;
            s2 += g2;
            s3 += g3;
            s4 += g4;
            s5 += g5;
            s6 += g6;
            s7 += g7;
            t0 += g0 * h0;
            t1 += g1 * h1;
            t2 += g2 * h2;
            t3 += g3 * h3;
            t4 += g4 * h4;
            t5 += g5 * h5;
            t6 += g6 * h6;
            t7 += g7 * h7;
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
            double h = (x[off + q] - mu) * is, g = dy(dout[off + q], relu, h, gamma, beta);
            dy[q % 8] += g;
            dyx[q % 8] += g * h;
        }
    }

    /** {@code ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7))}. */
    static double tree8(double[] s) {
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }
}
