package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * dW of a "same" stride-1 layer on frames by vectors along the input channels: the frame of X turned
 * channels-last ({@code xcl[p*C + ch]}) puts the C channels a tap reads at a position side by side, and each
 * tile keeps 8 (or, for 16 vector registers, 4) output channels by 3 (or 2) neighbouring taps (u, v..v+2) of
 * one vector of channels: per position 3 loads and 8 broadcasts of dY for 24 fmas, where the chain over [frame rows; 1] x dY^T
 * ({@link Gemm#chainARows}) had one load per fma with one vector of columns (resnet20's 16-channel layers:
 * 129 GFLOP/s against 213-219 for this tile, docs/PERFORMANCE.md). The tiles run over the outputs'
 * positions only, one loop that steps over the frame's own positions at each row's end, so they skip what the
 * chain computes with dY's +0 (7% of the frame at 28x28 for 3x3, 65% at 14x14 for 5x5).
 * Each dW entry's chain: from its old value, over the output positions in increasing order (examples, rows,
 * columns), {@code fma(X[ch] at the position + tap shift, dY[o] at the position, acc)}: im2col's chain. db's,
 * {@code fma(1, dY[o], acc)}, runs over the frame's positions from the first output to the last, as the chain on
 * frames does. That chain also takes {@code fma(x, +0, acc)} at the frame's own positions, which leave acc as it was for finite x unless acc is exactly -0 (then +0): the two
 * paths give the same bits up to the sign of an exact zero, which the exact sum turns into the same word, so
 * the same weights (docs/ENGINE.md; with an infinite or NaN input the step diverges by either).
 */
final class WeightsChannelsLast {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int L = Lanes.L;

    /** Output channels per tile. */
    static final int OB = 8;

    private WeightsChannelsLast() {
    }

    /** Compiles the kernel before its first real call: uncompiled, its vectors are objects, 100 times slower. */
    private static final class Warm {
        static {
            int c = L, width = 6;
            float[] x = new float[(3 * width + 3) * c], dy = new float[OB * 3 * width], acc = new float[OB * 9 * c];
            int span = 2 * L + 3;
            float[] planes = new float[L * span], db = new float[L];
            JitWarmUp.untilCompiled(java.util.List.of(() -> biasChains(planes, 0, span, L, span, db, 0),
                            () -> tile3n(x, 0, c, dy, 0, 3 * width, 1, 2, 3, width, 2 * width, acc, 0, 3 * c),
                            () -> tile2n(x, 0, c, dy, 0, 3 * width, 1, 2, 3, width, 2 * width, acc, 0, 3 * c)),
                    java.util.List.of(() -> tile3(x, 0, c, dy, 0, 3 * width, 1, 2, 3, width, 2 * width, acc, 0, 3 * c),
                            () -> tile2(x, 0, c, dy, 0, 3 * width, 1, 2, 3, width, 2 * width, acc, 0, 3 * c)),
                    1_000_000_000L);
        }

        static void ensure() {
        }
    }

    /**
     * Whether a layer's dW can take this path: vectors available, "same" at stride 1, kernel width 2, 3, 5, 6, 8
     * or 9 (tiles of 3 and 2 taps), O a multiple of 8, C whole vectors, and the chained dW (not dot16).
     */
    static boolean suits(int c, int o, int kh, int kw, int sh, int sw, int ph, int pw) {
        return VectorSupport.AVAILABLE && Conv2dOps.dxByConvolution(kh, kw, sh, sw, ph, pw) && kw % 3 != 1
                && o % OB == 0 && c % L == 0 && !Conv2dOps.weightsByDot16(c * kh * kw);
    }

    /**
     * Whether this path is the only one a layer's dW takes: its output channels fill one vector, where the chain
     * has one vector of columns (slower by the factor above); with more, both are timed ({@link ConvChoices}).
     */
    static boolean only(int c, int o, int kh, int kw, int sh, int sw, int ph, int pw) {
        return suits(c, o, kh, kw, sh, sw, ph, pw) && Conv2dOps.paddedChannels(o) == L;
    }

