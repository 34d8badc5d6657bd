package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register transposes of {@link TransposeVector#block} in two orders, alternating in one JVM: by rows (every
 * pair of rows 1 apart, then 2, 4 and 8 apart: the code before this bench, kept here) and the engine's (lanes L/2
 * apart as the rows load, then each half apart). The exchanges commute, so both write the same floats; the
 * engine's keeps fewer vectors live, which matters with 16 vector registers ({@code -XX:UseAVX=2}). Turns an
 * (M, HW) block of a product's channels-last outputs back into planes as {@code ProductChannelsLast}'s unfold
 * does, G examples a call; prints the mean ns a float of each over the last rounds and whether both agree.
 * In the engine's package (TransposeVector is package-private), so it is compiled next to the engine's classes:
 *
 *   mvn -B -q install -DskipTests
 *   javac --add-modules jdk.incubator.vector -cp engine/target/classes -d /tmp/tob docs/bench/TransposeOrderBench.java
 *   java [-XX:UseAVX=2 | -XX:MaxVectorSize=32] --add-modules jdk.incubator.vector -cp /tmp/tob:engine/target/classes \
 *       org.sparkcnn.engine.ops.TransposeOrderBench M HW     (resnet20: 16 784, 32 196, 64 49)
 */
public class TransposeOrderBench {
    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int L = Lanes.L;
    private static final VectorShuffle<Float> X1 = VectorShuffle.fromOp(F, j -> j ^ 1), X2 = VectorShuffle.fromOp(F, j -> j ^ (2 % L)),
            X4 = VectorShuffle.fromOp(F, j -> j ^ (4 % L)), X8 = VectorShuffle.fromOp(F, j -> j ^ (8 % L));
    private static final VectorMask<Float> M1 = VectorMask.fromLong(F, 0xAAAAL), M2 = VectorMask.fromLong(F, 0xCCCCL),
            M4 = VectorMask.fromLong(F, 0xF0F0L), M8 = VectorMask.fromLong(F, 0xFF00L);

    /** By rows at 8 lanes. */
    static void byRows8(float[] x, int from, int ld, int positions, float[] out, int to, int op) {
        for (int p = 0; p < positions; p += 8) {
            FloatVector r0 = FloatVector.fromArray(F, x, from + 0 * ld + p);
            FloatVector r1 = FloatVector.fromArray(F, x, from + 1 * ld + p);
            FloatVector r2 = FloatVector.fromArray(F, x, from + 2 * ld + p);
            FloatVector r3 = FloatVector.fromArray(F, x, from + 3 * ld + p);
            FloatVector r4 = FloatVector.fromArray(F, x, from + 4 * ld + p);
            FloatVector r5 = FloatVector.fromArray(F, x, from + 5 * ld + p);
            FloatVector r6 = FloatVector.fromArray(F, x, from + 6 * ld + p);
            FloatVector r7 = FloatVector.fromArray(F, x, from + 7 * ld + p);
            FloatVector t;
            t = r0.blend(r1.rearrange(X1), M1); r1 = r0.rearrange(X1).blend(r1, M1); r0 = t;
            t = r2.blend(r3.rearrange(X1), M1); r3 = r2.rearrange(X1).blend(r3, M1); r2 = t;
            t = r4.blend(r5.rearrange(X1), M1); r5 = r4.rearrange(X1).blend(r5, M1); r4 = t;
            t = r6.blend(r7.rearrange(X1), M1); r7 = r6.rearrange(X1).blend(r7, M1); r6 = t;
            t = r0.blend(r2.rearrange(X2), M2); r2 = r0.rearrange(X2).blend(r2, M2); r0 = t;
            t = r1.blend(r3.rearrange(X2), M2); r3 = r1.rearrange(X2).blend(r3, M2); r1 = t;
            t = r4.blend(r6.rearrange(X2), M2); r6 = r4.rearrange(X2).blend(r6, M2); r4 = t;
            t = r5.blend(r7.rearrange(X2), M2); r7 = r5.rearrange(X2).blend(r7, M2); r5 = t;
            t = r0.blend(r4.rearrange(X4), M4); r4 = r0.rearrange(X4).blend(r4, M4); r0 = t;
            t = r1.blend(r5.rearrange(X4), M4); r5 = r1.rearrange(X4).blend(r5, M4); r1 = t;
            t = r2.blend(r6.rearrange(X4), M4); r6 = r2.rearrange(X4).blend(r6, M4); r2 = t;
            t = r3.blend(r7.rearrange(X4), M4); r7 = r3.rearrange(X4).blend(r7, M4); r3 = t;
            int at = to + p * op;
            r0.intoArray(out, at + 0 * op);
            r1.intoArray(out, at + 1 * op);
            r2.intoArray(out, at + 2 * op);
            r3.intoArray(out, at + 3 * op);
            r4.intoArray(out, at + 4 * op);
            r5.intoArray(out, at + 5 * op);
            r6.intoArray(out, at + 6 * op);
            r7.intoArray(out, at + 7 * op);
        }
    }

