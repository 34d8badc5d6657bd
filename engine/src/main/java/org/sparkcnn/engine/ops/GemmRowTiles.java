package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tiles of {@link GemmVector#tile}, reading A's rows in place (each where a table says it
 * starts: a matrix's rows, or a convolution frame's rows at each tap's shift) instead of from packed
 * panels: for products whose A is tall and runs along k ({@code aCol == 1}) while C is narrow (a
 * convolution's [dW db]^T, O columns), packing A would copy as many floats as the product multiplies per
 * column. The same steps per C entry: its chain continues with {@code fma(A(i,kk), B[kk][j], C[i][j])}
 * in increasing kk. Written out (generated) so the accumulators stay in registers.
 */
final class GemmRowTiles {

    private static final VectorSpecies<Float> S = Lanes.F;
    private static final int L = Lanes.L;

    private GemmRowTiles() {
    }

    /**
     * C tile {@code Gemm.TILES[tile]} at {@code c[cOff + r*ldc + v*L]} continues its chains over
     * {@code kk < kc}: {@code C[r][j] = fma(a[aRows[i0 + r] + k0 + kk], b[bOff + kk*ldb + j], C[r][j])}.
     */
    static void tile(int tile, int kc, float[] a, int[] aRows, int i0, int k0, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        switch (tile) {
            case 0 -> tile4x3(kc, a, aRows, i0, k0, b, bOff, ldb, c, cOff, ldc);
            case 1 -> tile6x2(kc, a, aRows, i0, k0, b, bOff, ldb, c, cOff, ldc);
            case 2 -> tile8x2(kc, a, aRows, i0, k0, b, bOff, ldb, c, cOff, ldc);
            case 3 -> tile8x3(kc, a, aRows, i0, k0, b, bOff, ldb, c, cOff, ldc);
            case 4 -> tile8x1(kc, a, aRows, i0, k0, b, bOff, ldb, c, cOff, ldc);
            case 5 -> tile12x1(kc, a, aRows, i0, k0, b, bOff, ldb, c, cOff, ldc);
            case 6 -> tile5x2(kc, a, aRows, i0, k0, b, bOff, ldb, c, cOff, ldc);
            default -> throw new IllegalArgumentException("no tile " + tile);
        }
    }

    private static void tile4x3(int kc, float[] a, int[] aRows, int i0, int k0, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L), c0_1 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L), c0_2 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 2 * L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L), c1_1 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L), c1_2 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 2 * L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L), c2_1 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L), c2_2 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L), c3_1 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L), c3_2 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L);
        int a0 = aRows[i0] + k0; int a1 = aRows[i0 + 1] + k0; int a2 = aRows[i0 + 2] + k0; int a3 = aRows[i0 + 3] + k0;
        for (int kk = 0, bi = bOff; kk < kc; kk++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L), b1 = FloatVector.fromArray(S, b, bi + 1 * L), b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            c0_0 = x0.fma(b0, c0_0); c0_1 = x0.fma(b1, c0_1); c0_2 = x0.fma(b2, c0_2);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            c1_0 = x1.fma(b0, c1_0); c1_1 = x1.fma(b1, c1_1); c1_2 = x1.fma(b2, c1_2);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
            c2_0 = x2.fma(b0, c2_0); c2_1 = x2.fma(b1, c2_1); c2_2 = x2.fma(b2, c2_2);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
            c3_0 = x3.fma(b0, c3_0); c3_1 = x3.fma(b1, c3_1); c3_2 = x3.fma(b2, c3_2);
        }
        c0_0.intoArray(c, cOff + 0 * ldc + 0 * L); c0_1.intoArray(c, cOff + 0 * ldc + 1 * L); c0_2.intoArray(c, cOff + 0 * ldc + 2 * L);
        c1_0.intoArray(c, cOff + 1 * ldc + 0 * L); c1_1.intoArray(c, cOff + 1 * ldc + 1 * L); c1_2.intoArray(c, cOff + 1 * ldc + 2 * L);
        c2_0.intoArray(c, cOff + 2 * ldc + 0 * L); c2_1.intoArray(c, cOff + 2 * ldc + 1 * L); c2_2.intoArray(c, cOff + 2 * ldc + 2 * L);
        c3_0.intoArray(c, cOff + 3 * ldc + 0 * L); c3_1.intoArray(c, cOff + 3 * ldc + 1 * L); c3_2.intoArray(c, cOff + 3 * ldc + 2 * L);
    }

    private static void tile6x2(int kc, float[] a, int[] aRows, int i0, int k0, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L), c0_1 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L), c1_1 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L), c2_1 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L), c3_1 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L);
        FloatVector c4_0 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L), c4_1 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 1 * L);
        FloatVector c5_0 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 0 * L), c5_1 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 1 * L);
        int a0 = aRows[i0] + k0; int a1 = aRows[i0 + 1] + k0; int a2 = aRows[i0 + 2] + k0; int a3 = aRows[i0 + 3] + k0; int a4 = aRows[i0 + 4] + k0; int a5 = aRows[i0 + 5] + k0;
        for (int kk = 0, bi = bOff; kk < kc; kk++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L), b1 = FloatVector.fromArray(S, b, bi + 1 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            c0_0 = x0.fma(b0, c0_0); c0_1 = x0.fma(b1, c0_1);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            c1_0 = x1.fma(b0, c1_0); c1_1 = x1.fma(b1, c1_1);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
            c2_0 = x2.fma(b0, c2_0); c2_1 = x2.fma(b1, c2_1);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
            c3_0 = x3.fma(b0, c3_0); c3_1 = x3.fma(b1, c3_1);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + kk]);
            c4_0 = x4.fma(b0, c4_0); c4_1 = x4.fma(b1, c4_1);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + kk]);
            c5_0 = x5.fma(b0, c5_0); c5_1 = x5.fma(b1, c5_1);
        }
        c0_0.intoArray(c, cOff + 0 * ldc + 0 * L); c0_1.intoArray(c, cOff + 0 * ldc + 1 * L);
        c1_0.intoArray(c, cOff + 1 * ldc + 0 * L); c1_1.intoArray(c, cOff + 1 * ldc + 1 * L);
        c2_0.intoArray(c, cOff + 2 * ldc + 0 * L); c2_1.intoArray(c, cOff + 2 * ldc + 1 * L);
        c3_0.intoArray(c, cOff + 3 * ldc + 0 * L); c3_1.intoArray(c, cOff + 3 * ldc + 1 * L);
        c4_0.intoArray(c, cOff + 4 * ldc + 0 * L); c4_1.intoArray(c, cOff + 4 * ldc + 1 * L);
        c5_0.intoArray(c, cOff + 5 * ldc + 0 * L); c5_1.intoArray(c, cOff + 5 * ldc + 1 * L);
    }

    private static void tile5x2(int kc, float[] a, int[] aRows, int i0, int k0, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L), c0_1 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L), c1_1 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L), c2_1 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L), c3_1 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L);
        FloatVector c4_0 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L), c4_1 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 1 * L);
        int a0 = aRows[i0] + k0; int a1 = aRows[i0 + 1] + k0; int a2 = aRows[i0 + 2] + k0; int a3 = aRows[i0 + 3] + k0; int a4 = aRows[i0 + 4] + k0;
        for (int kk = 0, bi = bOff; kk < kc; kk++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L), b1 = FloatVector.fromArray(S, b, bi + 1 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            c0_0 = x0.fma(b0, c0_0); c0_1 = x0.fma(b1, c0_1);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            c1_0 = x1.fma(b0, c1_0); c1_1 = x1.fma(b1, c1_1);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
            c2_0 = x2.fma(b0, c2_0); c2_1 = x2.fma(b1, c2_1);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
            c3_0 = x3.fma(b0, c3_0); c3_1 = x3.fma(b1, c3_1);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + kk]);
            c4_0 = x4.fma(b0, c4_0); c4_1 = x4.fma(b1, c4_1);
        }
        c0_0.intoArray(c, cOff + 0 * ldc + 0 * L); c0_1.intoArray(c, cOff + 0 * ldc + 1 * L);
        c1_0.intoArray(c, cOff + 1 * ldc + 0 * L); c1_1.intoArray(c, cOff + 1 * ldc + 1 * L);
        c2_0.intoArray(c, cOff + 2 * ldc + 0 * L); c2_1.intoArray(c, cOff + 2 * ldc + 1 * L);
        c3_0.intoArray(c, cOff + 3 * ldc + 0 * L); c3_1.intoArray(c, cOff + 3 * ldc + 1 * L);
        c4_0.intoArray(c, cOff + 4 * ldc + 0 * L); c4_1.intoArray(c, cOff + 4 * ldc + 1 * L);
    }

    private static void tile8x2(int kc, float[] a, int[] aRows, int i0, int k0, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L), c0_1 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L), c1_1 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L), c2_1 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L), c3_1 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L);
        FloatVector c4_0 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L), c4_1 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 1 * L);
        FloatVector c5_0 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 0 * L), c5_1 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 1 * L);
        FloatVector c6_0 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 0 * L), c6_1 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 1 * L);
        FloatVector c7_0 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 0 * L), c7_1 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 1 * L);
        int a0 = aRows[i0] + k0; int a1 = aRows[i0 + 1] + k0; int a2 = aRows[i0 + 2] + k0; int a3 = aRows[i0 + 3] + k0; int a4 = aRows[i0 + 4] + k0; int a5 = aRows[i0 + 5] + k0; int a6 = aRows[i0 + 6] + k0; int a7 = aRows[i0 + 7] + k0;
        for (int kk = 0, bi = bOff; kk < kc; kk++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L), b1 = FloatVector.fromArray(S, b, bi + 1 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            c0_0 = x0.fma(b0, c0_0); c0_1 = x0.fma(b1, c0_1);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            c1_0 = x1.fma(b0, c1_0); c1_1 = x1.fma(b1, c1_1);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
            c2_0 = x2.fma(b0, c2_0); c2_1 = x2.fma(b1, c2_1);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
            c3_0 = x3.fma(b0, c3_0); c3_1 = x3.fma(b1, c3_1);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + kk]);
            c4_0 = x4.fma(b0, c4_0); c4_1 = x4.fma(b1, c4_1);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + kk]);
            c5_0 = x5.fma(b0, c5_0); c5_1 = x5.fma(b1, c5_1);
            FloatVector x6 = FloatVector.broadcast(S, a[a6 + kk]);
            c6_0 = x6.fma(b0, c6_0); c6_1 = x6.fma(b1, c6_1);
            FloatVector x7 = FloatVector.broadcast(S, a[a7 + kk]);
            c7_0 = x7.fma(b0, c7_0); c7_1 = x7.fma(b1, c7_1);
        }
        c0_0.intoArray(c, cOff + 0 * ldc + 0 * L); c0_1.intoArray(c, cOff + 0 * ldc + 1 * L);
        c1_0.intoArray(c, cOff + 1 * ldc + 0 * L); c1_1.intoArray(c, cOff + 1 * ldc + 1 * L);
        c2_0.intoArray(c, cOff + 2 * ldc + 0 * L); c2_1.intoArray(c, cOff + 2 * ldc + 1 * L);
        c3_0.intoArray(c, cOff + 3 * ldc + 0 * L); c3_1.intoArray(c, cOff + 3 * ldc + 1 * L);
        c4_0.intoArray(c, cOff + 4 * ldc + 0 * L); c4_1.intoArray(c, cOff + 4 * ldc + 1 * L);
        c5_0.intoArray(c, cOff + 5 * ldc + 0 * L); c5_1.intoArray(c, cOff + 5 * ldc + 1 * L);
        c6_0.intoArray(c, cOff + 6 * ldc + 0 * L); c6_1.intoArray(c, cOff + 6 * ldc + 1 * L);
        c7_0.intoArray(c, cOff + 7 * ldc + 0 * L); c7_1.intoArray(c, cOff + 7 * ldc + 1 * L);
    }

    private static void tile8x3(int kc, float[] a, int[] aRows, int i0, int k0, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L), c0_1 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L), c0_2 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 2 * L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L), c1_1 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L), c1_2 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 2 * L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L), c2_1 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L), c2_2 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L), c3_1 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L), c3_2 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L);
        FloatVector c4_0 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L), c4_1 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 1 * L), c4_2 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 2 * L);
        FloatVector c5_0 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 0 * L), c5_1 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 1 * L), c5_2 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 2 * L);
        FloatVector c6_0 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 0 * L), c6_1 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 1 * L), c6_2 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 2 * L);
        FloatVector c7_0 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 0 * L), c7_1 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 1 * L), c7_2 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 2 * L);
        int a0 = aRows[i0] + k0; int a1 = aRows[i0 + 1] + k0; int a2 = aRows[i0 + 2] + k0; int a3 = aRows[i0 + 3] + k0; int a4 = aRows[i0 + 4] + k0; int a5 = aRows[i0 + 5] + k0; int a6 = aRows[i0 + 6] + k0; int a7 = aRows[i0 + 7] + k0;
        for (int kk = 0, bi = bOff; kk < kc; kk++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L), b1 = FloatVector.fromArray(S, b, bi + 1 * L), b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            c0_0 = x0.fma(b0, c0_0); c0_1 = x0.fma(b1, c0_1); c0_2 = x0.fma(b2, c0_2);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            c1_0 = x1.fma(b0, c1_0); c1_1 = x1.fma(b1, c1_1); c1_2 = x1.fma(b2, c1_2);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
            c2_0 = x2.fma(b0, c2_0); c2_1 = x2.fma(b1, c2_1); c2_2 = x2.fma(b2, c2_2);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
            c3_0 = x3.fma(b0, c3_0); c3_1 = x3.fma(b1, c3_1); c3_2 = x3.fma(b2, c3_2);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + kk]);
            c4_0 = x4.fma(b0, c4_0); c4_1 = x4.fma(b1, c4_1); c4_2 = x4.fma(b2, c4_2);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + kk]);
            c5_0 = x5.fma(b0, c5_0); c5_1 = x5.fma(b1, c5_1); c5_2 = x5.fma(b2, c5_2);
            FloatVector x6 = FloatVector.broadcast(S, a[a6 + kk]);
            c6_0 = x6.fma(b0, c6_0); c6_1 = x6.fma(b1, c6_1); c6_2 = x6.fma(b2, c6_2);
            FloatVector x7 = FloatVector.broadcast(S, a[a7 + kk]);
            c7_0 = x7.fma(b0, c7_0); c7_1 = x7.fma(b1, c7_1); c7_2 = x7.fma(b2, c7_2);
        }
        c0_0.intoArray(c, cOff + 0 * ldc + 0 * L); c0_1.intoArray(c, cOff + 0 * ldc + 1 * L); c0_2.intoArray(c, cOff + 0 * ldc + 2 * L);
        c1_0.intoArray(c, cOff + 1 * ldc + 0 * L); c1_1.intoArray(c, cOff + 1 * ldc + 1 * L); c1_2.intoArray(c, cOff + 1 * ldc + 2 * L);
        c2_0.intoArray(c, cOff + 2 * ldc + 0 * L); c2_1.intoArray(c, cOff + 2 * ldc + 1 * L); c2_2.intoArray(c, cOff + 2 * ldc + 2 * L);
        c3_0.intoArray(c, cOff + 3 * ldc + 0 * L); c3_1.intoArray(c, cOff + 3 * ldc + 1 * L); c3_2.intoArray(c, cOff + 3 * ldc + 2 * L);
        c4_0.intoArray(c, cOff + 4 * ldc + 0 * L); c4_1.intoArray(c, cOff + 4 * ldc + 1 * L); c4_2.intoArray(c, cOff + 4 * ldc + 2 * L);
        c5_0.intoArray(c, cOff + 5 * ldc + 0 * L); c5_1.intoArray(c, cOff + 5 * ldc + 1 * L); c5_2.intoArray(c, cOff + 5 * ldc + 2 * L);
        c6_0.intoArray(c, cOff + 6 * ldc + 0 * L); c6_1.intoArray(c, cOff + 6 * ldc + 1 * L); c6_2.intoArray(c, cOff + 6 * ldc + 2 * L);
        c7_0.intoArray(c, cOff + 7 * ldc + 0 * L); c7_1.intoArray(c, cOff + 7 * ldc + 1 * L); c7_2.intoArray(c, cOff + 7 * ldc + 2 * L);
    }

    private static void tile12x1(int kc, float[] a, int[] aRows, int i0, int k0, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L);
        FloatVector c4_0 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L);
        FloatVector c5_0 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 0 * L);
        FloatVector c6_0 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 0 * L);
        FloatVector c7_0 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 0 * L);
        FloatVector c8_0 = FloatVector.fromArray(S, c, cOff + 8 * ldc + 0 * L);
        FloatVector c9_0 = FloatVector.fromArray(S, c, cOff + 9 * ldc + 0 * L);
        FloatVector c10_0 = FloatVector.fromArray(S, c, cOff + 10 * ldc + 0 * L);
        FloatVector c11_0 = FloatVector.fromArray(S, c, cOff + 11 * ldc + 0 * L);
        int a0 = aRows[i0] + k0; int a1 = aRows[i0 + 1] + k0; int a2 = aRows[i0 + 2] + k0; int a3 = aRows[i0 + 3] + k0; int a4 = aRows[i0 + 4] + k0; int a5 = aRows[i0 + 5] + k0; int a6 = aRows[i0 + 6] + k0; int a7 = aRows[i0 + 7] + k0; int a8 = aRows[i0 + 8] + k0; int a9 = aRows[i0 + 9] + k0; int a10 = aRows[i0 + 10] + k0; int a11 = aRows[i0 + 11] + k0;
        for (int kk = 0, bi = bOff; kk < kc; kk++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            c0_0 = x0.fma(b0, c0_0);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            c1_0 = x1.fma(b0, c1_0);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
            c2_0 = x2.fma(b0, c2_0);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
            c3_0 = x3.fma(b0, c3_0);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + kk]);
            c4_0 = x4.fma(b0, c4_0);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + kk]);
            c5_0 = x5.fma(b0, c5_0);
            FloatVector x6 = FloatVector.broadcast(S, a[a6 + kk]);
            c6_0 = x6.fma(b0, c6_0);
            FloatVector x7 = FloatVector.broadcast(S, a[a7 + kk]);
            c7_0 = x7.fma(b0, c7_0);
            FloatVector x8 = FloatVector.broadcast(S, a[a8 + kk]);
            c8_0 = x8.fma(b0, c8_0);
            FloatVector x9 = FloatVector.broadcast(S, a[a9 + kk]);
            c9_0 = x9.fma(b0, c9_0);
            FloatVector x10 = FloatVector.broadcast(S, a[a10 + kk]);
            c10_0 = x10.fma(b0, c10_0);
            FloatVector x11 = FloatVector.broadcast(S, a[a11 + kk]);
            c11_0 = x11.fma(b0, c11_0);
        }
        c0_0.intoArray(c, cOff + 0 * ldc + 0 * L);
        c1_0.intoArray(c, cOff + 1 * ldc + 0 * L);
        c2_0.intoArray(c, cOff + 2 * ldc + 0 * L);
        c3_0.intoArray(c, cOff + 3 * ldc + 0 * L);
        c4_0.intoArray(c, cOff + 4 * ldc + 0 * L);
        c5_0.intoArray(c, cOff + 5 * ldc + 0 * L);
        c6_0.intoArray(c, cOff + 6 * ldc + 0 * L);
        c7_0.intoArray(c, cOff + 7 * ldc + 0 * L);
        c8_0.intoArray(c, cOff + 8 * ldc + 0 * L);
        c9_0.intoArray(c, cOff + 9 * ldc + 0 * L);
        c10_0.intoArray(c, cOff + 10 * ldc + 0 * L);
        c11_0.intoArray(c, cOff + 11 * ldc + 0 * L);
    }

    private static void tile8x1(int kc, float[] a, int[] aRows, int i0, int k0, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L);
        FloatVector c4_0 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L);
        FloatVector c5_0 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 0 * L);
        FloatVector c6_0 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 0 * L);
        FloatVector c7_0 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 0 * L);
        int a0 = aRows[i0] + k0; int a1 = aRows[i0 + 1] + k0; int a2 = aRows[i0 + 2] + k0; int a3 = aRows[i0 + 3] + k0; int a4 = aRows[i0 + 4] + k0; int a5 = aRows[i0 + 5] + k0; int a6 = aRows[i0 + 6] + k0; int a7 = aRows[i0 + 7] + k0;
        for (int kk = 0, bi = bOff; kk < kc; kk++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + kk]);
            c0_0 = x0.fma(b0, c0_0);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
            c1_0 = x1.fma(b0, c1_0);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
            c2_0 = x2.fma(b0, c2_0);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
            c3_0 = x3.fma(b0, c3_0);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + kk]);
            c4_0 = x4.fma(b0, c4_0);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + kk]);
            c5_0 = x5.fma(b0, c5_0);
            FloatVector x6 = FloatVector.broadcast(S, a[a6 + kk]);
            c6_0 = x6.fma(b0, c6_0);
            FloatVector x7 = FloatVector.broadcast(S, a[a7 + kk]);
            c7_0 = x7.fma(b0, c7_0);
        }
        c0_0.intoArray(c, cOff + 0 * ldc + 0 * L);
        c1_0.intoArray(c, cOff + 1 * ldc + 0 * L);
        c2_0.intoArray(c, cOff + 2 * ldc + 0 * L);
        c3_0.intoArray(c, cOff + 3 * ldc + 0 * L);
        c4_0.intoArray(c, cOff + 4 * ldc + 0 * L);
        c5_0.intoArray(c, cOff + 5 * ldc + 0 * L);
        c6_0.intoArray(c, cOff + 6 * ldc + 0 * L);
        c7_0.intoArray(c, cOff + 7 * ldc + 0 * L);
    }
}
