package org.sparkcnn.engine.ops;

/**
 * Batch normalization over NCHW batches, per channel c, on the M = N*H*W values of that channel.
 * Statistics and the normalized values are computed in double. Every per-channel sum has 16 double
 * partial sums: cell q = h*W + w of each example adds to partial {@code q mod 16}, the examples
 * n = 0..N-1 in turn and each example's cells in increasing order; then the pairwise tree of
 * {@link #tree16} (docs/ENGINE.md). Sixteen independent chains keep the adder busy (two 512-bit vectors,
 * four 256-bit ones); the order is plain Java's, the same on every CPU, and {@link BatchNormVector} takes
 * the same steps with the 16 partials in two to eight double vectors.
 *
 * <p>With {@code d = x - mean} and {@code a = gamma * invstd}, per cell:
 * <ul>
 *   <li>training: {@code mean = sum x / M}, {@code var = sum fma(d, d) / M} (biased, two passes),
 *       {@code y = fma(d, a, beta)}, rounded once to float ({@code gamma * xhat + beta} with
 *       {@code xhat = d * invstd});</li>
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
     * Whether {@link BatchNormVector} runs the forward (the backward: {@link #VECTOR_BACKWARD}): vectors of 2, 4 or 8 doubles hold the 16 partials exactly
     * (128, 256 or 512 bits; another width, as SVE may have, takes the scalar loops).
     */
    private static final boolean VECTOR = VectorSupport.AVAILABLE
            && (VectorSupport.lanes() == 4 || VectorSupport.lanes() == 8 || VectorSupport.lanes() == 16);

    /**
     * Whether the backward takes {@link BatchNormVector} too: not at 128 bits, where its loops (vectors of two
     * doubles) ran 1.2 to 21 times slower than the plain ones, through a ReLU or not (docs/bench/BatchNormLoopsBench.java,
     * docs/PERFORMANCE.md).
     */
    private static final boolean VECTOR_BACKWARD = VECTOR && VectorSupport.lanes() >= 8;

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
                    BatchNormVector.sum16(inp, (b * c + ch) * hw, hw, part[ch]);
                } else {
                    sum16(inp, (b * c + ch) * hw, hw, part[ch]);
                }
            }
        }
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = tree16(part[ch]) / m;
            java.util.Arrays.fill(part[ch], 0);
        }
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                if (VECTOR) {
                    BatchNormVector.sumSquaredDeviations16(inp, (b * c + ch) * hw, hw, mean[ch], part[ch]);
                } else {
                    sumSquaredDeviations16(inp, (b * c + ch) * hw, hw, mean[ch], part[ch]);
                }
            }
        }
        for (int ch = 0; ch < c; ch++) {
            var[ch] = tree16(part[ch]) / m;
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
        runningStatistics(buffers, rmOff, rvOff, c, eps, mean, invstd);
        normalize(out, relu, inp, params, gOff, bOff, n, c, hw, mean, invstd);
    }

    /** {@code mean} and {@code invstd = 1 / sqrt(var + eps)} per channel from the running statistics. */
    private static void runningStatistics(float[] buffers, int rmOff, int rvOff, int c, double eps, double[] mean,
                                          double[] invstd) {
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = buffers[rmOff + ch];
            invstd[ch] = 1.0 / Math.sqrt((double) buffers[rvOff + ch] + eps);
        }
    }

    /**
     * {@link #forwardEval}'s constants per channel: {@code mean} the running mean, {@code invstd = 1 / sqrt(running var
     * + eps)}, {@code a = gamma * invstd}, {@code be = beta}, as doubles.
     */
    public static void evalConstants(float[] params, int gOff, int bOff, float[] buffers, int rmOff, int rvOff, int c,
                                     double eps, double[] mean, double[] invstd, double[] a, double[] be) {
        runningStatistics(buffers, rmOff, rvOff, c, eps, mean, invstd);
        System.arraycopy(scales(params, gOff, invstd, c), 0, a, 0, c);
        for (int ch = 0; ch < c; ch++) {
            be[ch] = params[bOff + ch];
        }
    }

    /**
     * {@link #forwardEval} in place on examples b0 .. b0+g of {@code y}, planes (N, C, H*W) or rows (N, H*W, C) where
     * {@code rows}, with {@link #evalConstants}: {@code y = fma(y - mu, a, be)} rounded to float, then, where
     * {@code residual} is not null, {@code y + residual} in float (an add after the batch norm: {@link MergeOps#addForward}'s
     * float), then {@code max(., 0)} where {@code relu}. The floats the batch norm, add and ReLU give one after the other.
     */
    public static void evalInPlace(float[] y, boolean rows, float[] residual, boolean relu, int b0, int g, int c, int hw,
                                   double[] mu, double[] a, double[] be) {
        if (rows) {
            normalizeRows(y, relu, y, residual, b0 * hw, (b0 + g) * hw, c, mu, a, be);
            return;
        }
        for (int b = b0; b < b0 + g; b++) {
            for (int ch = 0; ch < c; ch++) {
                normalize(y, relu, y, residual, (b * c + ch) * hw, (b * c + ch + 1) * hw, mu[ch], a[ch], be[ch]);
            }
        }
    }

    /**
     * {@link #forwardEval} on channels-last activations, (N, H*W, C): each float the same double operations
     * with its channel's constants, so the same floats moved.
     */
    public static void forwardEvalChannelsLast(float[] out, boolean relu, float[] inp, float[] params, int gOff, int bOff,
                                               float[] buffers, int rmOff, int rvOff, int n, int c, int hw, double eps,
                                               double[] mean, double[] invstd) {
        double[] scale = new double[c], beta = new double[c];
        evalConstants(params, gOff, bOff, buffers, rmOff, rvOff, c, eps, mean, invstd, scale, beta);
        normalizeRows(out, relu, inp, null, 0, n * hw, c, mean, scale, beta);
    }

    /** {@code y = fma(x - mean, gamma * invstd, beta)}, rounded once to float, into {@code out}; {@code max(y, 0)} there if {@code relu}. */
    private static void normalize(float[] out, boolean relu, float[] inp, float[] params, int gOff, int bOff, int n, int c,
                                  int hw, double[] mean, double[] invstd) {
        double[] scale = scales(params, gOff, invstd, c);
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                normalize(out, relu, inp, null, (b * c + ch) * hw, (b * c + ch + 1) * hw, mean[ch], scale[ch], params[bOff + ch]);
            }
        }
    }

    /**
     * {@code y = (float) fma(inp[p] - mu, a, be)}, then {@code y + residual[p]} in float where residual is not null, then
     * {@code max(., 0)} where {@code relu}, into {@code out[p]} for p in [from, to): one plane's run, one channel's constants.
     */
    private static void normalize(float[] out, boolean relu, float[] inp, float[] residual, int from, int to, double mu,
                                  double a, double be) {
        if (VECTOR && residual == null) {
            BatchNormVector.normalize(out, relu, inp, from, to, mu, a, be);
        } else if (VECTOR) {
            BatchNormVector.normalizeAdd(out, relu, inp, residual, from, to, mu, a, be);
        } else {
            for (int p = from; p < to; p++) {
                out[p] = normalized(inp[p], residual, p, relu, mu, a, be);
            }
        }
    }

    /** {@link #normalize} on rows q0 .. q1 of C channels (channels-last), each float with its channel's constants. */
    private static void normalizeRows(float[] out, boolean relu, float[] inp, float[] residual, int q0, int q1, int c,
                                      double[] mu, double[] a, double[] be) {
        if (VECTOR && c % VectorSupport.lanes() == 0 && residual == null) {
            BatchNormVector.normalizeRows(out, relu, inp, q0, q1, c, mu, a, be);
        } else if (VECTOR && c % VectorSupport.lanes() == 0) {
            BatchNormVector.normalizeRowsAdd(out, relu, inp, residual, q0, q1, c, mu, a, be);
        } else {
            for (int p = q0 * c; p < q1 * c; p++) {
                int ch = p % c;
                out[p] = normalized(inp[p], residual, p, relu, mu[ch], a[ch], be[ch]);
            }
        }
    }

    /** One float of {@link #normalize}. */
    private static float normalized(float x, float[] residual, int p, boolean relu, double mu, double a, double be) {
        float y = (float) Math.fma(x - mu, a, be);
        if (residual != null) {
            y += residual[p];
        }
        return relu ? Math.max(y, 0f) : y;
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
     * {@code sdy = sum dy} and {@code sdyd = sum fma(dy, d)} (one pass, the order above), {@code sdyx = sdyd * invstd}
     * ({@code sum dy * xhat}): {@code dbeta += sdy}, {@code dgamma += sdyx}, and dx (overwritten; skipped when null) is
     * training: {@code a * (dy - sdy / M - xhat * sdyx / M)}, computed as {@code fma(dy, a, fma(d, (-a * invstd) * (sdyx / M), -a * (sdy / M)))};
     * evaluation: {@code a * dy}.
     */
    public static void backward(float[] dinp, float[] grads, float[] dout, float[] inp, float[] params, int gOff, int bOff,
                                int n, int c, int hw, boolean training, double[] mean, double[] invstd) {
        backward(dinp, grads, dout, false, inp, params, gOff, bOff, n, c, hw, training, mean, invstd);
    }

    /** As above; {@code throughRelu}: {@code dout} is dL/d max(y, 0), masked by y as the ReLU's backward does. */
    public static void backward(float[] dinp, float[] grads, float[] dout, boolean throughRelu, float[] inp, float[] params,
                                int gOff, int bOff, int n, int c, int hw, boolean training, double[] mean, double[] invstd) {
        int m = n * hw;
        double[][] dyParts = new double[c][PARTS], dydParts = new double[c][PARTS];
        double[] scale = scales(params, gOff, invstd, c);  // the forward's, so the ReLU's y is recomputed exactly
        for (int b = 0; b < n; b++) {  // in memory order, as the forward's sums
            for (int ch = 0; ch < c; ch++) {
                double mu = mean[ch], a = scale[ch], beta = params[bOff + ch];
                if (VECTOR_BACKWARD) {
                    BatchNormVector.sumDyAndDyDev16(dout, throughRelu, inp, (b * c + ch) * hw, hw, mu, a, beta,
                            dyParts[ch], dydParts[ch]);
                } else {
                    sumDyAndDyDev16(dout, throughRelu, inp, (b * c + ch) * hw, hw, mu, a, beta, dyParts[ch], dydParts[ch]);
                }
            }
        }
        double[] xCoef = new double[c], constant = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double sdy = tree16(dyParts[ch]), sdyx = tree16(dydParts[ch]) * invstd[ch];
            grads[gOff + ch] += (float) sdyx;
            grads[bOff + ch] += (float) sdy;
            xCoef[ch] = -scale[ch] * invstd[ch] * (sdyx / m);
            constant[ch] = -scale[ch] * (sdy / m);
        }
        if (dinp == null) {
            return;
        }
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double mu = mean[ch], a = scale[ch], beta = params[bOff + ch];
                double xc = xCoef[ch], k = constant[ch];
                int p = (b * c + ch) * hw, e = p + hw;
                if (training && VECTOR_BACKWARD) {
                    BatchNormVector.inputGradient(dinp, dout, throughRelu, inp, p, e, mu, a, beta, xc, k);
                } else if (training) {
                    for (; p < e; p++) {
                        double d = inp[p] - mu;
                        dinp[p] = (float) Math.fma(dy(dout[p], throughRelu, d, a, beta), a, Math.fma(d, xc, k));
                    }
                } else {
                    for (; p < e; p++) {
                        dinp[p] = (float) (a * dy(dout[p], throughRelu, inp[p] - mu, a, beta));
                    }
                }
            }
        }
    }

    /** {@code a = gamma * invstd} per channel: the forward's and the backward's one scale. */
    private static double[] scales(float[] params, int gOff, double[] invstd, int c) {
        double[] scale = new double[c];
        for (int ch = 0; ch < c; ch++) {
            scale[ch] = params[gOff + ch] * invstd[ch];
        }
        return scale;
    }

    /** Partial sums per sum: cell q of a row adds to partial q mod 16. */
    static final int PARTS = 16;

    /** {@code part[q % 16] += x[off + q]} for q < len, q increasing. */
    static void sum16(float[] x, int off, int len, double[] part) {
        for (int q = 0; q < len; q++) {
            part[q & 15] += x[off + q];
        }
    }

    /** {@code part[q % 16] = fma(d, d, part[q % 16])}, {@code d = x[off + q] - mu}, for q < len, q increasing. */
    static void sumSquaredDeviations16(float[] x, int off, int len, double mu, double[] part) {
        for (int q = 0; q < len; q++) {
            double d = x[off + q] - mu;
            part[q & 15] = Math.fma(d, d, part[q & 15]);
        }
    }

    /**
     * dL/dy at one cell: {@code dout}, or through a ReLU ({@code relu}) +0 where {@code y = (float) fma(d, a, beta)}
     * (the forward's value) has bits {@code <= 0}: y is 0, negative or a negative NaN, as {@link ActivationOps#reluBackward} masks.
     */
    static double dy(float dout, boolean relu, double d, double a, double beta) {
        if (!relu) {
            return dout;
        }
        // Without a branch on the sign, which mixed signs mispredict (the backward through the ReLU took 7.9 ms
        // with it, 1.0 without, docs/PERFORMANCE.md): keep = all ones when y's bits are > 0, else 0 (their sign
        // bit, or that of bits - 1).
        int yb = Float.floatToRawIntBits((float) Math.fma(d, a, beta)), keep = ~((yb - 1) | yb) >> 31;
        return Float.intBitsToFloat(Float.floatToRawIntBits(dout) & keep);
    }

    /**
     * {@code dy[q % 16] += g_q} and {@code dyd[q % 16] = fma(g_q, d_q, dyd[q % 16])} for q < len, q increasing, with
     * {@code d_q = x[off + q] - mu} and {@code g_q} = {@link #dy} of {@code dout[off + q]}: both sums in one pass.
     */
    static void sumDyAndDyDev16(float[] dout, boolean relu, float[] x, int off, int len, double mu, double a, double beta,
                                double[] dy, double[] dyd) {
        for (int q = 0; q < len; q++) {
            double d = x[off + q] - mu, g = dy(dout[off + q], relu, d, a, beta);
            dy[q & 15] += g;
            dyd[q & 15] = Math.fma(g, d, dyd[q & 15]);
        }
    }

    /** The pairwise tree {@code (((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7))) + (((s8+s9)+(s10+s11))+((s12+s13)+(s14+s15)))}. */
    static double tree16(double[] s) {
        double low = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
        double high = ((s[8] + s[9]) + (s[10] + s[11])) + ((s[12] + s[13]) + (s[14] + s[15]));
        return low + high;
    }
}
