package org.sparkcnn.engine.ops;

/**
 * im2col and col2im over one NCHW image: the data movement of a convolution's product form
 * ({@link Conv2dOps}). Row {@code (c*kh + u)*kw + v} of the columns holds, for each output position
 * (i, j), the input cell {@code X[c, i*sh + u - ph, j*sw + v - pw]}, or 0 where that falls in the padding.
 */
public final class Unfold {

    private Unfold() {
    }

    /**
     * Unfolds one image {@code x[xOff .. xOff + C*H*W)} into rows of {@code col} ((C*kh*kw) rows of
     * Ho*Wo entries each, starting at {@code col[colOff]}, rows {@code ld} apart).
     */
    public static void im2col(float[] x, int xOff, int c, int h, int w, int kh, int kw, int sh, int sw,
                              int ph, int pw, int ho, int wo, float[] col, int colOff, int ld) {
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            int plane = xOff + ch * h * w;
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++, row++) {
                    int dst = colOff + row * ld;
                    // Output columns j in [jLo, jHi) read inside a row; the rest read padding. Computed
                    // once per kernel column: the divisions cost more than a short row's copy.
                    int jLo = insideFrom(v, pw, sw, wo), jHi = insideTo(jLo, v, w, pw, sw, wo);
                    if (sh == 1 && sw == 1 && wo == w) {
                        sameWidthRow(x, plane, h, w, u, v, ph, pw, ho, jLo, jHi, col, dst);
                        continue;
                    }
                    for (int i = 0; i < ho; i++) {
                        int y = i * sh + u - ph;
                        if (y < 0 || y >= h) {
                            java.util.Arrays.fill(col, dst, dst + wo, 0f);
                            dst += wo;
                            continue;
                        }
                        int src = plane + y * w;
                        for (int j = 0; j < jLo; j++) {
                            col[dst + j] = 0f;
                        }
                        if (sw == 1) {  // rows are short: a plain loop beats System.arraycopy's call
                            for (int j = jLo, off = src + v - pw; j < jHi; j++) {
                                col[dst + j] = x[off + j];
                            }
                        } else {
                            for (int j = jLo, xx = src + jLo * sw + v - pw; j < jHi; j++, xx += sw) {
                                col[dst + j] = x[xx];
                            }
                        }
                        for (int j = jHi; j < wo; j++) {
                            col[dst + j] = 0f;
                        }
                        dst += wo;
                    }
                }
            }
        }
    }

    /**
     * One row of im2col when stride is 1 and the output is as wide as the input ("same" padding):
     * entry (i, j) is x[(i + u - ph) * w + j + v - pw], so the output rows that read inside the image
     * are one contiguous run of it, shifted by v - pw. One copy replaces a short copy per output row;
     * the cells where j + v - pw falls outside [0, w) read a neighbouring row there (or nothing, at
     * the plane's ends) and are zeroed after.
     */
    private static void sameWidthRow(float[] x, int plane, int h, int w, int u, int v, int ph, int pw, int ho,
                                     int jLo, int jHi, float[] col, int dst) {
        int iLo = Math.min(ho, Math.max(0, ph - u)), iHi = Math.max(iLo, Math.min(ho, h + ph - u));
        java.util.Arrays.fill(col, dst, dst + iLo * w, 0f);
        java.util.Arrays.fill(col, dst + iHi * w, dst + ho * w, 0f);
        int from = (iLo + u - ph) * w + v - pw, len = (iHi - iLo) * w;  // the run, relative to the plane
        int skip = Math.max(0, -from), end = Math.min(len, h * w - from);
        if (end > skip) {
            System.arraycopy(x, plane + from + skip, col, dst + iLo * w + skip, end - skip);
        }
        for (int i = iLo, r = dst + iLo * w; i < iHi; i++, r += w) {
            for (int j = 0; j < jLo; j++) {
                col[r + j] = 0f;
            }
            for (int j = jHi; j < w; j++) {
                col[r + j] = 0f;
            }
        }
    }

    /** The first output column whose kernel column {@code v} reads inside the row: ceil((pw - v) / sw), within [0, wo]. */
    private static int insideFrom(int v, int pw, int sw, int wo) {
        return Math.min(wo, Math.max(0, ceilDiv(pw - v, sw)));
    }

    /** One past the last such column: ceil((w + pw - v) / sw), within [jLo, wo]. */
    private static int insideTo(int jLo, int v, int w, int pw, int sw, int wo) {
        return Math.max(jLo, Math.min(wo, ceilDiv(w + pw - v, sw)));
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    /**
     * Folds one image's columns (laid out as {@link #im2col} writes them) back onto it:
     * {@code dx[cell] += col[patch entry]} for every entry read from that cell.
     */
    public static void col2imAdd(float[] col, int colOff, int ld, int c, int h, int w, int kh, int kw, int sh, int sw,
                                 int ph, int pw, int ho, int wo, float[] dx, int dxOff) {
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            int plane = dxOff + ch * h * w;
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++, row++) {
                    int src = colOff + row * ld;
                    int jLo = insideFrom(v, pw, sw, wo), jHi = insideTo(jLo, v, w, pw, sw, wo);
                    for (int i = 0; i < ho; i++) {
                        int y = i * sh + u - ph;
                        if (y < 0 || y >= h) {
                            src += wo;
                            continue;
                        }
                        if (sw == 1) {  // a contiguous run: the JIT vectorizes it (each cell still gets one add)
                            for (int j = jLo, xx = plane + y * w + v - pw; j < jHi; j++) {
                                dx[xx + j] += col[src + j];
                            }
                        } else {
                            for (int j = jLo, xx = plane + y * w + jLo * sw + v - pw; j < jHi; j++, xx += sw) {
                                dx[xx] += col[src + j];
                            }
                        }
                        src += wo;
                    }
                }
            }
        }
    }
}
