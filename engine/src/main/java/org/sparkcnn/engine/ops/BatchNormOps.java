package org.sparkcnn.engine.ops;

/**
 * Batch normalization over NCHW batches, per channel c, on the M = N*H*W values of that channel.
 * Statistics and the normalized values are computed in double; every per-channel sum runs over the
 * examples n = 0..N-1, then the cells h*W + w in increasing order (docs/ENGINE.md), one double
 * accumulator per channel.
 *
 * <ul>
 *   <li>training: {@code mean = sum x / M}, {@code var = sum (x - mean)^2 / M} (biased, two passes),
 *       {@code xhat = (x - mean) / sqrt(var + eps)}, {@code y = gamma * xhat + beta};</li>
 *   <li>evaluation: the same with the running mean and variance in place of the batch's.</li>
 * </ul>
 */
public final class BatchNormOps {

    private BatchNormOps() {
    }

    /**
     * Training forward. Writes the batch mean and biased variance of each channel into {@code mean} and
     * {@code var} (for the running update and for backward) and {@code invstd = 1 / sqrt(var + eps)}.
     */
    public static void forwardTrain(float[] out, float[] inp, float[] params, int gOff, int bOff, int n, int c, int hw,
                                    double eps, double[] mean, double[] var, double[] invstd) {
        int m = n * hw;
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int b = 0; b < n; b++) {
                for (int p = (b * c + ch) * hw, e = p + hw; p < e; p++) {
                    s += inp[p];
                }
            }
            double mu = s / m, v = 0;
            for (int b = 0; b < n; b++) {
                for (int p = (b * c + ch) * hw, e = p + hw; p < e; p++) {
                    double d = inp[p] - mu;
                    v += d * d;
                }
            }
            mean[ch] = mu;
            var[ch] = v / m;
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
        for (int ch = 0; ch < c; ch++) {
            double mu = mean[ch], is = invstd[ch], sdy = 0, sdyx = 0;
            for (int b = 0; b < n; b++) {
                for (int p = (b * c + ch) * hw, e = p + hw; p < e; p++) {
                    sdy += dout[p];
                    sdyx += dout[p] * ((inp[p] - mu) * is);
                }
            }
            grads[gOff + ch] += (float) sdyx;
            grads[bOff + ch] += (float) sdy;
            if (dinp == null) {
                continue;
            }
            double k = params[gOff + ch] * is;
            for (int b = 0; b < n; b++) {
                for (int p = (b * c + ch) * hw, e = p + hw; p < e; p++) {
                    dinp[p] = (float) (training
                            ? k * (dout[p] - sdy / m - ((inp[p] - mu) * is) * (sdyx / m))
                            : k * dout[p]);
                }
            }
        }
    }
}