    /** By rows at 16 lanes. */
    static void byRows16(float[] x, int from, int ld, int positions, float[] out, int to, int op) {
        for (int p = 0; p < positions; p += 16) {
            FloatVector r0 = FloatVector.fromArray(F, x, from + 0 * ld + p);
            FloatVector r1 = FloatVector.fromArray(F, x, from + 1 * ld + p);
            FloatVector r2 = FloatVector.fromArray(F, x, from + 2 * ld + p);
            FloatVector r3 = FloatVector.fromArray(F, x, from + 3 * ld + p);
            FloatVector r4 = FloatVector.fromArray(F, x, from + 4 * ld + p);
            FloatVector r5 = FloatVector.fromArray(F, x, from + 5 * ld + p);
            FloatVector r6 = FloatVector.fromArray(F, x, from + 6 * ld + p);
            FloatVector r7 = FloatVector.fromArray(F, x, from + 7 * ld + p);
            FloatVector r8 = FloatVector.fromArray(F, x, from + 8 * ld + p);
            FloatVector r9 = FloatVector.fromArray(F, x, from + 9 * ld + p);
            FloatVector r10 = FloatVector.fromArray(F, x, from + 10 * ld + p);
            FloatVector r11 = FloatVector.fromArray(F, x, from + 11 * ld + p);
            FloatVector r12 = FloatVector.fromArray(F, x, from + 12 * ld + p);
            FloatVector r13 = FloatVector.fromArray(F, x, from + 13 * ld + p);
            FloatVector r14 = FloatVector.fromArray(F, x, from + 14 * ld + p);
            FloatVector r15 = FloatVector.fromArray(F, x, from + 15 * ld + p);
            FloatVector t;
            t = r0.blend(r1.rearrange(X1), M1); r1 = r0.rearrange(X1).blend(r1, M1); r0 = t;
            t = r2.blend(r3.rearrange(X1), M1); r3 = r2.rearrange(X1).blend(r3, M1); r2 = t;
            t = r4.blend(r5.rearrange(X1), M1); r5 = r4.rearrange(X1).blend(r5, M1); r4 = t;
            t = r6.blend(r7.rearrange(X1), M1); r7 = r6.rearrange(X1).blend(r7, M1); r6 = t;
            t = r8.blend(r9.rearrange(X1), M1); r9 = r8.rearrange(X1).blend(r9, M1); r8 = t;
            t = r10.blend(r11.rearrange(X1), M1); r11 = r10.rearrange(X1).blend(r11, M1); r10 = t;
            t = r12.blend(r13.rearrange(X1), M1); r13 = r12.rearrange(X1).blend(r13, M1); r12 = t;
            t = r14.blend(r15.rearrange(X1), M1); r15 = r14.rearrange(X1).blend(r15, M1); r14 = t;
            t = r0.blend(r2.rearrange(X2), M2); r2 = r0.rearrange(X2).blend(r2, M2); r0 = t;
            t = r1.blend(r3.rearrange(X2), M2); r3 = r1.rearrange(X2).blend(r3, M2); r1 = t;
            t = r4.blend(r6.rearrange(X2), M2); r6 = r4.rearrange(X2).blend(r6, M2); r4 = t;
            t = r5.blend(r7.rearrange(X2), M2); r7 = r5.rearrange(X2).blend(r7, M2); r5 = t;
            t = r8.blend(r10.rearrange(X2), M2); r10 = r8.rearrange(X2).blend(r10, M2); r8 = t;
            t = r9.blend(r11.rearrange(X2), M2); r11 = r9.rearrange(X2).blend(r11, M2); r9 = t;
            t = r12.blend(r14.rearrange(X2), M2); r14 = r12.rearrange(X2).blend(r14, M2); r12 = t;
            t = r13.blend(r15.rearrange(X2), M2); r15 = r13.rearrange(X2).blend(r15, M2); r13 = t;
            t = r0.blend(r4.rearrange(X4), M4); r4 = r0.rearrange(X4).blend(r4, M4); r0 = t;
            t = r1.blend(r5.rearrange(X4), M4); r5 = r1.rearrange(X4).blend(r5, M4); r1 = t;
            t = r2.blend(r6.rearrange(X4), M4); r6 = r2.rearrange(X4).blend(r6, M4); r2 = t;
            t = r3.blend(r7.rearrange(X4), M4); r7 = r3.rearrange(X4).blend(r7, M4); r3 = t;
            t = r8.blend(r12.rearrange(X4), M4); r12 = r8.rearrange(X4).blend(r12, M4); r8 = t;
            t = r9.blend(r13.rearrange(X4), M4); r13 = r9.rearrange(X4).blend(r13, M4); r9 = t;
            t = r10.blend(r14.rearrange(X4), M4); r14 = r10.rearrange(X4).blend(r14, M4); r10 = t;
            t = r11.blend(r15.rearrange(X4), M4); r15 = r11.rearrange(X4).blend(r15, M4); r11 = t;
            t = r0.blend(r8.rearrange(X8), M8); r8 = r0.rearrange(X8).blend(r8, M8); r0 = t;
            t = r1.blend(r9.rearrange(X8), M8); r9 = r1.rearrange(X8).blend(r9, M8); r1 = t;
            t = r2.blend(r10.rearrange(X8), M8); r10 = r2.rearrange(X8).blend(r10, M8); r2 = t;
            t = r3.blend(r11.rearrange(X8), M8); r11 = r3.rearrange(X8).blend(r11, M8); r3 = t;
            t = r4.blend(r12.rearrange(X8), M8); r12 = r4.rearrange(X8).blend(r12, M8); r4 = t;
            t = r5.blend(r13.rearrange(X8), M8); r13 = r5.rearrange(X8).blend(r13, M8); r5 = t;
            t = r6.blend(r14.rearrange(X8), M8); r14 = r6.rearrange(X8).blend(r14, M8); r6 = t;
            t = r7.blend(r15.rearrange(X8), M8); r15 = r7.rearrange(X8).blend(r15, M8); r7 = t;
            int at = to + p * op;
            r0.intoArray(out, at + 0 * op);
            r1.intoArray(out, at + 1 * op);
            r2.intoArray(out, at + 2 * op);
            r3.intoArray(out, at + 3 * op);
            r4.intoArray(out, at + 4 * op);
            r5.intoArray(out, at + 5 * op);
            r6.intoArray(out, at + 6 * op);
            r7.intoArray(out, at + 7 * op);
            r8.intoArray(out, at + 8 * op);
            r9.intoArray(out, at + 9 * op);
            r10.intoArray(out, at + 10 * op);
            r11.intoArray(out, at + 11 * op);
            r12.intoArray(out, at + 12 * op);
            r13.intoArray(out, at + 13 * op);
            r14.intoArray(out, at + 14 * op);
            r15.intoArray(out, at + 15 * op);
        }
    }

