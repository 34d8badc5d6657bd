package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels of {@link Gemm}, at the width {@link Lanes} fixes. Each one takes exactly the
 * steps of its scalar twin in {@code Gemm}: a lane is one C entry (chain) or one partial sum (dot16),
 * so the width and the tile only change which entries are computed together. The tiles are written
 * out by hand so the accumulators stay in registers.
 */
final class GemmVector {

    private static final VectorSpecies<Float> S = Lanes.F;
    private static final int L = Lanes.L;

    private GemmVector() {
    }

    /**
     * Runs every kernel on tiny inputs until the JIT has compiled it (its calls become 20 times
     * faster, or 3 s have passed). Until then the Vector API runs as plain Java objects, about a
     * hundred times slower, and one large product would take seconds; so this runs once per JVM
     * before the first real call ({@link Gemm} triggers it).
     */
    static void warmUp() {
        int kc = 16, nw = 3 * L, mr = 24;  // room for the widest and the tallest tile
        float[] ap = new float[kc * mr], b = new float[kc * nw], c = new float[mr * nw];
        int[] rows = new int[kc], rowsA = new int[mr];
        for (int kk = 0; kk < kc; kk++) {
            rows[kk] = kk * nw;
        }
        for (int r = 0; r < mr; r++) {
            rowsA[r] = r * kc;
        }
        float[] x = new float[4 * 64], y = new float[4 * 64], part = new float[16 * Gemm.PARTIALS];
        java.util.List<Runnable> kernels = new java.util.ArrayList<>();
        for (int t = 0; t < Gemm.TILES.length; t++) {
            int tile = t;
            kernels.add(() -> tile(tile, kc, ap, 0, b, 0, nw, c, 0, nw));
            kernels.add(() -> GemmRowTiles.tile(tile, kc, ap, rowsA, 0, 0, b, 0, nw, c, 0, nw));
            kernels.add(() -> GemmFrameTiles.tile(tile, kc, ap, 0, b, rows, 0, 0, c, 0, nw));
        }
        kernels.add(() -> dotPartials(4, 4, 0, 64, x, 0, 64, y, 0, 64, part, 0));
        kernels.add(() -> dotPartials(2, 4, 0, 64, x, 0, 64, y, 0, 64, part, 0));
        kernels.add(() -> dotPartials(2, 3, 0, 64, x, 0, 64, y, 0, 64, part, 0));
        JitWarmUp.untilCompiled(kernels, 3_000_000_000L);
    }

    /**
     * C tile {@code Gemm.TILES[tile]} at {@code c[cOff + r*ldc + v*L]} continues its chains over
     * {@code kk < kc}: {@code C[r][j] = fma(ap[apOff + kk*MR + r], b[bOff + kk*ldb + j], C[r][j])}.
     */
    static void tile(int tile, int kc, float[] ap, int apOff, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        switch (tile) {
            case 0 -> tile4x3(kc, ap, apOff, b, bOff, ldb, c, cOff, ldc);
            case 1 -> tile6x2(kc, ap, apOff, b, bOff, ldb, c, cOff, ldc);
            case 2 -> tile8x2(kc, ap, apOff, b, bOff, ldb, c, cOff, ldc);
            case 3 -> tile8x3(kc, ap, apOff, b, bOff, ldb, c, cOff, ldc);
            case 4 -> tile8x1(kc, ap, apOff, b, bOff, ldb, c, cOff, ldc);
            case 5 -> tile12x1(kc, ap, apOff, b, bOff, ldb, c, cOff, ldc);
            case 6 -> tile5x2(kc, ap, apOff, b, bOff, ldb, c, cOff, ldc);
            default -> throw new IllegalArgumentException("no tile " + tile);
        }
    }

