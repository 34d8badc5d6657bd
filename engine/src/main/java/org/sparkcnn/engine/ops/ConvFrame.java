package org.sparkcnn.engine.ops;

/**
 * A convolution's im2col matrix read where it already is: the input (X, or dY) copied once into a
 * zero <b>frame</b>, whose rows each tap reads at its own shift, so the products ({@link Gemm#chainBRows},
 * {@link Gemm#chainARows}) take the same fmas in the same order as from a written-out {@code col}.
 *
 * <p>Layout, for g examples: at stride (sh, sw) the input splits into sh*sw phase planes per channel,
 * {@code P[c,py,px][y',x'] = X[c, sh*y'+py, sw*x'+px]} (at stride 1, X itself). Tap (u, v) of output
 * (i, j) reads {@code X[c, sh*i+u-ph, sw*j+v-pw] = P[c,py,px][i+dy, j+dx]} with
 * {@code u-ph = sh*dy + py}, {@code v-pw = sw*dx + px}: a fixed shift. Each phase plane of the frame
 * holds, per example, {@code rows} rows of {@code width} floats: {@code top} zero rows, the phase's
 * rows (each {@code left} zeros, then its values), zeros after; neighbouring rows and examples share
 * their zeros. Output position {@code q = (b*rows + i)*width + j} reads tap (c, u, v) at
 * {@code q + (top+dy)*width + left+dx} of plane (c, py, px): the right value, or a zero where the tap
 * is padding. The positions with {@code i >= Ho} or {@code j >= Wo} are the frame's own, computed and
 * dropped: {@code rows*width / (Ho*Wo) - 1} more work (7% for a 3x3 "same" layer at 28x28, 15% at 14x14,
 * 31% at 7x7, 15% for resnet's 3x3 stride-2 layer to 14x14).
 */
final class ConvFrame {

    /** Frames cost at most this much more work than im2col's positions, or a layer keeps im2col ("same" layers always take frames; see {@link #suits}). */
    static final double MAX_EXTRA = 1.35;

    final int g, c, h, w, kh, kw, sh, sw, ph, pw, ho, wo;
    /** Zero rows above an example's phase rows, zeros left of a row's values. */
    final int top, left;
    /** Rows per example, floats per row, positions of the whole frame, floats per phase plane. */
    final int rows, width, positions, plane;

    /** The frame of g examples of a (C, H, W) input to this convolution. */
    ConvFrame(int g, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        this.g = g;
        this.c = c;
        this.h = h;
        this.w = w;
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.ph = ph;
        this.pw = pw;
        ho = Conv2dOps.outputSize(h, kh, sh, ph);
        wo = Conv2dOps.outputSize(w, kw, sw, pw);
        int dyMin = Math.floorDiv(-ph, sh), dyMax = Math.floorDiv(kh - 1 - ph, sh);
        int dxMin = Math.floorDiv(-pw, sw), dxMax = Math.floorDiv(kw - 1 - pw, sw);
        top = -dyMin;
        left = -dxMin;
        // An example's reads [top+dyMin, top+ho-1+dyMax] must miss its neighbours' phase rows [top, top+hp)
        // (likewise along a row): rows >= hp - dyMin and rows >= ho + dyMax; and its ho output rows fit.
        int hp = ceilDiv(h, sh), wp = ceilDiv(w, sw);
        rows = Math.max(ho, Math.max(hp - dyMin, ho + dyMax));
        width = Math.max(wo, Math.max(wp - dxMin, wo + dxMax));
        positions = g * rows * width;
        plane = positions + (top + dyMax) * width + left + dxMax;
    }

    /**
     * Whether a layer of this shape reads frames: "same" layers always; others (not 1x1: their frame is
     * im2col's copy) only when no backward follows and the frame adds at most {@link #MAX_EXTRA}. In
     * training the forward's columns serve dW too (resnet8 trained 1.1x slower with its stride-2 3x3
     * layers on frames, whose forward ran 1.3x faster).
     */
    static boolean suits(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, boolean training) {
        if (Conv2dOps.dxByConvolution(kh, kw, sh, sw, ph, pw)) {
            return true;
        }
        if (training || kh * kw == 1) {
            return false;
        }
        ConvFrame f = new ConvFrame(1, 1, h, w, kh, kw, sh, sw, ph, pw);
        return f.ho >= 1 && f.wo >= 1 && f.rows * f.width <= MAX_EXTRA * f.ho * f.wo;
    }

