package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A frame product ({@link ConvFrame#product}) by vectors along the output channels: the frame
 * turned channels-last ({@code xcl[(phase*plane + p)*Cp + ch]}, one phase plane at stride 1; or made so from X at stride 1,
 * {@link #productOfInput}; or X's rows themselves, at any stride, {@link #productOfRows}), each tile 6 output positions by 2 or 4 vectors of
 * output channels (12 by 2 where 4 do not fit; 24 accumulators: {@link Lanes#WIDE_TILES_ONLY}), one broadcast of X per position and
 * one load of {@code A^T} per vector at each tap.
 * Vectors along the frame's positions ({@link Gemm#chainBRows}) compute every position of the frame,
 * its own ones too (31% more work at 7x7, 15% at 14x14); broadcasts can skip them, so only the Ho*Wo
 * positions of each example are computed. Each output's chain is the same: its bias (or +0), then one
 * fma per tap (c, u, v) in increasing order: {@code fma(A[r, (c,u,v)], frame[c] at q + tap shift, acc)}.
 */
final class ProductChannelsLast {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int L = Lanes.L;

    /** Output positions are taken in tiles of 6 or 12: the table of positions is padded to a multiple of this. */
    static final int P = 12;

    private ProductChannelsLast() {
    }

    /** Compiles the tiles before their first real call: uncompiled, their vectors are objects, 100 times slower. */
    private static final class Warm {
        static {
            int k = 9, m = 4 * L;
            float[] x = new float[64], at = new float[k * m], y = new float[P * m];
            int[] bases = new int[P], offs = new int[k];
            JitWarmUp.untilCompiled(java.util.List.of(() -> tile2(x, bases, 0, offs, k, at, m, 0, null, -1, y)),
                    java.util.List.of(() -> tile4(x, bases, 0, offs, k, at, m, 0, null, -1, y),
                            () -> tile12x2(x, bases, 0, offs, k, at, m, 0, null, -1, y)), 1_000_000_000L);
        }

        static void ensure() {
        }
    }

    /** Whether a product with m outputs per position can take this path: vectors available, m whole pairs of vectors. */
    static boolean suits(int m) {
        return VectorSupport.AVAILABLE && m % (2 * L) == 0;
    }

    /** Floats of the channels-last frame of xf: its sh*sw phase planes. */
    static int frameFloats(ConvFrame xf) {
        return Conv2dOps.paddedChannels(xf.c) * xf.sh * xf.sw * xf.plane;
    }

    /**
     * Floats of the channels-last output of xf's positions with m outputs each, at least one example's X
     * channels-last ({@link #productOfInput} turns it there first).
     */
    static int outputFloats(ConvFrame xf, int m) {
        return Math.max((xf.g * xf.ho * xf.wo + P) * m, Conv2dOps.paddedChannels(xf.c) * xf.h * xf.w);
    }

    /**
     * {@code aT[k*M + r] = a[aOff + r*aRow + k]}: A (M x K) transposed for {@link #product}, once per layer call; by
     * {@link TransposeVector#channelsLast} ({@code index}: M ints of scratch; M is whole vectors here), one float at a time
     * without index.
     */
    static void transposeA(float[] a, int aOff, int aRow, int m, int k, float[] aT, int[] index) {
        if (index != null) {
            TransposeVector.channelsLast(a, aOff, m, k, aRow, aT, 0, m, index);
            return;
        }
        for (int r = 0; r < m; r++) {
            for (int kk = 0; kk < k; kk++) {
                aT[kk * m + r] = a[aOff + r * aRow + kk];
            }
        }
    }

    /**
     * {@link ConvFrame#product}'s result by this path: {@code out (N, M, Ho, Wo)}, or (N, Ho, Wo, M) where
     * {@code outChannelsLast}, for examples b0 .. b0+g
     * of the frame {@code xf} at {@code f[at ..]}, A (M x C*kh*kw) given as {@code aT}
     * ({@link #transposeA}), each output from {@code a[bOff + r]} ({@code bOff < 0}: +0), by tiles of 24
     * accumulators ({@code wide}) or 12 (which fit 16 vector registers; see {@link Lanes#WIDE_TILES_ONLY}). Scratch:
     * {@code xcl} the frame channels-last, {@code ycl} the outputs channels-last; {@code index},
     * {@code offs}, {@code bases} int tables (at least Cp, C*kh*kw and g*Ho*Wo + P long).
     */
    static void product(float[] f, int at, ConvFrame xf, float[] aT, float[] a, int bOff, int m, boolean wide,
                        float[] out, boolean outChannelsLast, int b0, float[] xcl, float[] ycl, int[] index, int[] offs,
                        int[] bases) {
        int phases = xf.sh * xf.sw, cp = Conv2dOps.paddedChannels(xf.c);
        for (int phase = 0; phase < phases; phase++) {  // channel ch's phase plane is at (ch*phases + phase)*plane
            TransposeVector.channelsLast(f, at + phase * xf.plane, xf.c, xf.plane, phases * xf.plane, xcl,
                    phase * xf.plane * cp, cp, index);
        }
        tiles(xf, aT, a, bOff, m, wide, out, outChannelsLast, b0, xcl, ycl, offs, bases);
    }

    /**
     * {@link #product} of the frame of examples b0 .. b0+g of {@code x} (N, C, H, W), made channels-last
     * without the frame ({@link ConvFrame#fillChannelsLast}, with {@code ycl}, {@link #outputFloats} long, as its scratch).
     */
    static void productOfInput(float[] x, ConvFrame xf, float[] aT, float[] a, int bOff, int m, boolean wide, float[] out,
                               boolean outChannelsLast, int b0, float[] xcl, float[] ycl, int[] index, int[] offs,
                               int[] bases) {
        assert xf.sh == 1 && xf.sw == 1 : "X made channels-last without a frame at stride 1 only";
        xf.fillChannelsLast(x, b0, xcl, Conv2dOps.paddedChannels(xf.c), ycl, index);
        tiles(xf, aT, a, bOff, m, wide, out, outChannelsLast, b0, xcl, ycl, offs, bases);
    }

    /** The tiles of {@link #product} over xf's output positions, X channels-last in xcl. */
    private static void tiles(ConvFrame xf, float[] aT, float[] a, int bOff, int m, boolean wide, float[] out,
                              boolean outChannelsLast, int b0, float[] xcl, float[] ycl, int[] offs, int[] bases) {
        // a channel's phase planes are sh*sw planes apart in the frame; a tap's offset is its phase plane and shift
        tables(xf, xf, xf.sh * xf.sw * xf.plane, Conv2dOps.paddedChannels(xf.c), 1, 1, 0, offs, bases);
        run(xf, xcl, bases, offs, aT, a, bOff, m, wide, ycl);
        write(ycl, m, xf.g, xf.ho * xf.wo, out, outChannelsLast, b0);
    }

    /**
     * The tables the tiles read, in a channels-last copy of {@code frame} ({@code cp} floats a position, a channel's
     * planes {@code channelPlanes} apart in {@code frame}): tap (ch, u, v) of xf's kernel at {@code offs[(ch*kh + u)*kw + v]}
     * (its shift, then channel ch), and output (b, i, j) of xf at {@code bases}, frame position (b, i*si, j*sj), {@code at} further.
     */
    private static void tables(ConvFrame xf, ConvFrame frame, int channelPlanes, int cp, int si, int sj, int at, int[] offs,
                               int[] bases) {
        for (int ch = 0, k = 0; ch < xf.c; ch++) {
            for (int u = 0; u < xf.kh; u++) {
                for (int v = 0; v < xf.kw; v++, k++) {
                    offs[k] = (frame.tap(ch, u, v) - ch * channelPlanes) * cp + ch;
                }
            }
        }
        for (int b = 0, p = 0; b < xf.g; b++) {
            for (int i = 0; i < xf.ho; i++) {
                for (int j = 0; j < xf.wo; j++, p++) {
                    bases[p] = at + ((b * frame.rows + i * si) * frame.width + j * sj) * cp;
                }
            }
        }
    }

    /**
     * {@link #product}'s result from X channels-last, (N, H, W, C) with C whole vectors, at any stride: X's rows
     * copied into the zero frame of a stride-1 layer with the same kernel and padding ({@link ConvFrame#fillChannelsLastFromRows};
     * without padding X itself is that frame, read where it is), whose output (s*i, s*j) reads what output (i, j) of
     * this layer does. The same tiles on a table of those positions, the same chains.
     */
    static void productOfRows(float[] x, ConvFrame xf, float[] aT, float[] a, int bOff, int m, boolean wide, float[] out,
                              boolean outChannelsLast, int b0, float[] xcl, float[] ycl, int[] offs, int[] bases) {
        int c = xf.c;
        ConvFrame one = new ConvFrame(xf.g, c, xf.h, xf.w, xf.kh, xf.kw, 1, 1, xf.ph, xf.pw);
        boolean padded = xf.ph > 0 || xf.pw > 0;  // else the frame is X: top = left = 0, rows = H, width = W
        if (padded) {
            one.fillChannelsLastFromRows(x, b0, xcl);
        }
        tables(xf, one, one.plane, c, xf.sh, xf.sw, padded ? 0 : b0 * xf.h * xf.w * c, offs, bases);
        run(xf, padded ? xcl : x, bases, offs, aT, a, bOff, m, wide, ycl);
        write(ycl, m, xf.g, xf.ho * xf.wo, out, outChannelsLast, b0);
    }

    /**
     * A layer without a frame (1x1, no padding) on X's rows, (N, H, W, C): {@link #productOfRows} over its groups, each
     * output's chain as im2col's GEMM takes it (the bias or +0, then one fma per input channel in order); {@code epilog}
     * (or null) on each group's outputs.
     */
    static void unframedOfRows(float[] x, int n, int group, int c, int h, int w, int kh, int kw, int sh, int sw,
                               float[] params, int wOff, int bOff, int o, float[] out, boolean outChannelsLast, ConvWorkspace ws,
                               BatchNormEpilog epilog) {
        int ckk = c * kh * kw;
        transposeA(params, wOff, ckk, o, ckk, ws.aT, ws.index);
        for (int b0 = 0; b0 < n; b0 += group) {
            ConvFrame xf = new ConvFrame(Math.min(group, n - b0), c, h, w, kh, kw, sh, sw, 0, 0);
            productOfRows(x, xf, ws.aT, params, bOff, o, !Lanes.NARROW_TILES_ONLY, out, outChannelsLast, b0, ws.xcl, ws.ycl,
                    ws.offs, ws.bases);
            if (epilog != null) {
                epilog.apply(out, outChannelsLast, b0, xf.g, xf.ho * xf.wo);
            }
        }
    }

    /** The tiles over the g*Ho*Wo positions of the table {@code bases} (padded here to whole tiles), X channels-last in x. */
    private static void run(ConvFrame xf, float[] x, int[] bases, int[] offs, float[] aT, float[] a, int bOff, int m,
                            boolean wide, float[] ycl) {
        int c = xf.c, ckk = c * xf.kh * xf.kw, n = xf.g * xf.ho * xf.wo;
        int end = (n + P - 1) / P * P;
        java.util.Arrays.fill(bases, n, end, bases[n - 1]);  // the last tile's spare rows repeat a position, dropped below
        boolean taps3x3 = ProductChannelsLast3x3.suits(xf, offs);  // 3x3: the same tiles, the taps written out
        if (!taps3x3) {
            Warm.ensure();  // only the table's tiles run here: a network of 3x3 layers never compiles them
        }
        for (int o0 = 0; o0 < m; ) {
            boolean four = wide && m - o0 >= 4 * L;
            for (int p0 = 0; p0 < end; p0 += wide && !four ? 12 : 6) {
                if (taps3x3) {
                    if (four) {
                        ProductChannelsLast3x3.tile4(x, bases, p0, offs, c, aT, m, o0, a, bOff, ycl);
                    } else if (wide) {
                        ProductChannelsLast3x3.tile12x2(x, bases, p0, offs, c, aT, m, o0, a, bOff, ycl);
                    } else {
                        ProductChannelsLast3x3.tile2(x, bases, p0, offs, c, aT, m, o0, a, bOff, ycl);
                    }
                } else if (four) {
                    tile4(x, bases, p0, offs, ckk, aT, m, o0, a, bOff, ycl);
                } else if (wide) {
                    tile12x2(x, bases, p0, offs, ckk, aT, m, o0, a, bOff, ycl);
                } else {
                    tile2(x, bases, p0, offs, ckk, aT, m, o0, a, bOff, ycl);
                }
            }
            o0 += four ? 4 * L : 2 * L;
        }
    }

    /** The g examples' outputs from ycl into out: rows as they are (channels-last), or turned into planes. */
    private static void write(float[] ycl, int m, int g, int hw, float[] out, boolean outChannelsLast, int b0) {
        if (outChannelsLast) {  // out (N, Ho, Wo, M): the rows as they are
            System.arraycopy(ycl, 0, out, b0 * hw * m, g * hw * m);
        } else {
            unfold(ycl, m, g, hw, out, b0);
        }
    }

    /** {@code out[((b0+b)*M + r)*hw + p] = ycl[(b*hw + p)*M + r]}: each example's rows turned back into planes. */
    private static void unfold(float[] ycl, int m, int g, int hw, float[] out, int b0) {
        for (int b = 0; b < g; b++) {
            TransposeVector.planes(ycl, b * hw * m, m, hw, out, (b0 + b) * m * hw, hw);
        }
    }

    /** Positions p0 .. p0+6 by output vectors o0 .. o0+4L: {@code y[p*M + r]} from the bias, one fma per k. */
    private static void tile4(float[] x, int[] bases, int p0, int[] offs, int kk, float[] aT, int m, int o0,
                              float[] a, int bOff, float[] y) {
        int x0 = bases[p0], x1 = bases[p0 + 1], x2 = bases[p0 + 2], x3 = bases[p0 + 3], x4 = bases[p0 + 4], x5 = bases[p0 + 5];
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;  // the bias, or +0 (no helper: a vector crossing a call can stay uncompiled)
        if (bOff >= 0) {
            s0 = FloatVector.fromArray(F, a, bOff + o0);
            s1 = FloatVector.fromArray(F, a, bOff + o0 + L);
            s2 = FloatVector.fromArray(F, a, bOff + o0 + 2 * L);
            s3 = FloatVector.fromArray(F, a, bOff + o0 + 3 * L);
        }
        FloatVector a00 = s0, a01 = s1, a02 = s2, a03 = s3, a10 = s0, a11 = s1, a12 = s2, a13 = s3;
        FloatVector a20 = s0, a21 = s1, a22 = s2, a23 = s3, a30 = s0, a31 = s1, a32 = s2, a33 = s3;
        FloatVector a40 = s0, a41 = s1, a42 = s2, a43 = s3, a50 = s0, a51 = s1, a52 = s2, a53 = s3;
        for (int k = 0, wi = o0; k < kk; k++, wi += m) {
            int t = offs[k];
            FloatVector w0 = FloatVector.fromArray(F, aT, wi), w1 = FloatVector.fromArray(F, aT, wi + L);
            FloatVector w2 = FloatVector.fromArray(F, aT, wi + 2 * L), w3 = FloatVector.fromArray(F, aT, wi + 3 * L);
            FloatVector v = FloatVector.broadcast(F, x[x0 + t]);
            a00 = w0.fma(v, a00); a01 = w1.fma(v, a01); a02 = w2.fma(v, a02); a03 = w3.fma(v, a03);
            v = FloatVector.broadcast(F, x[x1 + t]);
            a10 = w0.fma(v, a10); a11 = w1.fma(v, a11); a12 = w2.fma(v, a12); a13 = w3.fma(v, a13);
            v = FloatVector.broadcast(F, x[x2 + t]);
            a20 = w0.fma(v, a20); a21 = w1.fma(v, a21); a22 = w2.fma(v, a22); a23 = w3.fma(v, a23);
            v = FloatVector.broadcast(F, x[x3 + t]);
            a30 = w0.fma(v, a30); a31 = w1.fma(v, a31); a32 = w2.fma(v, a32); a33 = w3.fma(v, a33);
            v = FloatVector.broadcast(F, x[x4 + t]);
            a40 = w0.fma(v, a40); a41 = w1.fma(v, a41); a42 = w2.fma(v, a42); a43 = w3.fma(v, a43);
            v = FloatVector.broadcast(F, x[x5 + t]);
            a50 = w0.fma(v, a50); a51 = w1.fma(v, a51); a52 = w2.fma(v, a52); a53 = w3.fma(v, a53);
        }
        int yi = p0 * m + o0;
        a00.intoArray(y, yi); a01.intoArray(y, yi + L); a02.intoArray(y, yi + 2 * L); a03.intoArray(y, yi + 3 * L);
        yi += m;
        a10.intoArray(y, yi); a11.intoArray(y, yi + L); a12.intoArray(y, yi + 2 * L); a13.intoArray(y, yi + 3 * L);
        yi += m;
        a20.intoArray(y, yi); a21.intoArray(y, yi + L); a22.intoArray(y, yi + 2 * L); a23.intoArray(y, yi + 3 * L);
        yi += m;
        a30.intoArray(y, yi); a31.intoArray(y, yi + L); a32.intoArray(y, yi + 2 * L); a33.intoArray(y, yi + 3 * L);
        yi += m;
        a40.intoArray(y, yi); a41.intoArray(y, yi + L); a42.intoArray(y, yi + 2 * L); a43.intoArray(y, yi + 3 * L);
        yi += m;
        a50.intoArray(y, yi); a51.intoArray(y, yi + L); a52.intoArray(y, yi + 2 * L); a53.intoArray(y, yi + 3 * L);
    }

    /** {@link #tile4} with two output vectors: 12 accumulators, for 16 registers. */
    private static void tile2(float[] x, int[] bases, int p0, int[] offs, int kk, float[] aT, int m, int o0,
                              float[] a, int bOff, float[] y) {
        int x0 = bases[p0], x1 = bases[p0 + 1], x2 = bases[p0 + 2], x3 = bases[p0 + 3], x4 = bases[p0 + 4], x5 = bases[p0 + 5];
        FloatVector s0 = FloatVector.zero(F), s1 = s0;
        if (bOff >= 0) {
            s0 = FloatVector.fromArray(F, a, bOff + o0);
            s1 = FloatVector.fromArray(F, a, bOff + o0 + L);
        }
        FloatVector a00 = s0, a01 = s1, a10 = s0, a11 = s1, a20 = s0, a21 = s1, a30 = s0, a31 = s1;
        FloatVector a40 = s0, a41 = s1, a50 = s0, a51 = s1;
        for (int k = 0, wi = o0; k < kk; k++, wi += m) {
            int t = offs[k];
            FloatVector w0 = FloatVector.fromArray(F, aT, wi), w1 = FloatVector.fromArray(F, aT, wi + L);
            FloatVector v = FloatVector.broadcast(F, x[x0 + t]);
            a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + t]);
            a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + t]);
            a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + t]);
            a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + t]);
            a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + t]);
            a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
        }
        int yi = p0 * m + o0;
        a00.intoArray(y, yi); a01.intoArray(y, yi + L);
        yi += m;
        a10.intoArray(y, yi); a11.intoArray(y, yi + L);
        yi += m;
        a20.intoArray(y, yi); a21.intoArray(y, yi + L);
        yi += m;
        a30.intoArray(y, yi); a31.intoArray(y, yi + L);
        yi += m;
        a40.intoArray(y, yi); a41.intoArray(y, yi + L);
        yi += m;
        a50.intoArray(y, yi); a51.intoArray(y, yi + L);
    }

    /** {@link #tile2} with 12 positions: 24 accumulators, 12 broadcasts and 2 loads per 24 fmas, for AVX-512's 32 registers. */
    private static void tile12x2(float[] x, int[] bases, int p0, int[] offs, int kk, float[] aT, int m, int o0,
                                 float[] a, int bOff, float[] y) {
        int x0 = bases[p0];
        int x1 = bases[p0 + 1];
        int x2 = bases[p0 + 2];
        int x3 = bases[p0 + 3];
        int x4 = bases[p0 + 4];
        int x5 = bases[p0 + 5];
        int x6 = bases[p0 + 6];
        int x7 = bases[p0 + 7];
        int x8 = bases[p0 + 8];
        int x9 = bases[p0 + 9];
        int x10 = bases[p0 + 10];
        int x11 = bases[p0 + 11];
        FloatVector s0 = FloatVector.zero(F), s1 = s0;
        if (bOff >= 0) {
            s0 = FloatVector.fromArray(F, a, bOff + o0);
            s1 = FloatVector.fromArray(F, a, bOff + o0 + L);
        }
        FloatVector a00 = s0, a01 = s1;
        FloatVector a10 = s0, a11 = s1;
        FloatVector a20 = s0, a21 = s1;
        FloatVector a30 = s0, a31 = s1;
        FloatVector a40 = s0, a41 = s1;
        FloatVector a50 = s0, a51 = s1;
        FloatVector a60 = s0, a61 = s1;
        FloatVector a70 = s0, a71 = s1;
        FloatVector a80 = s0, a81 = s1;
        FloatVector a90 = s0, a91 = s1;
        FloatVector a100 = s0, a101 = s1;
        FloatVector a110 = s0, a111 = s1;
        for (int k = 0, wi = o0; k < kk; k++, wi += m) {
            int t = offs[k];
            FloatVector w0 = FloatVector.fromArray(F, aT, wi), w1 = FloatVector.fromArray(F, aT, wi + L);
            FloatVector v = FloatVector.broadcast(F, x[x0 + t]);
            a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + t]);
            a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + t]);
            a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + t]);
            a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + t]);
            a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + t]);
            a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + t]);
            a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + t]);
            a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + t]);
            a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + t]);
            a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + t]);
            a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + t]);
            a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
        }
        int yi = p0 * m + o0;
        a00.intoArray(y, yi); a01.intoArray(y, yi + L);
        yi += m;
        a10.intoArray(y, yi); a11.intoArray(y, yi + L);
        yi += m;
        a20.intoArray(y, yi); a21.intoArray(y, yi + L);
        yi += m;
        a30.intoArray(y, yi); a31.intoArray(y, yi + L);
        yi += m;
        a40.intoArray(y, yi); a41.intoArray(y, yi + L);
        yi += m;
        a50.intoArray(y, yi); a51.intoArray(y, yi + L);
        yi += m;
        a60.intoArray(y, yi); a61.intoArray(y, yi + L);
        yi += m;
        a70.intoArray(y, yi); a71.intoArray(y, yi + L);
        yi += m;
        a80.intoArray(y, yi); a81.intoArray(y, yi + L);
        yi += m;
        a90.intoArray(y, yi); a91.intoArray(y, yi + L);
        yi += m;
        a100.intoArray(y, yi); a101.intoArray(y, yi + L);
        yi += m;
        a110.intoArray(y, yi); a111.intoArray(y, yi + L);
    }
}