    private static void tile4x3(int kc, float[] ap, int apOff, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, cOff), c01 = FloatVector.fromArray(S, c, cOff + L), c02 = FloatVector.fromArray(S, c, cOff + 2 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, cOff + ldc), c11 = FloatVector.fromArray(S, c, cOff + ldc + L), c12 = FloatVector.fromArray(S, c, cOff + ldc + 2 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc), c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L), c22 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc), c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L), c32 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L);
        for (int kk = 0, ai = apOff, bi = bOff; kk < kc; kk++, ai += 4, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + L), b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31); c32 = a3.fma(b2, c32);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L); c02.intoArray(c, cOff + 2 * L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L); c12.intoArray(c, cOff + ldc + 2 * L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L); c22.intoArray(c, cOff + 2 * ldc + 2 * L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L); c32.intoArray(c, cOff + 3 * ldc + 2 * L);
    }

    private static void tile6x2(int kc, float[] ap, int apOff, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, cOff), c01 = FloatVector.fromArray(S, c, cOff + L);
        FloatVector c10 = FloatVector.fromArray(S, c, cOff + ldc), c11 = FloatVector.fromArray(S, c, cOff + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc), c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc), c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc), c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc), c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L);
        for (int kk = 0, ai = apOff, bi = bOff; kk < kc; kk++, ai += 6, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L);
    }

    private static void tile5x2(int kc, float[] ap, int apOff, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, cOff), c01 = FloatVector.fromArray(S, c, cOff + L);
        FloatVector c10 = FloatVector.fromArray(S, c, cOff + ldc), c11 = FloatVector.fromArray(S, c, cOff + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc), c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc), c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc), c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L);
        for (int kk = 0, ai = apOff, bi = bOff; kk < kc; kk++, ai += 5, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
    }

    private static void tile8x2(int kc, float[] ap, int apOff, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, cOff), c01 = FloatVector.fromArray(S, c, cOff + L);
        FloatVector c10 = FloatVector.fromArray(S, c, cOff + ldc), c11 = FloatVector.fromArray(S, c, cOff + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc), c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc), c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc), c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc), c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L);
        FloatVector c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc), c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + L);
        FloatVector c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc), c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + L);
        for (int kk = 0, ai = apOff, bi = bOff; kk < kc; kk++, ai += 8, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + L);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + L);
    }

    private static void tile8x3(int kc, float[] ap, int apOff, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, cOff), c01 = FloatVector.fromArray(S, c, cOff + L), c02 = FloatVector.fromArray(S, c, cOff + 2 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, cOff + ldc), c11 = FloatVector.fromArray(S, c, cOff + ldc + L), c12 = FloatVector.fromArray(S, c, cOff + ldc + 2 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc), c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L), c22 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc), c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L), c32 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L);
        FloatVector c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc), c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L), c42 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 2 * L);
        FloatVector c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc), c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L), c52 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 2 * L);
        FloatVector c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc), c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + L), c62 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 2 * L);
        FloatVector c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc), c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + L), c72 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 2 * L);
        for (int kk = 0, ai = apOff, bi = bOff; kk < kc; kk++, ai += 8, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + L), b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31); c32 = a3.fma(b2, c32);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41); c42 = a4.fma(b2, c42);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51); c52 = a5.fma(b2, c52);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61); c62 = a6.fma(b2, c62);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71); c72 = a7.fma(b2, c72);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L); c02.intoArray(c, cOff + 2 * L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L); c12.intoArray(c, cOff + ldc + 2 * L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L); c22.intoArray(c, cOff + 2 * ldc + 2 * L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L); c32.intoArray(c, cOff + 3 * ldc + 2 * L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L); c42.intoArray(c, cOff + 4 * ldc + 2 * L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L); c52.intoArray(c, cOff + 5 * ldc + 2 * L);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + L); c62.intoArray(c, cOff + 6 * ldc + 2 * L);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + L); c72.intoArray(c, cOff + 7 * ldc + 2 * L);
    }

    // One vector wide, for products with few columns (a convolution's [dW db]^T has O of them).
    private static void tile12x1(int kc, float[] ap, int apOff, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
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
        for (int kk = 0, ai = apOff, bi = bOff; kk < kc; kk++, ai += 12, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c0_0 = a0.fma(b0, c0_0);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c1_0 = a1.fma(b0, c1_0);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c2_0 = a2.fma(b0, c2_0);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c3_0 = a3.fma(b0, c3_0);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c4_0 = a4.fma(b0, c4_0);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c5_0 = a5.fma(b0, c5_0);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c6_0 = a6.fma(b0, c6_0);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c7_0 = a7.fma(b0, c7_0);
            FloatVector a8 = FloatVector.broadcast(S, ap[ai + 8]);
            c8_0 = a8.fma(b0, c8_0);
            FloatVector a9 = FloatVector.broadcast(S, ap[ai + 9]);
            c9_0 = a9.fma(b0, c9_0);
            FloatVector a10 = FloatVector.broadcast(S, ap[ai + 10]);
            c10_0 = a10.fma(b0, c10_0);
            FloatVector a11 = FloatVector.broadcast(S, ap[ai + 11]);
            c11_0 = a11.fma(b0, c11_0);
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

    private static void tile8x1(int kc, float[] ap, int apOff, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        FloatVector c0_0 = FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L);
        FloatVector c1_0 = FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L);
        FloatVector c2_0 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L);
        FloatVector c3_0 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L);
        FloatVector c4_0 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L);
        FloatVector c5_0 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 0 * L);
        FloatVector c6_0 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 0 * L);
        FloatVector c7_0 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 0 * L);
        for (int kk = 0, ai = apOff, bi = bOff; kk < kc; kk++, ai += 8, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L);
            FloatVector x0 = FloatVector.broadcast(S, ap[ai + 0]);
            c0_0 = x0.fma(b0, c0_0);
            FloatVector x1 = FloatVector.broadcast(S, ap[ai + 1]);
            c1_0 = x1.fma(b0, c1_0);
            FloatVector x2 = FloatVector.broadcast(S, ap[ai + 2]);
            c2_0 = x2.fma(b0, c2_0);
            FloatVector x3 = FloatVector.broadcast(S, ap[ai + 3]);
            c3_0 = x3.fma(b0, c3_0);
            FloatVector x4 = FloatVector.broadcast(S, ap[ai + 4]);
            c4_0 = x4.fma(b0, c4_0);
            FloatVector x5 = FloatVector.broadcast(S, ap[ai + 5]);
            c5_0 = x5.fma(b0, c5_0);
            FloatVector x6 = FloatVector.broadcast(S, ap[ai + 6]);
            c6_0 = x6.fma(b0, c6_0);
            FloatVector x7 = FloatVector.broadcast(S, ap[ai + 7]);
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

    /**
     * As {@code Gemm.dotPartialsScalar}: continues the partial sums of a rows x cols block over
     * {@code k in [kFrom, kTo)} (multiples of 16); lane l of the vector for lanes [s, s+L) of entry
     * (r, q) is the partial sum of the k with k mod 16 = s + l, at {@code part[at + (r*4 + q)*16 + s + l]}.
     * A 4 x 4 block keeps 16 such vectors in registers.
     */
    static void dotPartials(int rows, int cols, int kFrom, int kTo, float[] a, int aOff, int lda, float[] b, int bOff,
                            int ldb, float[] part, int at) {
        for (int s = 0; s < Gemm.PARTIALS; s += L) {
            if (rows == 4 && cols == 4) {
                dot4x4(kFrom + s, kTo, a, aOff, lda, b, bOff, ldb, part, at + s);
                continue;
            }
            for (int r = 0; r < rows; r++) {
                if (cols == 4) {
                    dot1x4(kFrom + s, kTo, a, aOff + r * lda, b, bOff, ldb, part, at + r * 4 * Gemm.PARTIALS + s);
                    continue;
                }
                for (int q = 0; q < cols; q++) {
                    int p = at + (r * 4 + q) * Gemm.PARTIALS + s;
                    FloatVector acc = FloatVector.fromArray(S, part, p);
                    for (int k = kFrom + s, ar = aOff + r * lda, bq = bOff + q * ldb; k < kTo; k += Gemm.PARTIALS) {
                        acc = FloatVector.fromArray(S, a, ar + k).fma(FloatVector.fromArray(S, b, bq + k), acc);
                    }
                    acc.intoArray(part, p);
                }
            }
        }
    }

    private static void dot1x4(int k0, int kTo, float[] a, int aOff, float[] b, int bOff, int ldb, float[] part, int at) {
        FloatVector p0 = FloatVector.fromArray(S, part, at), p1 = FloatVector.fromArray(S, part, at + 16);
        FloatVector p2 = FloatVector.fromArray(S, part, at + 32), p3 = FloatVector.fromArray(S, part, at + 48);
        int b0 = bOff, b1 = bOff + ldb, b2 = bOff + 2 * ldb, b3 = bOff + 3 * ldb;
        for (int k = k0; k < kTo; k += Gemm.PARTIALS) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + k);
            p0 = x.fma(FloatVector.fromArray(S, b, b0 + k), p0);
            p1 = x.fma(FloatVector.fromArray(S, b, b1 + k), p1);
            p2 = x.fma(FloatVector.fromArray(S, b, b2 + k), p2);
            p3 = x.fma(FloatVector.fromArray(S, b, b3 + k), p3);
        }
        p0.intoArray(part, at);
        p1.intoArray(part, at + 16);
        p2.intoArray(part, at + 32);
        p3.intoArray(part, at + 48);
    }

    private static void dot4x4(int k0, int kTo, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] part, int at) {
        FloatVector p00 = FloatVector.fromArray(S, part, at + 0), p01 = FloatVector.fromArray(S, part, at + 16), p02 = FloatVector.fromArray(S, part, at + 32), p03 = FloatVector.fromArray(S, part, at + 48);
        FloatVector p10 = FloatVector.fromArray(S, part, at + 64), p11 = FloatVector.fromArray(S, part, at + 80), p12 = FloatVector.fromArray(S, part, at + 96), p13 = FloatVector.fromArray(S, part, at + 112);
        FloatVector p20 = FloatVector.fromArray(S, part, at + 128), p21 = FloatVector.fromArray(S, part, at + 144), p22 = FloatVector.fromArray(S, part, at + 160), p23 = FloatVector.fromArray(S, part, at + 176);
        FloatVector p30 = FloatVector.fromArray(S, part, at + 192), p31 = FloatVector.fromArray(S, part, at + 208), p32 = FloatVector.fromArray(S, part, at + 224), p33 = FloatVector.fromArray(S, part, at + 240);
        int a0 = aOff, a1 = aOff + lda, a2 = aOff + 2 * lda, a3 = aOff + 3 * lda;
        int b0 = bOff, b1 = bOff + ldb, b2 = bOff + 2 * ldb, b3 = bOff + 3 * ldb;
        for (int k = k0; k < kTo; k += Gemm.PARTIALS) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + k), x1 = FloatVector.fromArray(S, a, a1 + k), x2 = FloatVector.fromArray(S, a, a2 + k), x3 = FloatVector.fromArray(S, a, a3 + k);
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + k);
            p00 = x0.fma(y0, p00); p10 = x1.fma(y0, p10); p20 = x2.fma(y0, p20); p30 = x3.fma(y0, p30);
            FloatVector y1 = FloatVector.fromArray(S, b, b1 + k);
            p01 = x0.fma(y1, p01); p11 = x1.fma(y1, p11); p21 = x2.fma(y1, p21); p31 = x3.fma(y1, p31);
            FloatVector y2 = FloatVector.fromArray(S, b, b2 + k);
            p02 = x0.fma(y2, p02); p12 = x1.fma(y2, p12); p22 = x2.fma(y2, p22); p32 = x3.fma(y2, p32);
            FloatVector y3 = FloatVector.fromArray(S, b, b3 + k);
            p03 = x0.fma(y3, p03); p13 = x1.fma(y3, p13); p23 = x2.fma(y3, p23); p33 = x3.fma(y3, p33);
        }
        p00.intoArray(part, at + 0); p01.intoArray(part, at + 16); p02.intoArray(part, at + 32); p03.intoArray(part, at + 48);
        p10.intoArray(part, at + 64); p11.intoArray(part, at + 80); p12.intoArray(part, at + 96); p13.intoArray(part, at + 112);
        p20.intoArray(part, at + 128); p21.intoArray(part, at + 144); p22.intoArray(part, at + 160); p23.intoArray(part, at + 176);
        p30.intoArray(part, at + 192); p31.intoArray(part, at + 208); p32.intoArray(part, at + 224); p33.intoArray(part, at + 240);
    }
}
