package org.sparkcnn.engine.ops;

import java.util.Arrays;

/**
 * Max and average pooling over NCHW batches. Windows start at {@code i*s - p}; padded cells are
 * never read: for max pooling they count as -inf (never selected), for average pooling as 0.
 */
public final class Pool2dOps {

    private Pool2dOps() {
    }

    /**
     * Max pooling. {@code argmax[q]} records, for output cell q, the flat index into {@code inp} of its
     * maximum. Ties go to the first maximum in row-major window order (strict {@code >} while scanning),
     * as PyTorch's CPU kernel does.
     */
    public static void maxForward(float[] out, int[] argmax, float[] inp, int n, int c, int h, int w,
                                  int kh, int kw, int sh, int sw, int ph, int pw) {
        int ho = Conv2dOps.outputSize(h, kh, sh, ph), wo = Conv2dOps.outputSize(w, kw, sw, pw);
        if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0) {
            max2x2(out, argmax, inp, n * c, h, w, ho, wo);
            return;
        }
        int q = 0;
        for (int plane = 0; plane < n * c; plane++) {
            int base = plane * h * w;
            for (int i = 0; i < ho; i++) {
                int y0 = Math.max(i * sh - ph, 0), y1 = Math.min(i * sh - ph + kh, h);
                for (int j = 0; j < wo; j++, q++) {
                    int x0 = Math.max(j * sw - pw, 0), x1 = Math.min(j * sw - pw + kw, w);
                    int best = base + y0 * w + x0;
                    float max = inp[best];
                    for (int y = y0; y < y1; y++) {
                        for (int x = x0, p = base + y * w + x0; x < x1; x++, p++) {
                            if (inp[p] > max || (Float.isNaN(inp[p]) && !Float.isNaN(max))) {
                                max = inp[p];
                                best = p;
                            }
                        }
                    }
                    out[q] = max;
                    argmax[q] = best;
                }
            }
        }
    }

    /**
     * The common 2x2, stride 2, unpadded case: every window lies inside. The scalar kernel or the
     * vector one, whichever is faster here for this input height and width (timed per call, per output
     * cell); both pick what the general scan picks.
     */
    private static void max2x2(float[] out, int[] argmax, float[] inp, int planes, int h, int w, int ho, int wo) {
        if (!VectorSupport.AVAILABLE || planes < PoolVector.groupPlanes(ho * wo)) {  // no whole group to vectorize
            max2x2Scalar(out, argmax, inp, 0, planes, h, w, ho, wo);
            return;
        }
        KernelChoice choice = KernelChoice.of("max pool 2x2 " + h + "x" + w, MAX2X2);
        int pick = choice.pick();
        long start = System.nanoTime();
        int done = pick == 1 ? PoolVector.max2x2(out, argmax, inp, planes, h, w, ho, wo) : 0;
        max2x2Scalar(out, argmax, inp, done, planes, h, w, ho, wo);
        choice.timed(pick, System.nanoTime() - start, (double) planes * ho * wo);
    }

    /** The candidates of {@link #max2x2}: the same bits, timed on this machine ({@link KernelChoice}). */
    static final String[] MAX2X2 = {"scalar", "vector gather"};

    /**
     * {@link #max2x2} as plain loops, from plane {@code from} on, the definition {@link PoolVector}
     * reproduces. It picks what the general scan picks without its unpredictable branches (2x faster):
     * the maximum, then the first cell equal to it (ties go to the first, -0 equals +0); when the
     * maximum is NaN, the first NaN.
     */
    static void max2x2Scalar(float[] out, int[] argmax, float[] inp, int from, int planes, int h, int w, int ho, int wo) {
        int q = from * ho * wo;
        for (int plane = from; plane < planes; plane++) {
            int base = plane * h * w;
            for (int i = 0; i < ho; i++) {
                for (int j = 0, p = base + 2 * i * w; j < wo; j++, q++, p += 2) {
                    float a = inp[p], b = inp[p + 1], c = inp[p + w], d = inp[p + w + 1];
                    float m = Math.max(Math.max(a, b), Math.max(c, d));  // NaN if any is NaN
                    int at = d == m ? p + w + 1 : -1;  // selects, last to first: no branches
                    at = c == m ? p + w : at;
                    at = b == m ? p + 1 : at;
                    at = a == m ? p : at;
                    if (at < 0) {
                        at = a != a ? p : b != b ? p + 1 : c != c ? p + w : p + w + 1;
                    }
                    out[q] = inp[at];
                    argmax[q] = at;
                }
            }
        }
    }

    /** Routes each delta to the argmax remembered in forward; overlapping windows accumulate. */
    public static void maxBackward(float[] dinp, float[] dout, int[] argmax, int n, int c, int h, int w, int ho, int wo) {
        Arrays.fill(dinp, 0, n * c * h * w, 0f);
        for (int q = 0, end = n * c * ho * wo; q < end; q++) {
            dinp[argmax[q]] += dout[q];
        }
    }

    /**
     * Average pooling. The divisor is kh*kw when {@code countIncludePad} (PyTorch's default), else the
     * number of real (unpadded) cells in the window.
     */
    public static void avgForward(float[] out, float[] inp, int n, int c, int h, int w,
                                  int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad) {
        int ho = Conv2dOps.outputSize(h, kh, sh, ph), wo = Conv2dOps.outputSize(w, kw, sw, pw);
        int q = 0;
        for (int plane = 0; plane < n * c; plane++) {
            int base = plane * h * w;
            for (int i = 0; i < ho; i++) {
                int y0 = Math.max(i * sh - ph, 0), y1 = Math.min(i * sh - ph + kh, h);
                for (int j = 0; j < wo; j++, q++) {
                    int x0 = Math.max(j * sw - pw, 0), x1 = Math.min(j * sw - pw + kw, w);
                    float s = 0f;
                    for (int y = y0; y < y1; y++) {
                        for (int p = base + y * w + x0, e = p + (x1 - x0); p < e; p++) {
                            s += inp[p];
                        }
                    }
                    out[q] = s / (countIncludePad ? kh * kw : (y1 - y0) * (x1 - x0));
                }
            }
        }
    }

    /** Spreads each delta, divided by its window's divisor, over the window's real cells. */
    public static void avgBackward(float[] dinp, float[] dout, int n, int c, int h, int w,
                                   int kh, int kw, int sh, int sw, int ph, int pw, boolean countIncludePad) {
        int ho = Conv2dOps.outputSize(h, kh, sh, ph), wo = Conv2dOps.outputSize(w, kw, sw, pw);
        Arrays.fill(dinp, 0, n * c * h * w, 0f);
        int q = 0;
        for (int plane = 0; plane < n * c; plane++) {
            int base = plane * h * w;
            for (int i = 0; i < ho; i++) {
                int y0 = Math.max(i * sh - ph, 0), y1 = Math.min(i * sh - ph + kh, h);
                for (int j = 0; j < wo; j++, q++) {
                    int x0 = Math.max(j * sw - pw, 0), x1 = Math.min(j * sw - pw + kw, w);
                    float d = dout[q] / (countIncludePad ? kh * kw : (y1 - y0) * (x1 - x0));
                    for (int y = y0; y < y1; y++) {
                        for (int p = base + y * w + x0, e = p + (x1 - x0); p < e; p++) {
                            dinp[p] += d;
                        }
                    }
                }
            }
        }
    }

    /** Global average pooling: {@code y[b,c] = (sum over h, w of x[b,c,h,w], in float, row-major) / (H*W)}. */
    public static void globalAvgForward(float[] out, float[] inp, int n, int c, int hw) {
        for (int plane = 0; plane < n * c; plane++) {
            float s = 0f;
            for (int p = plane * hw, e = p + hw; p < e; p++) {
                s += inp[p];
            }
            out[plane] = s / hw;
        }
    }

    /** {@link #globalAvgForward} of channels-last x, (N, H*W, C): each channel's sum in the same order, from +0, in float. */
    public static void globalAvgForwardRows(float[] out, float[] inp, int n, int c, int hw) {
        for (int b = 0; b < n; b++) {
            java.util.Arrays.fill(out, b * c, (b + 1) * c, 0f);
            for (int p = 0, at = b * hw * c; p < hw; p++, at += c) {
                for (int ch = 0; ch < c; ch++) {
                    out[b * c + ch] += inp[at + ch];
                }
            }
            for (int ch = b * c; ch < (b + 1) * c; ch++) {
                out[ch] /= hw;
            }
        }
    }

    /** {@code dx[b,c,h,w] = dy[b,c] / (H*W)} (overwritten). */
    public static void globalAvgBackward(float[] dinp, float[] dout, int n, int c, int hw) {
        for (int plane = 0; plane < n * c; plane++) {
            Arrays.fill(dinp, plane * hw, (plane + 1) * hw, dout[plane] / hw);
        }
    }
}
