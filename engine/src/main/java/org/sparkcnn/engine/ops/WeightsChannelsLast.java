package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * dW of a 3x3 "same" layer whose output channels fill one vector (16 at 512 bits), on frames: vectors
 * along the input channels instead. The frame of X turned channels-last ({@code xcl[p*C + ch]}) puts the
 * C channels a tap reads at a position side by side, and each tile keeps 8 output channels by the 3 taps
 * (u, 0..2) of one vector of channels: per position 3 loads and 8 broadcasts of dY for 24 fmas, where the
 * chain over [frame rows; 1] x dY^T ({@link Gemm#chainARows}) had one load per fma with one vector of columns
 * (resnet20's 16-channel layers: 129 GFLOP/s against 213-219 for this tile, docs/PERFORMANCE.md).
 * Each entry's chain is the same: from its old value, over the frame's positions q in increasing order,
 * {@code fma(X[ch] at q + tap shift, dY[o] at q, acc)}; db's, {@code fma(1, dY[o] at q, acc)}.
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
            int c = L, q = 8, width = 4;
            float[] x = new float[(q + 3 * width) * c], dy = new float[OB * q], acc = new float[OB * 9 * c];
            JitWarmUp.untilCompiled(java.util.List.of(() -> tile(x, 0, c, dy, 0, q, q, acc, 0)), 1_000_000_000L);
        }

        static void ensure() {
        }
    }

    /** Whether a layer's dW takes this path: vectors available, 3x3 "same", O one vector and a multiple of 8, C whole vectors. */
    static boolean suits(int c, int o, int kh, int kw, int sh, int sw, int ph, int pw) {
        return VectorSupport.AVAILABLE && Conv2dOps.dxByConvolution(kh, kw, sh, sw, ph, pw) && kh == 3 && kw == 3
                && Conv2dOps.paddedChannels(o) == L && o % OB == 0 && c % L == 0;
    }

    /** Where [dW db] entry (oc, k) lives in this path's buffer: {@code ((oc*3 + u)*3 + v)*C + ch} for k = (ch*3 + u)*3 + v, then db. */
    static int index(int oc, int k, int c, int o) {
        int ckk = c * 9;
        if (k == ckk) {
            return o * ckk + oc;
        }
        int ch = k / 9, u = k / 3 % 3, v = k % 3;
        return ((oc * 3 + u) * 3 + v) * c + ch;
    }

    /**
     * Continues the chains of {@code dw} (laid out as {@link #index}) over the frame's q positions:
     * {@code xcl} the frame of X channels-last ({@code xcl[xAt + p*C + ch]}, p over the whole plane), dY of
     * output channel oc at q in {@code f[dyAt + oc*dyPlane + q]} (0 at the frame's own positions);
     * {@code width}, {@code top}, {@code left} the frame's. db's chains only with {@code bias} (without, the
     * layer has no db to write).
     */
    static void weights(float[] xcl, int xAt, int c, float[] f, int dyAt, int dyPlane, int o, int q, float[] dw,
                        int width, int top, int left, boolean bias) {
        Warm.ensure();
        for (int o0 = 0; o0 < o; o0 += OB) {
            for (int u = 0; u < 3; u++) {
                for (int cv = 0; cv < c; cv += L) {
                    tile(xcl, xAt + ((top + u - 1) * width + left - 1) * c + cv, c, f, dyAt + o0 * dyPlane, dyPlane, q,
                            dw, ((o0 * 3 + u) * 3) * c + cv);
                }
            }
        }
        if (!bias) {
            return;
        }
        int db = o * c * 9;
        float[] acc = java.util.Arrays.copyOfRange(dw, db, db + o);
        for (int p = 0; p < q; p++) {  // the O chains side by side: one fma's latency per chain would serialize them
            for (int oc = 0, at = dyAt + p; oc < o; oc++, at += dyPlane) {
                acc[oc] = Math.fma(1f, f[at], acc[oc]);
            }
        }
        System.arraycopy(acc, 0, dw, db, o);
    }

    /**
     * The tile: accumulators {@code acc[cOff + (r*9 + v)*C ..+L)} for r < 8 output channels and v < 3 taps
     * continue over positions p < q with {@code fma(x[xOff + (p + v)*C ..], dy[dyOff + r*dyPlane + p], acc)}.
     */
    private static void tile(float[] x, int xOff, int c, float[] dy, int dyOff, int dyPlane, int q, float[] acc, int cOff) {
        int s = 9 * c;
        FloatVector a00 = FloatVector.fromArray(F, acc, cOff), a01 = FloatVector.fromArray(F, acc, cOff + c), a02 = FloatVector.fromArray(F, acc, cOff + 2 * c);
        FloatVector a10 = FloatVector.fromArray(F, acc, cOff + s), a11 = FloatVector.fromArray(F, acc, cOff + s + c), a12 = FloatVector.fromArray(F, acc, cOff + s + 2 * c);
        FloatVector a20 = FloatVector.fromArray(F, acc, cOff + 2 * s), a21 = FloatVector.fromArray(F, acc, cOff + 2 * s + c), a22 = FloatVector.fromArray(F, acc, cOff + 2 * s + 2 * c);
        FloatVector a30 = FloatVector.fromArray(F, acc, cOff + 3 * s), a31 = FloatVector.fromArray(F, acc, cOff + 3 * s + c), a32 = FloatVector.fromArray(F, acc, cOff + 3 * s + 2 * c);
        FloatVector a40 = FloatVector.fromArray(F, acc, cOff + 4 * s), a41 = FloatVector.fromArray(F, acc, cOff + 4 * s + c), a42 = FloatVector.fromArray(F, acc, cOff + 4 * s + 2 * c);
        FloatVector a50 = FloatVector.fromArray(F, acc, cOff + 5 * s), a51 = FloatVector.fromArray(F, acc, cOff + 5 * s + c), a52 = FloatVector.fromArray(F, acc, cOff + 5 * s + 2 * c);
        FloatVector a60 = FloatVector.fromArray(F, acc, cOff + 6 * s), a61 = FloatVector.fromArray(F, acc, cOff + 6 * s + c), a62 = FloatVector.fromArray(F, acc, cOff + 6 * s + 2 * c);
        FloatVector a70 = FloatVector.fromArray(F, acc, cOff + 7 * s), a71 = FloatVector.fromArray(F, acc, cOff + 7 * s + c), a72 = FloatVector.fromArray(F, acc, cOff + 7 * s + 2 * c);
        for (int p = 0, xi = xOff, d = dyOff; p < q; p++, xi += c, d++) {
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
}
