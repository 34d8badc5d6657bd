package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A convolution's dY of one example, O planes of HW cells, turned channels-last for the dW product:
 * {@code out[to + p*op + oc] = dY[from + oc*ld + p]} (planes ld apart: hw, or a frame's), and 0 for {@code o <= oc < op}.
 * Where O is whole vectors, blocks of L channels x L positions: L vector loads along the positions, an
 * L x L transpose in registers (log2 L rounds of a fixed lane swap and a blend per pair of rows), L stores
 * along the channels (0.142 ns a float against the gathers' 0.359, 16 channels at 512 bits,
 * docs/PERFORMANCE.md, "Transposes in registers"); at 4, 8 and 16 lanes, the widths written out. Otherwise, and for the positions past the last whole
 * block, one gather per vector of channels at each position; the scalar loop reads O strided streams one
 * float at a time (about 0.9 ns a float, measured on 16 channels). Only moves data.
 */
final class TransposeVector {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int L = Lanes.L;
    /** Lane j takes lane j ^ d; the masks pick the lanes whose bit d is set (d = 8 only at 16 lanes, 4 from 8). */
    private static final VectorShuffle<Float> X1 = VectorShuffle.fromOp(F, j -> j ^ 1), X2 = VectorShuffle.fromOp(F, j -> j ^ (2 % L)),
            X4 = VectorShuffle.fromOp(F, j -> j ^ (4 % L)), X8 = VectorShuffle.fromOp(F, j -> j ^ (8 % L));  // d >= L: unused at this width
    private static final VectorMask<Float> M1 = VectorMask.fromLong(F, 0xAAAAL), M2 = VectorMask.fromLong(F, 0xCCCCL),
            M4 = VectorMask.fromLong(F, 0xF0F0L), M8 = VectorMask.fromLong(F, 0xFF00L);
    /** Whether this width has a block written out ({@link #block16}, {@link #block8}, {@link #block4}). */
    static final boolean BLOCKS = L == 4 || L == 8 || L == 16;

    private TransposeVector() {
    }

    /** Compiles the kernel before its first real call: uncompiled, its vectors are objects, 100 times slower. */
    private static final class Warm {
        static {
            int o = L + 1, op = 2 * L, hw = 2 * L + 3;
            float[] dy = new float[op * hw], out = new float[hw * op];
            int[] index = new int[op];
            JitWarmUp.untilCompiled(java.util.List.of(() -> gather(dy, 0, o, 0, hw, hw, out, 0, op, index),
                    () -> transpose(dy, 0, op, hw, hw, out, 0, op, index),
                    () -> planes(out, 0, op, hw, dy, 0, hw)), 1_000_000_000L);  // the blocks, where BLOCKS
        }

        static void ensure() {
        }
    }

    /** {@code op} is a multiple of the lane count, at least {@code o}; {@code index} holds op ints. */
    static void channelsLast(float[] dy, int from, int o, int hw, int ld, float[] out, int to, int op, int[] index) {
        Warm.ensure();
        transpose(dy, from, o, hw, ld, out, to, op, index);
    }

    /**
     * The turn back: {@code out[to + r*ld + p] = x[from + p*m + r]} for positions {@code p < n} and channels
     * {@code r < m}: rows of m channels (a product's outputs channels-last) into planes ld apart. Where this
     * width has blocks and m is whole vectors, L positions by L channels at a time in registers (the same
     * blocks, the rows now positions); the positions past the last whole block one float at a time. A gather
     * per vector of positions did this before (0.359 against 0.142 ns a float the other way round, above).
     */
    static void planes(float[] x, int from, int m, int n, float[] out, int to, int ld) {
        Warm.ensure();
        int whole = BLOCKS && m % L == 0 ? n - n % L : 0;
        for (int p0 = 0; p0 < whole; p0 += L) {
            block(x, from + p0 * m, m, m, out, to + p0, ld);
        }
        for (int p = whole; p < n; p++) {
            for (int r = 0; r < m; r++) {
                out[to + r * ld + p] = x[from + p * m + r];
            }
        }
    }

    /** {@link #channelsLast}: by blocks where this width has them and O is whole vectors, by gathers for the rest. */
    private static void transpose(float[] dy, int from, int o, int hw, int ld, float[] out, int to, int op, int[] index) {
        int blocked = BLOCKS && o % L == 0 ? hw - hw % L : 0;
        if (blocked > 0) {
            blocks(dy, from, o, blocked, ld, out, to, op);
        }
        gather(dy, from, o, blocked, hw, ld, out, to, op, index);
    }

    /** Positions {@code p < positions} (a multiple of L) of {@link #channelsLast}, O a multiple of L. */
    private static void blocks(float[] dy, int from, int o, int positions, int ld, float[] out, int to, int op) {
        for (int v = 0; v < o; v += L) {
            block(dy, from + v * ld, ld, positions, out, to + v, op);
        }
        FloatVector zero = FloatVector.zero(F);
        for (int v = o; v < op; v += L) {
            for (int p = 0, at = to + v; p < positions; p++, at += op) {
                zero.intoArray(out, at);
            }
        }
    }

    /** L rows of x (ld apart) by {@code positions} turned into {@code positions} rows of L (op apart): this width's block. */
    static void block(float[] x, int from, int ld, int positions, float[] out, int to, int op) {
        if (L == 16) {
            block16(x, from, ld, positions, out, to, op);
        } else if (L == 8) {
            block8(x, from, ld, positions, out, to, op);
        } else {
            block4(x, from, ld, positions, out, to, op);
        }
    }

    /**
     * {@link #blocks} at 16 lanes: 16 channels' rows of 16 positions turned in registers, in {@link #block8}'s
     * order: the exchange of lanes 8 apart as the rows load, then rows 0-7 and 8-15 apart, each by halves
     * (by rows 1.1-1.4x slower on resnet20's three shapes, two runs of docs/bench/TransposeOrderBench.java).
     */
    private static void block16(float[] x, int from, int ld, int positions, float[] out, int to, int op) {
        for (int p = 0; p < positions; p += 16) {
            FloatVector t;
            FloatVector r0 = FloatVector.fromArray(F, x, from + 0 * ld + p), r8 = FloatVector.fromArray(F, x, from + 8 * ld + p);
            t = r0.blend(r8.rearrange(X8), M8); r8 = r0.rearrange(X8).blend(r8, M8); r0 = t;
            FloatVector r1 = FloatVector.fromArray(F, x, from + 1 * ld + p), r9 = FloatVector.fromArray(F, x, from + 9 * ld + p);
            t = r1.blend(r9.rearrange(X8), M8); r9 = r1.rearrange(X8).blend(r9, M8); r1 = t;
            FloatVector r2 = FloatVector.fromArray(F, x, from + 2 * ld + p), r10 = FloatVector.fromArray(F, x, from + 10 * ld + p);
            t = r2.blend(r10.rearrange(X8), M8); r10 = r2.rearrange(X8).blend(r10, M8); r2 = t;
            FloatVector r3 = FloatVector.fromArray(F, x, from + 3 * ld + p), r11 = FloatVector.fromArray(F, x, from + 11 * ld + p);
            t = r3.blend(r11.rearrange(X8), M8); r11 = r3.rearrange(X8).blend(r11, M8); r3 = t;
            FloatVector r4 = FloatVector.fromArray(F, x, from + 4 * ld + p), r12 = FloatVector.fromArray(F, x, from + 12 * ld + p);
            t = r4.blend(r12.rearrange(X8), M8); r12 = r4.rearrange(X8).blend(r12, M8); r4 = t;
            FloatVector r5 = FloatVector.fromArray(F, x, from + 5 * ld + p), r13 = FloatVector.fromArray(F, x, from + 13 * ld + p);
            t = r5.blend(r13.rearrange(X8), M8); r13 = r5.rearrange(X8).blend(r13, M8); r5 = t;
            FloatVector r6 = FloatVector.fromArray(F, x, from + 6 * ld + p), r14 = FloatVector.fromArray(F, x, from + 14 * ld + p);
            t = r6.blend(r14.rearrange(X8), M8); r14 = r6.rearrange(X8).blend(r14, M8); r6 = t;
            FloatVector r7 = FloatVector.fromArray(F, x, from + 7 * ld + p), r15 = FloatVector.fromArray(F, x, from + 15 * ld + p);
            t = r7.blend(r15.rearrange(X8), M8); r15 = r7.rearrange(X8).blend(r15, M8); r7 = t;
            int at = to + p * op;
            t = r0.blend(r4.rearrange(X4), M4); r4 = r0.rearrange(X4).blend(r4, M4); r0 = t;
            t = r1.blend(r5.rearrange(X4), M4); r5 = r1.rearrange(X4).blend(r5, M4); r1 = t;
            t = r2.blend(r6.rearrange(X4), M4); r6 = r2.rearrange(X4).blend(r6, M4); r2 = t;
            t = r3.blend(r7.rearrange(X4), M4); r7 = r3.rearrange(X4).blend(r7, M4); r3 = t;
            t = r0.blend(r1.rearrange(X1), M1); r1 = r0.rearrange(X1).blend(r1, M1); r0 = t;
            t = r2.blend(r3.rearrange(X1), M1); r3 = r2.rearrange(X1).blend(r3, M1); r2 = t;
            t = r0.blend(r2.rearrange(X2), M2); r2 = r0.rearrange(X2).blend(r2, M2); r0 = t;
            t = r1.blend(r3.rearrange(X2), M2); r3 = r1.rearrange(X2).blend(r3, M2); r1 = t;
            r0.intoArray(out, at + 0 * op);
            r1.intoArray(out, at + 1 * op);
            r2.intoArray(out, at + 2 * op);
            r3.intoArray(out, at + 3 * op);
            t = r4.blend(r5.rearrange(X1), M1); r5 = r4.rearrange(X1).blend(r5, M1); r4 = t;
            t = r6.blend(r7.rearrange(X1), M1); r7 = r6.rearrange(X1).blend(r7, M1); r6 = t;
            t = r4.blend(r6.rearrange(X2), M2); r6 = r4.rearrange(X2).blend(r6, M2); r4 = t;
            t = r5.blend(r7.rearrange(X2), M2); r7 = r5.rearrange(X2).blend(r7, M2); r5 = t;
            r4.intoArray(out, at + 4 * op);
            r5.intoArray(out, at + 5 * op);
            r6.intoArray(out, at + 6 * op);
            r7.intoArray(out, at + 7 * op);
            t = r8.blend(r12.rearrange(X4), M4); r12 = r8.rearrange(X4).blend(r12, M4); r8 = t;
            t = r9.blend(r13.rearrange(X4), M4); r13 = r9.rearrange(X4).blend(r13, M4); r9 = t;
            t = r10.blend(r14.rearrange(X4), M4); r14 = r10.rearrange(X4).blend(r14, M4); r10 = t;
            t = r11.blend(r15.rearrange(X4), M4); r15 = r11.rearrange(X4).blend(r15, M4); r11 = t;
            t = r8.blend(r9.rearrange(X1), M1); r9 = r8.rearrange(X1).blend(r9, M1); r8 = t;
            t = r10.blend(r11.rearrange(X1), M1); r11 = r10.rearrange(X1).blend(r11, M1); r10 = t;
            t = r8.blend(r10.rearrange(X2), M2); r10 = r8.rearrange(X2).blend(r10, M2); r8 = t;
            t = r9.blend(r11.rearrange(X2), M2); r11 = r9.rearrange(X2).blend(r11, M2); r9 = t;
            r8.intoArray(out, at + 8 * op);
            r9.intoArray(out, at + 9 * op);
            r10.intoArray(out, at + 10 * op);
            r11.intoArray(out, at + 11 * op);
            t = r12.blend(r13.rearrange(X1), M1); r13 = r12.rearrange(X1).blend(r13, M1); r12 = t;
            t = r14.blend(r15.rearrange(X1), M1); r15 = r14.rearrange(X1).blend(r15, M1); r14 = t;
            t = r12.blend(r14.rearrange(X2), M2); r14 = r12.rearrange(X2).blend(r14, M2); r12 = t;
            t = r13.blend(r15.rearrange(X2), M2); r15 = r13.rearrange(X2).blend(r15, M2); r13 = t;
            r12.intoArray(out, at + 12 * op);
            r13.intoArray(out, at + 13 * op);
            r14.intoArray(out, at + 14 * op);
            r15.intoArray(out, at + 15 * op);
        }
    }

    /**
     * {@link #blocks} at 8 lanes: 8 channels' rows of 8 positions turned in registers. The three exchanges
     * commute; the one of lanes 4 apart goes first, pairing rows 4 apart as they load, so that rows 0-3 and 4-7
     * then finish apart: with 16 vector registers (AVX2, where masks and shuffles take vector registers too) the
     * order by rows spilled (1.2-1.6x slower with {@code -XX:UseAVX=2} on resnet20's three shapes, two runs of
     * docs/bench/TransposeOrderBench.java; with {@code -XX:MaxVectorSize=32}, 32 registers, the same within 7%).
     */
    private static void block8(float[] x, int from, int ld, int positions, float[] out, int to, int op) {
        for (int p = 0; p < positions; p += 8) {
            FloatVector r0 = FloatVector.fromArray(F, x, from + p), r4 = FloatVector.fromArray(F, x, from + 4 * ld + p);
            FloatVector t = r0.blend(r4.rearrange(X4), M4); r4 = r0.rearrange(X4).blend(r4, M4); r0 = t;
            FloatVector r1 = FloatVector.fromArray(F, x, from + ld + p), r5 = FloatVector.fromArray(F, x, from + 5 * ld + p);
            t = r1.blend(r5.rearrange(X4), M4); r5 = r1.rearrange(X4).blend(r5, M4); r1 = t;
            FloatVector r2 = FloatVector.fromArray(F, x, from + 2 * ld + p), r6 = FloatVector.fromArray(F, x, from + 6 * ld + p);
            t = r2.blend(r6.rearrange(X4), M4); r6 = r2.rearrange(X4).blend(r6, M4); r2 = t;
            FloatVector r3 = FloatVector.fromArray(F, x, from + 3 * ld + p), r7 = FloatVector.fromArray(F, x, from + 7 * ld + p);
            t = r3.blend(r7.rearrange(X4), M4); r7 = r3.rearrange(X4).blend(r7, M4); r3 = t;
            int at = to + p * op;
            t = r0.blend(r1.rearrange(X1), M1); r1 = r0.rearrange(X1).blend(r1, M1); r0 = t;
            t = r2.blend(r3.rearrange(X1), M1); r3 = r2.rearrange(X1).blend(r3, M1); r2 = t;
            t = r0.blend(r2.rearrange(X2), M2); r2 = r0.rearrange(X2).blend(r2, M2); r0 = t;
            t = r1.blend(r3.rearrange(X2), M2); r3 = r1.rearrange(X2).blend(r3, M2); r1 = t;
            r0.intoArray(out, at);
            r1.intoArray(out, at + op);
            r2.intoArray(out, at + 2 * op);
            r3.intoArray(out, at + 3 * op);
            t = r4.blend(r5.rearrange(X1), M1); r5 = r4.rearrange(X1).blend(r5, M1); r4 = t;
            t = r6.blend(r7.rearrange(X1), M1); r7 = r6.rearrange(X1).blend(r7, M1); r6 = t;
            t = r4.blend(r6.rearrange(X2), M2); r6 = r4.rearrange(X2).blend(r6, M2); r4 = t;
            t = r5.blend(r7.rearrange(X2), M2); r7 = r5.rearrange(X2).blend(r7, M2); r5 = t;
            r4.intoArray(out, at + 4 * op);
            r5.intoArray(out, at + 5 * op);
            r6.intoArray(out, at + 6 * op);
            r7.intoArray(out, at + 7 * op);
        }
    }

    /** {@link #blocks} at 4 lanes: 4 channels' rows of 4 positions turned in registers. */
    private static void block4(float[] x, int from, int ld, int positions, float[] out, int to, int op) {
        for (int p = 0; p < positions; p += 4) {
            FloatVector r0 = FloatVector.fromArray(F, x, from + p),
                    r1 = FloatVector.fromArray(F, x, from + 1 * ld + p),
                    r2 = FloatVector.fromArray(F, x, from + 2 * ld + p),
                    r3 = FloatVector.fromArray(F, x, from + 3 * ld + p);
            FloatVector t;
            t = r0.blend(r1.rearrange(X1), M1); r1 = r0.rearrange(X1).blend(r1, M1); r0 = t;
            t = r2.blend(r3.rearrange(X1), M1); r3 = r2.rearrange(X1).blend(r3, M1); r2 = t;
            t = r0.blend(r2.rearrange(X2), M2); r2 = r0.rearrange(X2).blend(r2, M2); r0 = t;
            t = r1.blend(r3.rearrange(X2), M2); r3 = r1.rearrange(X2).blend(r3, M2); r1 = t;
            int at = to + p * op;
            r0.intoArray(out, at);
            r1.intoArray(out, at + 1 * op);
            r2.intoArray(out, at + 2 * op);
            r3.intoArray(out, at + 3 * op);
        }
    }

    /** Positions {@code p0 <= p < hw} of {@link #channelsLast}. */
    private static void gather(float[] dy, int from, int o, int p0, int hw, int ld, float[] out, int to, int op, int[] index) {
        for (int oc = 0; oc < op; oc++) {
            index[oc] = oc < o ? oc * ld : 0;  // past O: any cell, blended to 0
        }
        for (int v = 0; v < op; v += L) {
            VectorMask<Float> real = F.indexInRange(v, o);  // lanes v + l < o
            FloatVector zero = FloatVector.zero(F);
            for (int p = p0, at = to + v + p0 * op; p < hw; p++, at += op) {
                FloatVector x = FloatVector.fromArray(F, dy, from + p, index, v);
                (v + L <= o ? x : zero.blend(x, real)).intoArray(out, at);
            }
        }
    }

    /** The scalar twin. */
    static void channelsLastScalar(float[] dy, int from, int o, int hw, int ld, float[] out, int to, int op) {
        for (int p = 0, at = to; p < hw; p++, at += op) {
            for (int oc = 0; oc < o; oc++) {
                out[at + oc] = dy[from + oc * ld + p];
            }
            for (int oc = o; oc < op; oc++) {
                out[at + oc] = 0f;
            }
        }
    }
}