    public static void main(String[] args) {
        if (L != 8 && L != 16) {
            throw new IllegalStateException("this bench has blocks for 8 and 16 lanes; this JVM has " + L);
        }
        int m = Integer.parseInt(args[0]), hw = Integer.parseInt(args[1]), g = 8, n = hw - hw % L, calls = 300, rounds = 12;
        float[] ycl = new float[g * hw * m], before = new float[ycl.length], now = new float[ycl.length];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(6);
        for (int i = 0; i < ycl.length; i++) {
            ycl[i] = (float) rng.nextGaussian();
        }
        double sumBefore = 0, sumNow = 0;
        for (int round = 0; round < rounds; round++) {
            long t0 = System.nanoTime();
            for (int c = 0; c < calls; c++) {
                for (int b = 0; b < g; b++) {
                    for (int p0 = 0; p0 < n; p0 += L) {
                        if (L == 8) {
                            byRows8(ycl, b * hw * m + p0 * m, m, m, before, b * m * hw + p0, hw);
                        } else {
                            byRows16(ycl, b * hw * m + p0 * m, m, m, before, b * m * hw + p0, hw);
                        }
                    }
                }
            }
            long t1 = System.nanoTime();
            for (int c = 0; c < calls; c++) {
                for (int b = 0; b < g; b++) {
                    for (int p0 = 0; p0 < n; p0 += L) {
                        TransposeVector.block(ycl, b * hw * m + p0 * m, m, m, now, b * m * hw + p0, hw);
                    }
                }
            }
            long t2 = System.nanoTime();
            if (round >= rounds / 2) {  // the first half warms up
                sumBefore += t1 - t0;
                sumNow += t2 - t1;
            }
        }
        double floats = (double) calls * g * n * m * (rounds - rounds / 2);
        System.out.printf("M=%d HW=%d, %d lanes: by rows %.4f, engine's order %.4f ns a float; same floats: %b%n",
                m, hw, L, sumBefore / floats, sumNow / floats, java.util.Arrays.equals(before, now));
    }
}
