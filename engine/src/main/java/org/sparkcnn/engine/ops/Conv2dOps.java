package org.sparkcnn.engine.ops;

/**
 * 2-D convolution over NCHW batches, as im2col + GEMM.
 *
 * <p>Per example, {@code col} is the (C*kh*kw) x (Ho*Wo) matrix whose column p holds the input patch
 * that output position p reads (zeros where it reads padding). Then:
 * <ul>
 *   <li>forward, the cross-correlation {@code Y[o,i,j] = b[o] + sum_{c,u,v} W[o,c,u,v] X[c, i*sh+u-ph, j*sw+v-pw]},
 *       is {@code Y = W * col} (O x CKK times CKK x HoWo);</li>
 *   <li>dW, the valid cross-correlation of X with dY, is {@code dW += dY * col^T};</li>
 *   <li>db is the sum of dY over the batch and positions;</li>
 *   <li>dX, the full convolution of dY (dilated by the stride) with W rotated by 180 degrees, is
 *       {@code dcol = W^T * dY} followed by col2im, which adds each patch entry back to the input
 *       cell it came from. A cell no patch reads (stride larger than the kernel) gets 0.</li>
 * </ul>
 * These are the same sums; im2col only reorders them into matrix products.
 */
public final class Conv2dOps {

    private Conv2dOps() {
    }

    /** Output size along one axis: {@code floor((in + 2*pad - k) / stride) + 1}. */
    public static int outputSize(int in, int k, int stride, int pad) {
        return Math.floorDiv(in + 2 * pad - k, stride) + 1;
    }

    /**
     * Unfolds one image {@code x[xOff .. xOff + C*H*W)} into {@code col} ((C*kh*kw) x (Ho*Wo), row-major).
     */
    public static void im2col(float[] x, int xOff, int c, int h, int w, int kh, int kw, int sh, int sw,
                              int ph, int pw, int ho, int wo, float[] col) {
        int hw = ho * wo;
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            int plane = xOff + ch * h * w;
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++, row++) {
                    int dst = row * hw;
                    for (int i = 0; i < ho; i++) {
                        int y = i * sh + u - ph;
                        if (y < 0 || y >= h) {
                            java.util.Arrays.fill(col, dst, dst + wo, 0f);
                            dst += wo;
                            continue;
                        }
                        int src = plane + y * w;
                        for (int j = 0; j < wo; j++) {
                            int xx = j * sw + v - pw;
                            col[dst++] = (xx >= 0 && xx < w) ? x[src + xx] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** Folds {@code col} back onto one image: {@code dx[cell] += col[patch entry]} for every entry read from that cell. */
    public static void col2imAdd(float[] col, int c, int h, int w, int kh, int kw, int sh, int sw,
                                 int ph, int pw, int ho, int wo, float[] dx, int dxOff) {
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            int plane = dxOff + ch * h * w;
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++, row++) {
                    int src = row * ho * wo;
                    for (int i = 0; i < ho; i++) {
                        int y = i * sh + u - ph;
                        if (y < 0 || y >= h) {
                            src += wo;
                            continue;
                        }
                        int dst = plane + y * w;
                        for (int j = 0; j < wo; j++, src++) {
                            int xx = j * sw + v - pw;
                            if (xx >= 0 && xx < w) {
                                dx[dst + xx] += col[src];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code out (N,O,Ho,Wo) = conv(inp (N,C,H,W), W (O,C,kh,kw)) + b}. Weights at {@code params[wOff..]},
     * bias at {@code params[bOff..]} ({@code bOff < 0}: no bias). {@code col} holds C*kh*kw*Ho*Wo floats.
     */
    public static void forward(float[] out, float[] inp, float[] params, int wOff, int bOff,
                               int n, int c, int h, int w, int o, int kh, int kw,
                               int sh, int sw, int ph, int pw, float[] col) {
        int ho = outputSize(h, kh, sh, ph), wo = outputSize(w, kw, sw, pw);
        int ckk = c * kh * kw, hw = ho * wo;
        for (int b = 0; b < n; b++) {
            int yOff = b * o * hw;
            if (bOff >= 0) {
                for (int oc = 0; oc < o; oc++) {
                    java.util.Arrays.fill(out, yOff + oc * hw, yOff + (oc + 1) * hw, params[bOff + oc]);
                }
            }
            im2col(inp, b * c * h * w, c, h, w, kh, kw, sh, sw, ph, pw, ho, wo, col);
            Gemm.sgemm(false, false, o, hw, ckk, 1f, params, wOff, ckk, col, 0, hw,
                    bOff >= 0 ? 1f : 0f, out, yOff, hw);
        }
    }

    /**
     * Accumulates dW and db into {@code grads} (same offsets as in {@code params}) and, when {@code dinp}
     * is not null, overwrites {@code dinp} (N,C,H,W) with dL/dX.
     */
    public static void backward(float[] dinp, float[] grads, float[] dout, float[] inp, float[] params,
                                int wOff, int bOff, int n, int c, int h, int w, int o, int kh, int kw,
                                int sh, int sw, int ph, int pw, float[] col) {
        int ho = outputSize(h, kh, sh, ph), wo = outputSize(w, kw, sw, pw);
        int ckk = c * kh * kw, hw = ho * wo;
        for (int b = 0; b < n; b++) {
            int yOff = b * o * hw;
            if (bOff >= 0) {
                for (int oc = 0; oc < o; oc++) {
                    float s = 0f;
                    for (int p = yOff + oc * hw, end = p + hw; p < end; p++) {
                        s += dout[p];
                    }
                    grads[bOff + oc] += s;
                }
            }
            im2col(inp, b * c * h * w, c, h, w, kh, kw, sh, sw, ph, pw, ho, wo, col);
            // dW (O x CKK) += dY (O x HoWo) * col^T (HoWo x CKK)
            Gemm.sgemm(false, true, o, ckk, hw, 1f, dout, yOff, hw, col, 0, hw, 1f, grads, wOff, ckk);
            if (dinp != null) {
                // dcol (CKK x HoWo) = W^T (CKK x O) * dY (O x HoWo); then fold onto dX.
                Gemm.sgemm(true, false, ckk, hw, o, 1f, params, wOff, ckk, dout, yOff, hw, 0f, col, 0, hw);
                int xOff = b * c * h * w;
                java.util.Arrays.fill(dinp, xOff, xOff + c * h * w, 0f);
                col2imAdd(col, c, h, w, kh, kw, sh, sw, ph, pw, ho, wo, dinp, xOff);
            }
        }
    }
}