    /** Floats of the frame's planes: C*sh*sw of them. */
    int floats() {
        return c * sh * sw * plane;
    }

    /** Where the frame's row for tap (ch, u, v) starts, relative to the frame. */
    int tap(int ch, int u, int v) {
        int dy = Math.floorDiv(u - ph, sh), py = u - ph - sh * dy, dx = Math.floorDiv(v - pw, sw), px = v - pw - sw * dx;
        return ((ch * sh + py) * sw + px) * plane + (top + dy) * width + left + dx;
    }

    /** {@code rowsOfTaps[(ch*kh + u)*kw + v] = at + tap(ch, u, v)}. */
    void taps(int at, int[] rowsOfTaps) {
        for (int ch = 0; ch < c; ch++) {
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++) {
                    rowsOfTaps[(ch * kh + u) * kw + v] = at + tap(ch, u, v);
                }
            }
        }
    }

    /**
     * Examples b0 .. b0+g of x (N, C, H, W) into the frame at {@code f[at ..]}, its zeros written too. At
     * stride 1 the frame is zeroed whole, then X's rows copied over it ({@link #fillUnstrided}); strided, each
     * float of a phase plane once, in increasing order (a row copied by whole vectors may spill into the
     * floats after it, which come later).
     */
    void fill(float[] x, int b0, float[] f, int at) {
        if (sh == 1 && sw == 1) {
            fillUnstrided(x, b0, f, at);
            return;
        }
        int hw = h * w, planes = c * sh * sw;
        int[] done = new int[planes];  // per plane: where its floats are written up to
        for (int pi = 0; pi < planes; pi++) {
            done[pi] = at + pi * plane;
        }
        // Examples outside, planes inside: x is read in memory order; each plane still gets its floats in increasing order.
        for (int b = 0; b < g; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int py = 0; py < sh; py++) {
                    for (int px = 0; px < sw; px++) {
                        int pi = (ch * sh + py) * sw + px, planeAt = at + pi * plane, planeEnd = planeAt + plane;
                        int phaseRows = Math.max(0, ceilDiv(h - py, sh)), len = Math.max(0, ceilDiv(w - px, sw));
                        if (phaseRows == 0 || len == 0) {
                            continue;
                        }
                        int from = ((b0 + b) * c + ch) * hw + py * w + px, to = planeAt + (b * rows + top) * width + left;
                        zero(f, done[pi], to);
                        if (sw == 1) {
                            copyRows(x, from, sh * w, f, to, width, len, phaseRows, planeEnd);
                        } else if (sw == 2 && VectorSupport.AVAILABLE) {
                            CopyVector.everyOther(x, from, sh * w, f, to, width, len, phaseRows, planeEnd);
                        } else {
                            for (int y = 0, r = to; y < phaseRows; y++, r += width) {
                                for (int j = 0, s = from + y * sh * w; j < len; j++, s += sw) {
                                    f[r + j] = x[s];
                                }
                            }
                        }
                        for (int y = 1, r = to + len; y < phaseRows; y++, r += width) {
                            zero(f, r, r + width - len);
                        }
                        done[pi] = to + (phaseRows - 1) * width + len;
                    }
                }
            }
        }
        for (int pi = 0; pi < planes; pi++) {
            zero(f, done[pi], at + (pi + 1) * plane);
        }
    }

    /**
     * {@link #fill} at stride 1: the frame zeroed in one pass, then each row of X copied to its place. Zeros
     * between rows (a float or two) by themselves, row by row, cost more than writing them twice: resnet20's
     * three stages filled 1.5-2.1x faster this way (docs/PERFORMANCE.md, "Frame fills by rows").
     */
    private void fillUnstrided(float[] x, int b0, float[] f, int at) {
        java.util.Arrays.fill(f, at, at + floats(), 0f);
        int hw = h * w;
        for (int b = 0; b < g; b++) {  // x read in memory order (planes outside ran 1.2x slower)
            for (int ch = 0; ch < c; ch++) {
                int from = ((b0 + b) * c + ch) * hw, to = at + ch * plane + (b * rows + top) * width + left;
                for (int y = 0; y < h; y++, from += w, to += width) {
                    System.arraycopy(x, from, f, to, w);
                }
            }
        }
    }

    /**
     * What {@link TransposeVector#channelsLast} makes of the stride-1 frame {@link #fill} writes,
     * {@code xcl[p*op + ch]} over the frame's plane ({@code ch < op}, 0 past C and where the frame has no X),
     * without the frame: xcl zeroed, each example's C planes turned into {@code scratch} (H*W rows of op),
     * its rows copied into place. Turns only X's positions (resnet20's stage 3: 49 of a frame's 64 per
     * example) and writes and reads no frame. Needs stride 1, op >= C and a whole number of vectors (as
     * {@link TransposeVector#channelsLast} does), {@code op*H*W} floats of scratch and {@code op*plane} of xcl.
     */
    void fillChannelsLast(float[] x, int b0, float[] xcl, int op, float[] scratch, int[] index) {
        assert sh == 1 && sw == 1 && op >= c && scratch.length >= op * h * w : "a stride-1 frame, op >= C, scratch for an example";
        java.util.Arrays.fill(xcl, 0, op * plane, 0f);
        int hw = h * w, row = w * op;
        for (int b = 0; b < g; b++) {
            Conv2dOps.channelsLast(x, (b0 + b) * c * hw, c, hw, hw, scratch, 0, op, index);
            for (int y = 0, to = ((b * rows + top) * width + left) * op; y < h; y++, to += width * op) {
                System.arraycopy(scratch, y * row, xcl, to, row);
            }
        }
    }

    /**
     * {@link #fillChannelsLast} from X already channels-last ({@code x[((b*H + y)*W + x)*C + ch]}, C whole
     * vectors, so op = C): each frame row written once, its zeros and X's row copied into it, no turn.
     */
    void fillChannelsLastFromRows(float[] x, int b0, float[] xcl) {
        assert sh == 1 && sw == 1 && Conv2dOps.paddedChannels(c) == c : "a stride-1 frame, C whole vectors";
        int row = w * c, line = width * c, at = 0;
        for (int b = 0; b < g; b++) {
            for (int r = 0, from = (b0 + b) * h * row - top * row; r < rows; r++, at += line, from += row) {
                if (r < top || r >= top + h) {
                    java.util.Arrays.fill(xcl, at, at + line, 0f);
                    continue;
                }
                java.util.Arrays.fill(xcl, at, at + left * c, 0f);
                System.arraycopy(x, from, xcl, at + left * c, row);
                java.util.Arrays.fill(xcl, at + left * c + row, at + line, 0f);
            }
        }
        java.util.Arrays.fill(xcl, at, c * plane, 0f);  // past the last example's rows, which its taps still read
    }

    /**
     * {@code Y (M x positions) = bias + A (M x C*kh*kw, rows aRow apart) * the frame's tap rows}, the frame
     * at {@code f[at ..]}; each output starts from {@code a[bOff + m]} ({@code bOff < 0}: +0). The outputs
     * of examples b0 .. b0+g go to out (N, M, Ho, Wo); {@code y} and {@code rowsOfTaps} are scratch.
     */
    void product(float[] f, int at, float[] a, int aOff, int aRow, int bOff, int m, float[] out, int b0,
                 float[] y, int[] rowsOfTaps, KernelChoice choice) {
        int q = positions, hw = ho * wo;
        taps(at, rowsOfTaps);
        for (int r = 0; r < m; r++) {
            java.util.Arrays.fill(y, r * q, (r + 1) * q, bOff >= 0 ? a[bOff + r] : 0f);
        }
        Gemm.chainBRows(choice, m, q, c * kh * kw, a, aOff, aRow, 1, f, rowsOfTaps, y, 0, q);
        int end = (b0 + g) * m * hw;
        for (int b = 0; b < g; b++) {
            for (int r = 0; r < m; r++) {
                copyRows(y, r * q + b * rows * width, width, out, ((b0 + b) * m + r) * hw, wo, wo, ho, end);
            }
        }
    }

    /**
     * The im2col matrix of the frame at {@code f[at ..]} written out: row (ch, u, v) of {@code col} (rows ld
     * apart), entry {@code b*Ho*Wo + i*Wo + j}, is the frame's float for that tap at output (b, i, j):
     * X's value there, or the frame's zero where the tap reads padding.
     */
    void columns(float[] f, int at, float[] col, int ld) {
        int hw = ho * wo;
        for (int ch = 0, row = 0; ch < c; ch++) {
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++, row++) {
                    int src = at + tap(ch, u, v), dst = row * ld, end = dst + g * hw;
                    for (int b = 0; b < g; b++) {
                        copyRows(f, src + b * rows * width, width, col, dst + b * hw, wo, wo, ho, end);
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #columns}: the frame at {@code f[at ..]} from +0, then for each tap row
     * (ch, u, v) of {@code col} in that order, each entry added to the float it was read from. A cell of X
     * so gets its entries in (u, v) order, as {@link Unfold#col2imAdd} adds them; the frame's zeros
     * gather padding's, dropped by {@link #unfill}.
     */
    void addColumns(float[] col, int ld, float[] f, int at) {
        java.util.Arrays.fill(f, at, at + floats(), 0f);
        int hw = ho * wo;
        for (int ch = 0, row = 0; ch < c; ch++) {
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++, row++) {
                    int dst = at + tap(ch, u, v), src = row * ld;
                    for (int b = 0; b < g; b++) {
                        if (VectorSupport.AVAILABLE) {
                            CopyVector.addRows(col, src + b * hw, wo, f, dst + b * rows * width, width, wo, ho);
                            continue;
                        }
                        for (int i = 0; i < ho; i++) {
                            for (int j = 0, d = dst + (b * rows + i) * width, s = src + b * hw + i * wo; j < wo; j++) {
                                f[d + j] += col[s + j];
                            }
                        }
                    }
                }
            }
        }
    }

    /** Examples b0 .. b0+g of x (N, C, H, W) overwritten from the frame at {@code f[at ..]}: the inverse of {@link #fill}. */
    void unfill(float[] f, int at, float[] x, int b0) {
        int hw = h * w, end = (b0 + g) * c * hw;
        for (int b = 0; b < g; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {  // rows in order: a merged row may spill into the next
                    int py = y % sh, to = ((b0 + b) * c + ch) * hw + y * w;
                    int rowAt = at + ((ch * sh + py) * sw) * plane + (b * rows + top + y / sh) * width + left;
                    if (sw == 2 && VectorSupport.AVAILABLE) {
                        CopyVector.interleaveRow(f, rowAt, f, rowAt + plane, x, to, w, end);
                        continue;
                    }
                    for (int xx = 0; xx < w; xx++) {
                        x[to + xx] = f[rowAt + (xx % sw) * plane + xx / sw];
                    }
                }
            }
        }
    }

    /** {@code dst[dOff + i*dStride + j] = src[sOff + i*sStride + j]} ({@code i < count, j < len}); may write dst past a row, below dLimit. */
    private static void copyRows(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride, int len, int count, int dLimit) {
        if (VectorSupport.AVAILABLE) {
            CopyVector.rows(src, sOff, sStride, dst, dOff, dStride, len, count, dLimit);
        } else {
            for (int i = 0; i < count; i++) {
                System.arraycopy(src, sOff + i * sStride, dst, dOff + i * dStride, len);
            }
        }
    }

    private static void zero(float[] f, int from, int to) {
        if (to - from > 32) {
            java.util.Arrays.fill(f, from, to, 0f);
        } else {
            for (int i = from; i < to; i++) {
                f[i] = 0f;
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}
