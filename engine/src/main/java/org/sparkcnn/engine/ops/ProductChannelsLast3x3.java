package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ProductChannelsLast}'s tiles for a 3x3 kernel, the taps written out: the same chains in the same order
 * (the bias or +0, then one fma per tap (c, u, v) in increasing order), the same bits. tile2 (12 accumulators, the
 * tile of 16-register CPUs) writes out each channel's nine taps, with their shifts in locals: the reads of X are
 * linear in the channel, which lets the JIT hoist their bounds checks out of the loop, and no tap table is read.
 * tile4 and tile12x2 (24 accumulators) write out each kernel row's three taps, in a loop over the rows that reads
 * their shifts: with all nine written out they were too large for C1's profiled tier ("out of virtual registers
 * in LIR generator"): in a JVM that had compiled them at C1's tier 2 first (as HotSpot does while C2's queue is
 * long), they never reached C2, and ran as C1 code, its vectors as objects: the network up to 31 times slower
 * ({@link C1CompilationTest}; docs/PERFORMANCE.md, which also has the speeds of both forms).
 * {@link ProductChannelsLast} takes them where {@link #suits} holds. Written by
 * engine/src/gen/product_channels_last_3x3.py: edit that and rerun it.
 */
final class ProductChannelsLast3x3 {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int L = Lanes.L;

    private ProductChannelsLast3x3() {
    }

    /** Compiles the tiles before their first real call (see {@link JitWarmUp}). */
    private static final class Warm {
        static {
            int c = 2, m = 4 * L;
            float[] x = new float[64], at = new float[9 * c * m], y = new float[ProductChannelsLast.P * m];
            int[] bases = new int[ProductChannelsLast.P], offs = new int[9 * c];
            JitWarmUp.untilCompiled(java.util.List.of(() -> tile2(x, bases, 0, offs, c, at, m, 0, null, -1, y)),
                    java.util.List.of(() -> tile4(x, bases, 0, offs, c, at, m, 0, null, -1, y),
                            () -> tile12x2(x, bases, 0, offs, c, at, m, 0, null, -1, y)), 1_000_000_000L);
        }

        static void ensure() {
        }
    }

    /** Whether the kernel is 3x3 and the tap table {@code offs} (C*9 long) is each channel's nine shifts plus the channel. */
    static boolean suits(ConvFrame xf, int[] offs) {
        if (xf.kh != 3 || xf.kw != 3) {
            return false;
        }
        for (int k = 9; k < 9 * xf.c; k++) {
            if (offs[k] != offs[k % 9] + k / 9) {
                return false;
            }
        }
        Warm.ensure();  // its tiles are about to run: compiled first
        return true;
    }

    /** {@link ProductChannelsLast}'s tile4 (6 positions by 4 output vectors), channels {@code 0 .. c}. */
    static void tile4(float[] x, int[] bases, int p0, int[] offs, int c, float[] aT, int m, int o0,
                      float[] a, int bOff, float[] y) {
        int x0 = bases[p0];
        int x1 = bases[p0 + 1];
        int x2 = bases[p0 + 2];
        int x3 = bases[p0 + 3];
        int x4 = bases[p0 + 4];
        int x5 = bases[p0 + 5];
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        if (bOff >= 0) {
            s0 = FloatVector.fromArray(F, a, bOff + o0);
            s1 = FloatVector.fromArray(F, a, bOff + o0 + L);
            s2 = FloatVector.fromArray(F, a, bOff + o0 + 2 * L);
            s3 = FloatVector.fromArray(F, a, bOff + o0 + 3 * L);
        }
        FloatVector a0_0 = s0, a0_1 = s1, a0_2 = s2, a0_3 = s3;
        FloatVector a1_0 = s0, a1_1 = s1, a1_2 = s2, a1_3 = s3;
        FloatVector a2_0 = s0, a2_1 = s1, a2_2 = s2, a2_3 = s3;
        FloatVector a3_0 = s0, a3_1 = s1, a3_2 = s2, a3_3 = s3;
        FloatVector a4_0 = s0, a4_1 = s1, a4_2 = s2, a4_3 = s3;
        FloatVector a5_0 = s0, a5_1 = s1, a5_2 = s2, a5_3 = s3;
        FloatVector v, w0, w1, w2, w3;
        for (int ch = 0, wi = o0; ch < c; ch++, wi += 9 * m) {
            for (int u = 0; u < 9; u += 3) {  // kernel row u / 3, its three taps written out (see the class comment)
                int ta = offs[u] + ch, tb = offs[u + 1] + ch, tc = offs[u + 2] + ch, wu = wi + u * m;
                // tap (ch, u / 3, 0)
                w0 = FloatVector.fromArray(F, aT, wu); w1 = FloatVector.fromArray(F, aT, wu + L); w2 = FloatVector.fromArray(F, aT, wu + 2 * L); w3 = FloatVector.fromArray(F, aT, wu + 3 * L);
                v = FloatVector.broadcast(F, x[x0 + ta]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1); a0_2 = w2.fma(v, a0_2); a0_3 = w3.fma(v, a0_3);
                v = FloatVector.broadcast(F, x[x1 + ta]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1); a1_2 = w2.fma(v, a1_2); a1_3 = w3.fma(v, a1_3);
                v = FloatVector.broadcast(F, x[x2 + ta]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1); a2_2 = w2.fma(v, a2_2); a2_3 = w3.fma(v, a2_3);
                v = FloatVector.broadcast(F, x[x3 + ta]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1); a3_2 = w2.fma(v, a3_2); a3_3 = w3.fma(v, a3_3);
                v = FloatVector.broadcast(F, x[x4 + ta]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1); a4_2 = w2.fma(v, a4_2); a4_3 = w3.fma(v, a4_3);
                v = FloatVector.broadcast(F, x[x5 + ta]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1); a5_2 = w2.fma(v, a5_2); a5_3 = w3.fma(v, a5_3);
                // tap (ch, u / 3, 1)
                w0 = FloatVector.fromArray(F, aT, wu + m); w1 = FloatVector.fromArray(F, aT, wu + m + L); w2 = FloatVector.fromArray(F, aT, wu + m + 2 * L); w3 = FloatVector.fromArray(F, aT, wu + m + 3 * L);
                v = FloatVector.broadcast(F, x[x0 + tb]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1); a0_2 = w2.fma(v, a0_2); a0_3 = w3.fma(v, a0_3);
                v = FloatVector.broadcast(F, x[x1 + tb]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1); a1_2 = w2.fma(v, a1_2); a1_3 = w3.fma(v, a1_3);
                v = FloatVector.broadcast(F, x[x2 + tb]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1); a2_2 = w2.fma(v, a2_2); a2_3 = w3.fma(v, a2_3);
                v = FloatVector.broadcast(F, x[x3 + tb]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1); a3_2 = w2.fma(v, a3_2); a3_3 = w3.fma(v, a3_3);
                v = FloatVector.broadcast(F, x[x4 + tb]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1); a4_2 = w2.fma(v, a4_2); a4_3 = w3.fma(v, a4_3);
                v = FloatVector.broadcast(F, x[x5 + tb]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1); a5_2 = w2.fma(v, a5_2); a5_3 = w3.fma(v, a5_3);
                // tap (ch, u / 3, 2)
                w0 = FloatVector.fromArray(F, aT, wu + 2 * m); w1 = FloatVector.fromArray(F, aT, wu + 2 * m + L); w2 = FloatVector.fromArray(F, aT, wu + 2 * m + 2 * L); w3 = FloatVector.fromArray(F, aT, wu + 2 * m + 3 * L);
                v = FloatVector.broadcast(F, x[x0 + tc]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1); a0_2 = w2.fma(v, a0_2); a0_3 = w3.fma(v, a0_3);
                v = FloatVector.broadcast(F, x[x1 + tc]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1); a1_2 = w2.fma(v, a1_2); a1_3 = w3.fma(v, a1_3);
                v = FloatVector.broadcast(F, x[x2 + tc]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1); a2_2 = w2.fma(v, a2_2); a2_3 = w3.fma(v, a2_3);
                v = FloatVector.broadcast(F, x[x3 + tc]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1); a3_2 = w2.fma(v, a3_2); a3_3 = w3.fma(v, a3_3);
                v = FloatVector.broadcast(F, x[x4 + tc]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1); a4_2 = w2.fma(v, a4_2); a4_3 = w3.fma(v, a4_3);
                v = FloatVector.broadcast(F, x[x5 + tc]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1); a5_2 = w2.fma(v, a5_2); a5_3 = w3.fma(v, a5_3);
            }
        }
        int yi = p0 * m + o0;
        a0_0.intoArray(y, yi); a0_1.intoArray(y, yi + L); a0_2.intoArray(y, yi + 2 * L); a0_3.intoArray(y, yi + 3 * L); yi += m;
        a1_0.intoArray(y, yi); a1_1.intoArray(y, yi + L); a1_2.intoArray(y, yi + 2 * L); a1_3.intoArray(y, yi + 3 * L); yi += m;
        a2_0.intoArray(y, yi); a2_1.intoArray(y, yi + L); a2_2.intoArray(y, yi + 2 * L); a2_3.intoArray(y, yi + 3 * L); yi += m;
        a3_0.intoArray(y, yi); a3_1.intoArray(y, yi + L); a3_2.intoArray(y, yi + 2 * L); a3_3.intoArray(y, yi + 3 * L); yi += m;
        a4_0.intoArray(y, yi); a4_1.intoArray(y, yi + L); a4_2.intoArray(y, yi + 2 * L); a4_3.intoArray(y, yi + 3 * L); yi += m;
        a5_0.intoArray(y, yi); a5_1.intoArray(y, yi + L); a5_2.intoArray(y, yi + 2 * L); a5_3.intoArray(y, yi + 3 * L);
    }

    /** {@link ProductChannelsLast}'s tile2 (6 positions by 2 output vectors: 12 accumulators, for 16 registers). */
    static void tile2(float[] x, int[] bases, int p0, int[] offs, int c, float[] aT, int m, int o0,
                      float[] a, int bOff, float[] y) {
        int x0 = bases[p0];
        int x1 = bases[p0 + 1];
        int x2 = bases[p0 + 2];
        int x3 = bases[p0 + 3];
        int x4 = bases[p0 + 4];
        int x5 = bases[p0 + 5];
        FloatVector s0 = FloatVector.zero(F), s1 = s0;
        if (bOff >= 0) {
            s0 = FloatVector.fromArray(F, a, bOff + o0);
            s1 = FloatVector.fromArray(F, a, bOff + o0 + L);
        }
        FloatVector a0_0 = s0, a0_1 = s1;
        FloatVector a1_0 = s0, a1_1 = s1;
        FloatVector a2_0 = s0, a2_1 = s1;
        FloatVector a3_0 = s0, a3_1 = s1;
        FloatVector a4_0 = s0, a4_1 = s1;
        FloatVector a5_0 = s0, a5_1 = s1;
        int t0 = offs[0], t1 = offs[1], t2 = offs[2], t3 = offs[3], t4 = offs[4], t5 = offs[5], t6 = offs[6], t7 = offs[7], t8 = offs[8];  // tap (0, u, v) of channel 0; channel ch's is ch further
        FloatVector v, w0, w1;
        for (int ch = 0, wi = o0; ch < c; ch++, wi += 9 * m) {
            // tap (ch, 0, 0)
            w0 = FloatVector.fromArray(F, aT, wi); w1 = FloatVector.fromArray(F, aT, wi + L);
            v = FloatVector.broadcast(F, x[x0 + t0 + ch]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
            v = FloatVector.broadcast(F, x[x1 + t0 + ch]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
            v = FloatVector.broadcast(F, x[x2 + t0 + ch]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
            v = FloatVector.broadcast(F, x[x3 + t0 + ch]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
            v = FloatVector.broadcast(F, x[x4 + t0 + ch]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
            v = FloatVector.broadcast(F, x[x5 + t0 + ch]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
            // tap (ch, 0, 1)
            w0 = FloatVector.fromArray(F, aT, wi + m); w1 = FloatVector.fromArray(F, aT, wi + m + L);
            v = FloatVector.broadcast(F, x[x0 + t1 + ch]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
            v = FloatVector.broadcast(F, x[x1 + t1 + ch]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
            v = FloatVector.broadcast(F, x[x2 + t1 + ch]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
            v = FloatVector.broadcast(F, x[x3 + t1 + ch]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
            v = FloatVector.broadcast(F, x[x4 + t1 + ch]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
            v = FloatVector.broadcast(F, x[x5 + t1 + ch]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
            // tap (ch, 0, 2)
            w0 = FloatVector.fromArray(F, aT, wi + 2 * m); w1 = FloatVector.fromArray(F, aT, wi + 2 * m + L);
            v = FloatVector.broadcast(F, x[x0 + t2 + ch]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
            v = FloatVector.broadcast(F, x[x1 + t2 + ch]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
            v = FloatVector.broadcast(F, x[x2 + t2 + ch]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
            v = FloatVector.broadcast(F, x[x3 + t2 + ch]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
            v = FloatVector.broadcast(F, x[x4 + t2 + ch]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
            v = FloatVector.broadcast(F, x[x5 + t2 + ch]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
            // tap (ch, 1, 0)
            w0 = FloatVector.fromArray(F, aT, wi + 3 * m); w1 = FloatVector.fromArray(F, aT, wi + 3 * m + L);
            v = FloatVector.broadcast(F, x[x0 + t3 + ch]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
            v = FloatVector.broadcast(F, x[x1 + t3 + ch]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
            v = FloatVector.broadcast(F, x[x2 + t3 + ch]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
            v = FloatVector.broadcast(F, x[x3 + t3 + ch]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
            v = FloatVector.broadcast(F, x[x4 + t3 + ch]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
            v = FloatVector.broadcast(F, x[x5 + t3 + ch]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
            // tap (ch, 1, 1)
            w0 = FloatVector.fromArray(F, aT, wi + 4 * m); w1 = FloatVector.fromArray(F, aT, wi + 4 * m + L);
            v = FloatVector.broadcast(F, x[x0 + t4 + ch]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
            v = FloatVector.broadcast(F, x[x1 + t4 + ch]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
            v = FloatVector.broadcast(F, x[x2 + t4 + ch]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
            v = FloatVector.broadcast(F, x[x3 + t4 + ch]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
            v = FloatVector.broadcast(F, x[x4 + t4 + ch]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
            v = FloatVector.broadcast(F, x[x5 + t4 + ch]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
            // tap (ch, 1, 2)
            w0 = FloatVector.fromArray(F, aT, wi + 5 * m); w1 = FloatVector.fromArray(F, aT, wi + 5 * m + L);
            v = FloatVector.broadcast(F, x[x0 + t5 + ch]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
            v = FloatVector.broadcast(F, x[x1 + t5 + ch]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
            v = FloatVector.broadcast(F, x[x2 + t5 + ch]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
            v = FloatVector.broadcast(F, x[x3 + t5 + ch]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
            v = FloatVector.broadcast(F, x[x4 + t5 + ch]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
            v = FloatVector.broadcast(F, x[x5 + t5 + ch]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
            // tap (ch, 2, 0)
            w0 = FloatVector.fromArray(F, aT, wi + 6 * m); w1 = FloatVector.fromArray(F, aT, wi + 6 * m + L);
            v = FloatVector.broadcast(F, x[x0 + t6 + ch]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
            v = FloatVector.broadcast(F, x[x1 + t6 + ch]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
            v = FloatVector.broadcast(F, x[x2 + t6 + ch]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
            v = FloatVector.broadcast(F, x[x3 + t6 + ch]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
            v = FloatVector.broadcast(F, x[x4 + t6 + ch]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
            v = FloatVector.broadcast(F, x[x5 + t6 + ch]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
            // tap (ch, 2, 1)
            w0 = FloatVector.fromArray(F, aT, wi + 7 * m); w1 = FloatVector.fromArray(F, aT, wi + 7 * m + L);
            v = FloatVector.broadcast(F, x[x0 + t7 + ch]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
            v = FloatVector.broadcast(F, x[x1 + t7 + ch]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
            v = FloatVector.broadcast(F, x[x2 + t7 + ch]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
            v = FloatVector.broadcast(F, x[x3 + t7 + ch]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
            v = FloatVector.broadcast(F, x[x4 + t7 + ch]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
            v = FloatVector.broadcast(F, x[x5 + t7 + ch]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
            // tap (ch, 2, 2)
            w0 = FloatVector.fromArray(F, aT, wi + 8 * m); w1 = FloatVector.fromArray(F, aT, wi + 8 * m + L);
            v = FloatVector.broadcast(F, x[x0 + t8 + ch]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
            v = FloatVector.broadcast(F, x[x1 + t8 + ch]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
            v = FloatVector.broadcast(F, x[x2 + t8 + ch]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
            v = FloatVector.broadcast(F, x[x3 + t8 + ch]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
            v = FloatVector.broadcast(F, x[x4 + t8 + ch]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
            v = FloatVector.broadcast(F, x[x5 + t8 + ch]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
        }
        int yi = p0 * m + o0;
        a0_0.intoArray(y, yi); a0_1.intoArray(y, yi + L); yi += m;
        a1_0.intoArray(y, yi); a1_1.intoArray(y, yi + L); yi += m;
        a2_0.intoArray(y, yi); a2_1.intoArray(y, yi + L); yi += m;
        a3_0.intoArray(y, yi); a3_1.intoArray(y, yi + L); yi += m;
        a4_0.intoArray(y, yi); a4_1.intoArray(y, yi + L); yi += m;
        a5_0.intoArray(y, yi); a5_1.intoArray(y, yi + L);
    }

    /** {@link ProductChannelsLast}'s tile12x2 (12 positions by 2 output vectors, for 32 registers). */
    static void tile12x2(float[] x, int[] bases, int p0, int[] offs, int c, float[] aT, int m, int o0,
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
        FloatVector a0_0 = s0, a0_1 = s1;
        FloatVector a1_0 = s0, a1_1 = s1;
        FloatVector a2_0 = s0, a2_1 = s1;
        FloatVector a3_0 = s0, a3_1 = s1;
        FloatVector a4_0 = s0, a4_1 = s1;
        FloatVector a5_0 = s0, a5_1 = s1;
        FloatVector a6_0 = s0, a6_1 = s1;
        FloatVector a7_0 = s0, a7_1 = s1;
        FloatVector a8_0 = s0, a8_1 = s1;
        FloatVector a9_0 = s0, a9_1 = s1;
        FloatVector a10_0 = s0, a10_1 = s1;
        FloatVector a11_0 = s0, a11_1 = s1;
        FloatVector v, w0, w1;
        for (int ch = 0, wi = o0; ch < c; ch++, wi += 9 * m) {
            for (int u = 0; u < 9; u += 3) {  // kernel row u / 3, its three taps written out (see the class comment)
                int ta = offs[u] + ch, tb = offs[u + 1] + ch, tc = offs[u + 2] + ch, wu = wi + u * m;
                // tap (ch, u / 3, 0)
                w0 = FloatVector.fromArray(F, aT, wu); w1 = FloatVector.fromArray(F, aT, wu + L);
                v = FloatVector.broadcast(F, x[x0 + ta]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
                v = FloatVector.broadcast(F, x[x1 + ta]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
                v = FloatVector.broadcast(F, x[x2 + ta]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
                v = FloatVector.broadcast(F, x[x3 + ta]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
                v = FloatVector.broadcast(F, x[x4 + ta]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
                v = FloatVector.broadcast(F, x[x5 + ta]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
                v = FloatVector.broadcast(F, x[x6 + ta]); a6_0 = w0.fma(v, a6_0); a6_1 = w1.fma(v, a6_1);
                v = FloatVector.broadcast(F, x[x7 + ta]); a7_0 = w0.fma(v, a7_0); a7_1 = w1.fma(v, a7_1);
                v = FloatVector.broadcast(F, x[x8 + ta]); a8_0 = w0.fma(v, a8_0); a8_1 = w1.fma(v, a8_1);
                v = FloatVector.broadcast(F, x[x9 + ta]); a9_0 = w0.fma(v, a9_0); a9_1 = w1.fma(v, a9_1);
                v = FloatVector.broadcast(F, x[x10 + ta]); a10_0 = w0.fma(v, a10_0); a10_1 = w1.fma(v, a10_1);
                v = FloatVector.broadcast(F, x[x11 + ta]); a11_0 = w0.fma(v, a11_0); a11_1 = w1.fma(v, a11_1);
                // tap (ch, u / 3, 1)
                w0 = FloatVector.fromArray(F, aT, wu + m); w1 = FloatVector.fromArray(F, aT, wu + m + L);
                v = FloatVector.broadcast(F, x[x0 + tb]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
                v = FloatVector.broadcast(F, x[x1 + tb]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
                v = FloatVector.broadcast(F, x[x2 + tb]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
                v = FloatVector.broadcast(F, x[x3 + tb]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
                v = FloatVector.broadcast(F, x[x4 + tb]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
                v = FloatVector.broadcast(F, x[x5 + tb]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
                v = FloatVector.broadcast(F, x[x6 + tb]); a6_0 = w0.fma(v, a6_0); a6_1 = w1.fma(v, a6_1);
                v = FloatVector.broadcast(F, x[x7 + tb]); a7_0 = w0.fma(v, a7_0); a7_1 = w1.fma(v, a7_1);
                v = FloatVector.broadcast(F, x[x8 + tb]); a8_0 = w0.fma(v, a8_0); a8_1 = w1.fma(v, a8_1);
                v = FloatVector.broadcast(F, x[x9 + tb]); a9_0 = w0.fma(v, a9_0); a9_1 = w1.fma(v, a9_1);
                v = FloatVector.broadcast(F, x[x10 + tb]); a10_0 = w0.fma(v, a10_0); a10_1 = w1.fma(v, a10_1);
                v = FloatVector.broadcast(F, x[x11 + tb]); a11_0 = w0.fma(v, a11_0); a11_1 = w1.fma(v, a11_1);
                // tap (ch, u / 3, 2)
                w0 = FloatVector.fromArray(F, aT, wu + 2 * m); w1 = FloatVector.fromArray(F, aT, wu + 2 * m + L);
                v = FloatVector.broadcast(F, x[x0 + tc]); a0_0 = w0.fma(v, a0_0); a0_1 = w1.fma(v, a0_1);
                v = FloatVector.broadcast(F, x[x1 + tc]); a1_0 = w0.fma(v, a1_0); a1_1 = w1.fma(v, a1_1);
                v = FloatVector.broadcast(F, x[x2 + tc]); a2_0 = w0.fma(v, a2_0); a2_1 = w1.fma(v, a2_1);
                v = FloatVector.broadcast(F, x[x3 + tc]); a3_0 = w0.fma(v, a3_0); a3_1 = w1.fma(v, a3_1);
                v = FloatVector.broadcast(F, x[x4 + tc]); a4_0 = w0.fma(v, a4_0); a4_1 = w1.fma(v, a4_1);
                v = FloatVector.broadcast(F, x[x5 + tc]); a5_0 = w0.fma(v, a5_0); a5_1 = w1.fma(v, a5_1);
                v = FloatVector.broadcast(F, x[x6 + tc]); a6_0 = w0.fma(v, a6_0); a6_1 = w1.fma(v, a6_1);
                v = FloatVector.broadcast(F, x[x7 + tc]); a7_0 = w0.fma(v, a7_0); a7_1 = w1.fma(v, a7_1);
                v = FloatVector.broadcast(F, x[x8 + tc]); a8_0 = w0.fma(v, a8_0); a8_1 = w1.fma(v, a8_1);
                v = FloatVector.broadcast(F, x[x9 + tc]); a9_0 = w0.fma(v, a9_0); a9_1 = w1.fma(v, a9_1);
                v = FloatVector.broadcast(F, x[x10 + tc]); a10_0 = w0.fma(v, a10_0); a10_1 = w1.fma(v, a10_1);
                v = FloatVector.broadcast(F, x[x11 + tc]); a11_0 = w0.fma(v, a11_0); a11_1 = w1.fma(v, a11_1);
            }
        }
        int yi = p0 * m + o0;
        a0_0.intoArray(y, yi); a0_1.intoArray(y, yi + L); yi += m;
        a1_0.intoArray(y, yi); a1_1.intoArray(y, yi + L); yi += m;
        a2_0.intoArray(y, yi); a2_1.intoArray(y, yi + L); yi += m;
        a3_0.intoArray(y, yi); a3_1.intoArray(y, yi + L); yi += m;
        a4_0.intoArray(y, yi); a4_1.intoArray(y, yi + L); yi += m;
        a5_0.intoArray(y, yi); a5_1.intoArray(y, yi + L); yi += m;
        a6_0.intoArray(y, yi); a6_1.intoArray(y, yi + L); yi += m;
        a7_0.intoArray(y, yi); a7_1.intoArray(y, yi + L); yi += m;
        a8_0.intoArray(y, yi); a8_1.intoArray(y, yi + L); yi += m;
        a9_0.intoArray(y, yi); a9_1.intoArray(y, yi + L); yi += m;
        a10_0.intoArray(y, yi); a10_1.intoArray(y, yi + L); yi += m;
        a11_0.intoArray(y, yi); a11_1.intoArray(y, yi + L);
    }
}