    /**
     * Continues the chains of {@code dw} (laid out as {@code ((oc*kh + u)*kw + v)*C + ch}, then db) over the output positions of the frame
     * {@code xf} (db's over {@link #biasChains}' positions): {@code xcl} its X channels-last ({@code xcl[p*C + ch]}, p over the whole plane), dY of output
     * channel oc at frame position q in {@code f[dyAt + oc*dyPlane + q]}. db's chains only with {@code bias}
     * (without, the layer has no db to write). Tiles of 8 output channels (24 accumulators with 3 taps), or
     * of 4 when {@code narrow} (12, which fit 16 vector registers; see {@link Lanes#WIDE_TILES_ONLY}); the same chains.
     */
    static void weights(float[] xcl, ConvFrame xf, float[] f, int dyAt, int dyPlane, int o, float[] dw, boolean bias,
                        boolean narrow) {
        Warm.ensure();
        int c = xf.c, kh = xf.kh, kw = xf.kw, step = xf.rows * xf.width, s = kh * kw * c;  // s: one output channel's entries
        for (int o0 = 0; o0 < o; o0 += narrow ? OB / 2 : OB) {
            int dyOff = dyAt + o0 * dyPlane;
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v += 3) {
                    for (int cv = 0; cv < c; cv += L) {
                        int xOff = xf.tap(0, u, v) * c + cv, cOff = ((o0 * kh + u) * kw + v) * c + cv;
                        if (narrow && kw - v >= 3) {
                            tile3n(xcl, xOff, c, f, dyOff, dyPlane, xf.g, xf.ho, xf.wo, xf.width, step, dw, cOff, s);
                        } else if (narrow) {
                            tile2n(xcl, xOff, c, f, dyOff, dyPlane, xf.g, xf.ho, xf.wo, xf.width, step, dw, cOff, s);
                        } else if (kw - v >= 3) {
                            tile3(xcl, xOff, c, f, dyOff, dyPlane, xf.g, xf.ho, xf.wo, xf.width, step, dw, cOff, s);
                        } else {
                            tile2(xcl, xOff, c, f, dyOff, dyPlane, xf.g, xf.ho, xf.wo, xf.width, step, dw, cOff, s);
                        }
                    }
                }
            }
        }
        if (bias) {
            int span = (xf.g - 1) * step + (xf.ho - 1) * xf.width + xf.wo;  // the first output position to past the last
            biasChains(f, dyAt, dyPlane, o, span, dw, o * c * kh * kw);
        }
    }

    /**
     * db's chains, {@code db[oc] = fma(1, dY[oc] at q, db[oc])} (that is, {@code db[oc] + dY[oc] at q}), over
     * the positions q < span in increasing order: the output positions and, between them, the frame's own,
     * where dY's frame holds +0 (the terms of the chain over [frame rows; 1], docs/ENGINE.md: they leave
     * each sum as it was unless it is exactly -0, a sign the exact sum does not see). By vectors of L
     * channels: each block of L channels by L positions turned in registers ({@link TransposeVector#block}),
     * then its L vectors added in position order; the positions past the last whole block, and the channels past
     * the last whole vector, by {@link #sideBySide}. That loop alone, over the output positions, took 11.4% of the
     * JFR samples of a 16-channel layer's backward at 28x28, this 4.3% (docs/PERFORMANCE.md, "db by vectors of
     * output channels").
     */
    static void biasChains(float[] f, int dyAt, int dyPlane, int o, int span, float[] db, int dbAt) {
        Warm.ensure();
        int vectors = TransposeVector.BLOCKS ? o - o % L : 0, blocked = span - span % L;
        float[] turned = new float[L * L];
        for (int c0 = 0; c0 < vectors; c0 += L) {
            FloatVector acc = FloatVector.fromArray(F, db, dbAt + c0);
            for (int p = 0, from = dyAt + c0 * dyPlane; p < blocked; p += L) {
                TransposeVector.block(f, from + p, dyPlane, L, turned, 0, L);
                for (int k = 0; k < L; k++) {
                    acc = acc.add(FloatVector.fromArray(F, turned, k * L));
                }
            }
            acc.intoArray(db, dbAt + c0);
        }
        sideBySide(f, dyAt, dyPlane, 0, vectors, blocked, span, db, dbAt);
        sideBySide(f, dyAt, dyPlane, vectors, o, 0, span, db, dbAt);
    }

    /**
     * db's chains of channels {@code from <= oc < to} over positions {@code p0 <= q < span}, in increasing q, the
     * chains side by side (one fma's latency per chain would serialize them).
     */
    private static void sideBySide(float[] f, int dyAt, int dyPlane, int from, int to, int p0, int span, float[] db, int dbAt) {
        float[] acc = java.util.Arrays.copyOfRange(db, dbAt + from, dbAt + to);
        for (int p = p0; p < span; p++) {
            for (int oc = from, at = dyAt + from * dyPlane + p; oc < to; oc++, at += dyPlane) {
                acc[oc - from] = Math.fma(1f, f[at], acc[oc - from]);
            }
        }
        System.arraycopy(acc, 0, db, dbAt + from, to - from);
    }

    /**
     * The tiles: accumulators {@code acc[cOff + r*s + t*C ..+L)} for r < 8 (narrow: 4) output channels and t < 3 (or 2) taps
     * continue over the output positions q = b*step + i*width + j (b < g, i < ho, j < wo) with
     * {@code fma(x[xOff + (q + t)*C ..], dy[dyOff + r*dyPlane + q], acc)}.
     */
    private static void tile3(float[] x, int xOff, int c, float[] dy, int dyOff, int dyPlane, int g, int ho, int wo,
                              int width, int step, float[] acc, int cOff, int s) {
        FloatVector a00 = FloatVector.fromArray(F, acc, cOff), a01 = FloatVector.fromArray(F, acc, cOff + c), a02 = FloatVector.fromArray(F, acc, cOff + 2 * c);
        FloatVector a10 = FloatVector.fromArray(F, acc, cOff + s), a11 = FloatVector.fromArray(F, acc, cOff + s + c), a12 = FloatVector.fromArray(F, acc, cOff + s + 2 * c);
        FloatVector a20 = FloatVector.fromArray(F, acc, cOff + 2 * s), a21 = FloatVector.fromArray(F, acc, cOff + 2 * s + c), a22 = FloatVector.fromArray(F, acc, cOff + 2 * s + 2 * c);
        FloatVector a30 = FloatVector.fromArray(F, acc, cOff + 3 * s), a31 = FloatVector.fromArray(F, acc, cOff + 3 * s + c), a32 = FloatVector.fromArray(F, acc, cOff + 3 * s + 2 * c);
        FloatVector a40 = FloatVector.fromArray(F, acc, cOff + 4 * s), a41 = FloatVector.fromArray(F, acc, cOff + 4 * s + c), a42 = FloatVector.fromArray(F, acc, cOff + 4 * s + 2 * c);
        FloatVector a50 = FloatVector.fromArray(F, acc, cOff + 5 * s), a51 = FloatVector.fromArray(F, acc, cOff + 5 * s + c), a52 = FloatVector.fromArray(F, acc, cOff + 5 * s + 2 * c);
        FloatVector a60 = FloatVector.fromArray(F, acc, cOff + 6 * s), a61 = FloatVector.fromArray(F, acc, cOff + 6 * s + c), a62 = FloatVector.fromArray(F, acc, cOff + 6 * s + 2 * c);
        FloatVector a70 = FloatVector.fromArray(F, acc, cOff + 7 * s), a71 = FloatVector.fromArray(F, acc, cOff + 7 * s + c), a72 = FloatVector.fromArray(F, acc, cOff + 7 * s + 2 * c);
        // One loop over all g*ho*wo positions, stepping over the frame's own at each row's end: nested loops
        // per example and row ran 2.2x slower compiled (resnet20's 16-channel dW, docs/PERFORMANCE.md)
        int skip = width - wo, exampleSkip = step - ho * width;
        for (int j = 0, i = 0, xi = xOff, d = dyOff, left = g * ho * wo; left > 0; left--) {
            FloatVector x0 = FloatVector.fromArray(F, x, xi), x1 = FloatVector.fromArray(F, x, xi + c), x2 = FloatVector.fromArray(F, x, xi + 2 * c);
            FloatVector y = FloatVector.broadcast(F, dy[d]);
            a00 = x0.fma(y, a00); a01 = x1.fma(y, a01); a02 = x2.fma(y, a02);
            y = FloatVector.broadcast(F, dy[d + dyPlane]);
            a10 = x0.fma(y, a10); a11 = x1.fma(y, a11); a12 = x2.fma(y, a12);
            y = FloatVector.broadcast(F, dy[d + 2 * dyPlane]);
            a20 = x0.fma(y, a20); a21 = x1.fma(y, a21); a22 = x2.fma(y, a22);
            y = FloatVector.broadcast(F, dy[d + 3 * dyPlane]);
            a30 = x0.fma(y, a30); a31 = x1.fma(y, a31); a32 = x2.fma(y, a32);
            y = FloatVector.broadcast(F, dy[d + 4 * dyPlane]);
            a40 = x0.fma(y, a40); a41 = x1.fma(y, a41); a42 = x2.fma(y, a42);
            y = FloatVector.broadcast(F, dy[d + 5 * dyPlane]);
            a50 = x0.fma(y, a50); a51 = x1.fma(y, a51); a52 = x2.fma(y, a52);
            y = FloatVector.broadcast(F, dy[d + 6 * dyPlane]);
            a60 = x0.fma(y, a60); a61 = x1.fma(y, a61); a62 = x2.fma(y, a62);
            y = FloatVector.broadcast(F, dy[d + 7 * dyPlane]);
            a70 = x0.fma(y, a70); a71 = x1.fma(y, a71); a72 = x2.fma(y, a72);
            xi += c;
            d++;
            if (++j == wo) {  // the row's end: on to the next row, or the next example's first
                j = 0;
                int next = ++i == ho ? skip + exampleSkip : skip;
                i = i == ho ? 0 : i;
                xi += next * c;
                d += next;
            }
        }
        a00.intoArray(acc, cOff); a01.intoArray(acc, cOff + c); a02.intoArray(acc, cOff + 2 * c);
        a10.intoArray(acc, cOff + s); a11.intoArray(acc, cOff + s + c); a12.intoArray(acc, cOff + s + 2 * c);
        a20.intoArray(acc, cOff + 2 * s); a21.intoArray(acc, cOff + 2 * s + c); a22.intoArray(acc, cOff + 2 * s + 2 * c);
        a30.intoArray(acc, cOff + 3 * s); a31.intoArray(acc, cOff + 3 * s + c); a32.intoArray(acc, cOff + 3 * s + 2 * c);
        a40.intoArray(acc, cOff + 4 * s); a41.intoArray(acc, cOff + 4 * s + c); a42.intoArray(acc, cOff + 4 * s + 2 * c);
        a50.intoArray(acc, cOff + 5 * s); a51.intoArray(acc, cOff + 5 * s + c); a52.intoArray(acc, cOff + 5 * s + 2 * c);
        a60.intoArray(acc, cOff + 6 * s); a61.intoArray(acc, cOff + 6 * s + c); a62.intoArray(acc, cOff + 6 * s + 2 * c);
        a70.intoArray(acc, cOff + 7 * s); a71.intoArray(acc, cOff + 7 * s + c); a72.intoArray(acc, cOff + 7 * s + 2 * c);
    }

    /** {@link #tile3} for two taps. */
    private static void tile2(float[] x, int xOff, int c, float[] dy, int dyOff, int dyPlane, int g, int ho, int wo,
                              int width, int step, float[] acc, int cOff, int s) {
        FloatVector a00 = FloatVector.fromArray(F, acc, cOff), a01 = FloatVector.fromArray(F, acc, cOff + c);
        FloatVector a10 = FloatVector.fromArray(F, acc, cOff + s), a11 = FloatVector.fromArray(F, acc, cOff + s + c);
        FloatVector a20 = FloatVector.fromArray(F, acc, cOff + 2 * s), a21 = FloatVector.fromArray(F, acc, cOff + 2 * s + c);
        FloatVector a30 = FloatVector.fromArray(F, acc, cOff + 3 * s), a31 = FloatVector.fromArray(F, acc, cOff + 3 * s + c);
        FloatVector a40 = FloatVector.fromArray(F, acc, cOff + 4 * s), a41 = FloatVector.fromArray(F, acc, cOff + 4 * s + c);
        FloatVector a50 = FloatVector.fromArray(F, acc, cOff + 5 * s), a51 = FloatVector.fromArray(F, acc, cOff + 5 * s + c);
        FloatVector a60 = FloatVector.fromArray(F, acc, cOff + 6 * s), a61 = FloatVector.fromArray(F, acc, cOff + 6 * s + c);
        FloatVector a70 = FloatVector.fromArray(F, acc, cOff + 7 * s), a71 = FloatVector.fromArray(F, acc, cOff + 7 * s + c);
        // One loop over all g*ho*wo positions, stepping over the frame's own at each row's end: nested loops
        // per example and row ran 2.2x slower compiled (resnet20's 16-channel dW, docs/PERFORMANCE.md)
        int skip = width - wo, exampleSkip = step - ho * width;
        for (int j = 0, i = 0, xi = xOff, d = dyOff, left = g * ho * wo; left > 0; left--) {
            FloatVector x0 = FloatVector.fromArray(F, x, xi), x1 = FloatVector.fromArray(F, x, xi + c);
            FloatVector y = FloatVector.broadcast(F, dy[d]);
            a00 = x0.fma(y, a00); a01 = x1.fma(y, a01);
            y = FloatVector.broadcast(F, dy[d + dyPlane]);
            a10 = x0.fma(y, a10); a11 = x1.fma(y, a11);
            y = FloatVector.broadcast(F, dy[d + 2 * dyPlane]);
            a20 = x0.fma(y, a20); a21 = x1.fma(y, a21);
            y = FloatVector.broadcast(F, dy[d + 3 * dyPlane]);
            a30 = x0.fma(y, a30); a31 = x1.fma(y, a31);
            y = FloatVector.broadcast(F, dy[d + 4 * dyPlane]);
            a40 = x0.fma(y, a40); a41 = x1.fma(y, a41);
            y = FloatVector.broadcast(F, dy[d + 5 * dyPlane]);
            a50 = x0.fma(y, a50); a51 = x1.fma(y, a51);
            y = FloatVector.broadcast(F, dy[d + 6 * dyPlane]);
            a60 = x0.fma(y, a60); a61 = x1.fma(y, a61);
            y = FloatVector.broadcast(F, dy[d + 7 * dyPlane]);
            a70 = x0.fma(y, a70); a71 = x1.fma(y, a71);
            xi += c;
            d++;
            if (++j == wo) {  // the row's end: on to the next row, or the next example's first
                j = 0;
                int next = ++i == ho ? skip + exampleSkip : skip;
                i = i == ho ? 0 : i;
                xi += next * c;
                d += next;
            }
        }
        a00.intoArray(acc, cOff); a01.intoArray(acc, cOff + c);
        a10.intoArray(acc, cOff + s); a11.intoArray(acc, cOff + s + c);
        a20.intoArray(acc, cOff + 2 * s); a21.intoArray(acc, cOff + 2 * s + c);
        a30.intoArray(acc, cOff + 3 * s); a31.intoArray(acc, cOff + 3 * s + c);
        a40.intoArray(acc, cOff + 4 * s); a41.intoArray(acc, cOff + 4 * s + c);
        a50.intoArray(acc, cOff + 5 * s); a51.intoArray(acc, cOff + 5 * s + c);
        a60.intoArray(acc, cOff + 6 * s); a61.intoArray(acc, cOff + 6 * s + c);
        a70.intoArray(acc, cOff + 7 * s); a71.intoArray(acc, cOff + 7 * s + c);
    }

    /** {@link #tile3} for 4 output channels: 12 accumulators, which fit 16 vector registers. */
    private static void tile3n(float[] x, int xOff, int c, float[] dy, int dyOff, int dyPlane, int g, int ho, int wo,
                               int width, int step, float[] acc, int cOff, int s) {
        FloatVector a00 = FloatVector.fromArray(F, acc, cOff), a01 = FloatVector.fromArray(F, acc, cOff + c), a02 = FloatVector.fromArray(F, acc, cOff + 2 * c);
        FloatVector a10 = FloatVector.fromArray(F, acc, cOff + s), a11 = FloatVector.fromArray(F, acc, cOff + s + c), a12 = FloatVector.fromArray(F, acc, cOff + s + 2 * c);
        FloatVector a20 = FloatVector.fromArray(F, acc, cOff + 2 * s), a21 = FloatVector.fromArray(F, acc, cOff + 2 * s + c), a22 = FloatVector.fromArray(F, acc, cOff + 2 * s + 2 * c);
        FloatVector a30 = FloatVector.fromArray(F, acc, cOff + 3 * s), a31 = FloatVector.fromArray(F, acc, cOff + 3 * s + c), a32 = FloatVector.fromArray(F, acc, cOff + 3 * s + 2 * c);
        // One loop over all g*ho*wo positions, stepping over the frame's own at each row's end: nested loops
        // per example and row ran 2.2x slower compiled (resnet20's 16-channel dW, docs/PERFORMANCE.md)
        int skip = width - wo, exampleSkip = step - ho * width;
        for (int j = 0, i = 0, xi = xOff, d = dyOff, left = g * ho * wo; left > 0; left--) {
            FloatVector x0 = FloatVector.fromArray(F, x, xi), x1 = FloatVector.fromArray(F, x, xi + c), x2 = FloatVector.fromArray(F, x, xi + 2 * c);
            FloatVector y = FloatVector.broadcast(F, dy[d]);
            a00 = x0.fma(y, a00); a01 = x1.fma(y, a01); a02 = x2.fma(y, a02);
            y = FloatVector.broadcast(F, dy[d + dyPlane]);
            a10 = x0.fma(y, a10); a11 = x1.fma(y, a11); a12 = x2.fma(y, a12);
            y = FloatVector.broadcast(F, dy[d + 2 * dyPlane]);
            a20 = x0.fma(y, a20); a21 = x1.fma(y, a21); a22 = x2.fma(y, a22);
            y = FloatVector.broadcast(F, dy[d + 3 * dyPlane]);
            a30 = x0.fma(y, a30); a31 = x1.fma(y, a31); a32 = x2.fma(y, a32);
            xi += c;
            d++;
            if (++j == wo) {  // the row's end: on to the next row, or the next example's first
                j = 0;
                int next = ++i == ho ? skip + exampleSkip : skip;
                i = i == ho ? 0 : i;
                xi += next * c;
                d += next;
            }
        }
        a00.intoArray(acc, cOff); a01.intoArray(acc, cOff + c); a02.intoArray(acc, cOff + 2 * c);
        a10.intoArray(acc, cOff + s); a11.intoArray(acc, cOff + s + c); a12.intoArray(acc, cOff + s + 2 * c);
        a20.intoArray(acc, cOff + 2 * s); a21.intoArray(acc, cOff + 2 * s + c); a22.intoArray(acc, cOff + 2 * s + 2 * c);
        a30.intoArray(acc, cOff + 3 * s); a31.intoArray(acc, cOff + 3 * s + c); a32.intoArray(acc, cOff + 3 * s + 2 * c);
    }

    /** {@link #tile2} for 4 output channels. */
    private static void tile2n(float[] x, int xOff, int c, float[] dy, int dyOff, int dyPlane, int g, int ho, int wo,
                               int width, int step, float[] acc, int cOff, int s) {
        FloatVector a00 = FloatVector.fromArray(F, acc, cOff), a01 = FloatVector.fromArray(F, acc, cOff + c);
        FloatVector a10 = FloatVector.fromArray(F, acc, cOff + s), a11 = FloatVector.fromArray(F, acc, cOff + s + c);
        FloatVector a20 = FloatVector.fromArray(F, acc, cOff + 2 * s), a21 = FloatVector.fromArray(F, acc, cOff + 2 * s + c);
        FloatVector a30 = FloatVector.fromArray(F, acc, cOff + 3 * s), a31 = FloatVector.fromArray(F, acc, cOff + 3 * s + c);
        // One loop over all g*ho*wo positions, stepping over the frame's own at each row's end: nested loops
        // per example and row ran 2.2x slower compiled (resnet20's 16-channel dW, docs/PERFORMANCE.md)
        int skip = width - wo, exampleSkip = step - ho * width;
        for (int j = 0, i = 0, xi = xOff, d = dyOff, left = g * ho * wo; left > 0; left--) {
            FloatVector x0 = FloatVector.fromArray(F, x, xi), x1 = FloatVector.fromArray(F, x, xi + c);
            FloatVector y = FloatVector.broadcast(F, dy[d]);
            a00 = x0.fma(y, a00); a01 = x1.fma(y, a01);
            y = FloatVector.broadcast(F, dy[d + dyPlane]);
            a10 = x0.fma(y, a10); a11 = x1.fma(y, a11);
            y = FloatVector.broadcast(F, dy[d + 2 * dyPlane]);
            a20 = x0.fma(y, a20); a21 = x1.fma(y, a21);
            y = FloatVector.broadcast(F, dy[d + 3 * dyPlane]);
            a30 = x0.fma(y, a30); a31 = x1.fma(y, a31);
            xi += c;
            d++;
            if (++j == wo) {  // the row's end: on to the next row, or the next example's first
                j = 0;
                int next = ++i == ho ? skip + exampleSkip : skip;
                i = i == ho ? 0 : i;
                xi += next * c;
                d += next;
            }
        }
        a00.intoArray(acc, cOff); a01.intoArray(acc, cOff + c);
        a10.intoArray(acc, cOff + s); a11.intoArray(acc, cOff + s + c);
        a20.intoArray(acc, cOff + 2 * s); a21.intoArray(acc, cOff + 2 * s + c);
        a30.intoArray(acc, cOff + 3 * s); a31.intoArray(acc, cOff + 3 * s + c);
    }

}
