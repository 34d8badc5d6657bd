package org.sparkcnn.engine.ops;

/**
 * The engine's own single-precision matrix products, in two canonical summation orders. Every
 * implementation (the scalar loops here, the Vector API kernels in {@code GemmVector} at any width,
 * any tile shape) takes exactly these steps, so the bits never depend on the machine.
 *
 * <ul>
 *   <li>{@link #chain}: {@code C[i][j] = fma(A(i,K-1), B[K-1][j], ... fma(A(i,1), B[1][j], fma(A(i,0), B[0][j], C[i][j])))}:
 *       C's old value, then one fused multiply-add per k in increasing k. The caller puts the bias,
 *       zero or an earlier sum in C. Vectorized across j (each lane is one C entry with its own chain),
 *       so blocking and width only move data.</li>
 *   <li>{@link #dot16}: {@code C[i][j] += tree(S_0, ..., S_15)} where {@code S_r} is the fma chain, from
 *       +0, over the k with {@code k mod 16 = r} in increasing k, of {@code A[i][k] * B[j][k]}, and the
 *       tree adds neighbours: {@code (((S0+S1)+(S2+S3))+((S4+S5)+(S6+S7)))+(((S8+S9)+...)...)}. For long
 *       inner dimensions where both operands run along k (a dense layer's forward, the dW and db of a
 *       convolution with fewer than 32 taps a position); 16 partial sums are one 512-bit vector, two 256-bit or four 128-bit ones.</li>
 * </ul>
 * A is addressed as {@code a[aOff + i*aRow + k*aCol]}, so either orientation of a row-major matrix
 * works; B and C are row-major with leading dimensions {@code ldb} and {@code ldc}.
 */
public final class Gemm {

    /** Partial sums per entry of {@link #dot16}. */
    public static final int PARTIALS = 16;

    /** Inner-dimension block: C tiles are stored and reloaded between blocks, which keeps the chain. */
    static final int KC = 256;

    /** The chain kernel's register tiles, rows x vectors; the tuner picks one per shape. */
    static final int[][] TILES = {{4, 3}, {6, 2}, {8, 2}, {8, 3}, {8, 1}, {12, 1}, {5, 2}};

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Gemm() {
    }

    /** Compiles the vector kernels before their first real call (class initialization runs once, thread-safe). */
    private static final class Warm {
        static {
            GemmVector.warmUp();
        }

        static void ensure() {
        }
    }

    /** What the products run on, for logs and benchmark reports. */
    public static String implementation() {
        return "SparkCNN GEMM (" + VectorSupport.describe() + ")";
    }

    /** The names of the {@link #chain} tiles, in the order of the {@code tile} argument. */
    public static String[] tileNames() {
        String[] names = new String[TILES.length];
        for (int t = 0; t < TILES.length; t++) {
            names[t] = TILES[t][0] + "x" + TILES[t][1] * VectorSupport.lanes();
        }
        return names;
    }

    /** The tile choice of one product site of shape m x n x k (see {@link KernelChoice}). */
    public static KernelChoice choice(String site, int m, int n, int k) {
        return KernelChoice.of(site + " " + m + "x" + n + "x" + k, tileNames());
    }

    /** {@link #chain} with the tile the shape's {@link KernelChoice} picks (timing the candidates on its first calls). */
    public static void chain(KernelChoice choice, int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                             float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        run(choice, m, n, k, a, aOff, aRow, aCol, null, b, bOff, ldb, null, c, cOff, ldc);
    }

    /**
     * {@link #chain} with B's rows wherever they are: {@code B[kk][j] = b[bRows[kk] + j]}. A convolution's
     * zero frame read at each tap's shift is its im2col matrix without being written out
     * ({@code Conv2dOps}); the tiles read it through the table ({@code GemmFrameTiles}).
     */
    public static void chainBRows(KernelChoice choice, int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                                  float[] b, int[] bRows, float[] c, int cOff, int ldc) {
        run(choice, m, n, k, a, aOff, aRow, aCol, null, b, 0, 0, bRows, c, cOff, ldc);
    }

    /**
     * {@link #chain} with A's rows wherever they are, along k: {@code A(i, kk) = a[aRows[i] + kk]}: the
     * im2col matrix of a convolution's dW product as rows of its zero frame ({@code Conv2dOps}).
     */
    public static void chainARows(KernelChoice choice, int m, int n, int k, float[] a, int[] aRows,
                                  float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        run(choice, m, n, k, a, 0, 0, 1, aRows, b, bOff, ldb, null, c, cOff, ldc);
    }

    /** The scalar order, or the vector kernel with the tile {@code choice} picks, timed for it. */
    private static void run(KernelChoice choice, int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                            int[] aRows, float[] b, int bOff, int ldb, int[] bRows, float[] c, int cOff, int ldc) {
        if (!VectorSupport.AVAILABLE) {
            chainScalar(m, n, k, a, aOff, aRow, aCol, aRows, b, bOff, ldb, bRows, c, cOff, ldc);
            return;
        }
        int tile = choice.pick();
        long start = System.nanoTime();
        chainVector(tile, m, n, k, a, aOff, aRow, aCol, aRows, b, bOff, ldb, bRows, c, cOff, ldc);
        choice.timed(tile, System.nanoTime() - start, (double) m * n * k);
    }

    /** The chain order, as plain loops: the definition the vector kernels reproduce. */
    static void chainScalar(int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        chainScalar(m, n, k, a, aOff, aRow, aCol, null, b, bOff, ldb, null, c, cOff, ldc);
    }

    /** {@link #chainScalar}, A's row i at {@code aRows[i]} (along k) and B's row kk at {@code bRows[kk]} where those tables are given. */
    static void chainScalar(int m, int n, int k, float[] a, int aOff, int aRow, int aCol, int[] aRows,
                            float[] b, int bOff, int ldb, int[] bRows, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int kk = 0; kk < k; kk++) {
                float aik = aRows != null ? a[aRows[i] + kk] : a[aOff + i * aRow + kk * aCol];
                int bk = bRows != null ? bRows[kk] : bOff + kk * ldb;
                for (int j = 0; j < n; j++) {
                    c[ci + j] = Math.fma(aik, b[bk + j], c[ci + j]);
                }
            }
        }
    }

    /**
     * The chain order on the Vector API with register tile {@code TILES[tile]}. A is packed per k-block
     * into panels of MR rows (or read in place: see below); B is read in place, except the last columns, copied into a zero-padded
     * panel; C tiles that are cut by the matrix edge go through a full-size copy (masked loads are slow
     * on JDK 17).
     */
    static void chainVector(int tile, int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        chainVector(tile, m, n, k, a, aOff, aRow, aCol, null, b, bOff, ldb, null, c, cOff, ldc);
    }

    /**
     * {@link #chainVector}, A's row i at {@code aRows[i]} (along k) and B's row kk at {@code bRows[kk]}
     * where those tables are given ({@link #chainARows}, {@link #chainBRows}; not both).
     */
    static void chainVector(int tile, int m, int n, int k, float[] a, int aOff, int aRow, int aCol, int[] aRows,
                            float[] b, int bOff, int ldb, int[] bRows, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        Warm.ensure();
        int mr = TILES[tile][0], nw = TILES[tile][1] * Lanes.L;
        int panels = (m + mr - 1) / mr;
        Scratch s = SCRATCH.get();
        // A read in place when it runs along k and C is at most 4 tiles wide: each A entry is used at
        // most 4 times, so packing it would cost about what it saves (a convolution's [dW db]^T: 0.010
        // against 0.036 ns per multiply-add). A last, partial panel then overlaps the one before it.
        boolean inPlace = (aRows != null || aCol == 1) && n <= 4 * nw && m >= mr && bRows == null;
        if (inPlace && aRows == null) {
            aRows = s.rows(m);
            for (int i = 0; i < m; i++) {
                aRows[i] = aOff + i * aRow;
            }
        }
        float[] ap = inPlace ? null : s.panels(panels * mr * Math.min(k, KC));
        float[] bt = s.bTail(KC * nw);
        float[] ct = s.cTile(mr * nw);
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            if (!inPlace) {
                packA(m, kc, mr, a, aOff, aRow, aCol, aRows, k0, ap);
            }
            for (int j0 = 0; j0 < n; j0 += nw) {
                int cols = Math.min(nw, n - j0);
                float[] bSrc = b;
                int bAt = bOff + k0 * ldb + j0, bLd = ldb;
                boolean table = bRows != null && cols == nw;  // B read through its row table by the tiles
                if (cols < nw) {
                    for (int kk = 0; kk < kc; kk++) {
                        System.arraycopy(b, bRows != null ? bRows[k0 + kk] + j0 : bAt + kk * ldb, bt, kk * nw, cols);
                        java.util.Arrays.fill(bt, kk * nw + cols, (kk + 1) * nw, 0f);
                    }
                    bSrc = bt;
                    bAt = 0;
                    bLd = nw;
                }
                for (int p = 0, i0 = 0; p < panels; p++, i0 += mr) {
                    int rows = Math.min(mr, m - i0), cAt = cOff + i0 * ldc + j0;
                    if (rows == mr && cols == nw) {
                        if (inPlace) {
                            GemmRowTiles.tile(tile, kc, a, aRows, i0, k0, bSrc, bAt, bLd, c, cAt, ldc);
                        } else if (table) {
                            GemmFrameTiles.tile(tile, kc, ap, p * kc * mr, b, bRows, k0, j0, c, cAt, ldc);
                        } else {
                            GemmVector.tile(tile, kc, ap, p * kc * mr, bSrc, bAt, bLd, c, cAt, ldc);
                        }
                        continue;
                    }
                    if (inPlace) {  // through a copy, rows [top, top + mr): the first `skip` are done already and dropped
                        int top = Math.min(i0, m - mr), skip = i0 - top, cTop = cOff + top * ldc + j0;
                        java.util.Arrays.fill(ct, 0, mr * nw, 0f);
                        for (int r = 0; r < mr; r++) {
                            System.arraycopy(c, cTop + r * ldc, ct, r * nw, cols);
                        }
                        GemmRowTiles.tile(tile, kc, a, aRows, top, k0, bSrc, bAt, bLd, ct, 0, nw);
                        for (int r = skip; r < mr; r++) {
                            System.arraycopy(ct, r * nw, c, cTop + r * ldc, cols);
                        }
                        continue;
                    }
                    java.util.Arrays.fill(ct, 0, mr * nw, 0f);
                    for (int r = 0; r < rows; r++) {
                        System.arraycopy(c, cAt + r * ldc, ct, r * nw, cols);
                    }
                    if (table) {
                        GemmFrameTiles.tile(tile, kc, ap, p * kc * mr, b, bRows, k0, j0, ct, 0, nw);
                    } else {
                        GemmVector.tile(tile, kc, ap, p * kc * mr, bSrc, bAt, bLd, ct, 0, nw);
                    }
                    for (int r = 0; r < rows; r++) {
                        System.arraycopy(ct, r * nw, c, cAt + r * ldc, cols);
                    }
                }
            }
        }
    }

    /**
     * Panels of mr rows of A's k-block from k0: {@code ap[(p*kc + kk)*mr + r] = A(p*mr + r, k0 + kk)}, zero
     * past row m; row i at {@code aRows[i]} (along k) when that table is given.
     */
    private static void packA(int m, int kc, int mr, float[] a, int aOff, int aRow, int aCol, int[] aRows, int k0,
                              float[] ap) {
        int panels = (m + mr - 1) / mr;
        for (int p = 0; p < panels; p++) {
            int base = p * kc * mr;
            for (int r = 0; r < mr; r++) {
                int i = p * mr + r;
                if (i >= m) {
                    for (int kk = 0; kk < kc; kk++) {
                        ap[base + kk * mr + r] = 0f;
                    }
                    continue;
                }
                int src = aRows != null ? aRows[i] + k0 : aOff + i * aRow + k0 * aCol, step = aRows != null ? 1 : aCol;
                for (int kk = 0; kk < kc; kk++) {
                    ap[base + kk * mr + r] = a[src + kk * step];
                }
            }
        }
    }

    /** Inner-dimension block of {@link #dot16} (2048 measured faster than 128 and 512: 3.2 against 5.3 and 3.8 ms for tfconv conv2 dW). */
    static final int KD = 2048;

    /**
     * {@code C[i][j] += tree16(partial sums over k of A[i][k] * B[j][k])} (the class comment's dot16
     * order), for i < m, j < n; A rows {@code lda} apart, B rows {@code ldb} apart, both contiguous in k.
     * For each block of 4 B rows, the partial sums of all of A's rows with them continue over k in
     * blocks of {@link #KD} (stored and reloaded between blocks, which keeps each chain), so B's block
     * stays in cache while A's rows pass, and B is read once.
     */
    public static void dot16(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (VectorSupport.AVAILABLE) {
            Warm.ensure();
        }
        int band = 4 * 4 * PARTIALS;  // floats of partial sums per 4 x 4 block
        float[] part = SCRATCH.get().partials((m + 3) / 4 * band);
        int kFull = k - k % PARTIALS;
        for (int j0 = 0; j0 < n; j0 += 4) {
            int cols = Math.min(4, n - j0);
            java.util.Arrays.fill(part, 0, (m + 3) / 4 * band, 0f);
            for (int k0 = 0; k0 < kFull; k0 += KD) {
                int k1 = Math.min(kFull, k0 + KD);
                for (int i0 = 0; i0 < m; i0 += 4) {
                    int rows = Math.min(4, m - i0), at = i0 / 4 * band;
                    if (VectorSupport.AVAILABLE) {
                        GemmVector.dotPartials(rows, cols, k0, k1, a, aOff + i0 * lda, lda, b, bOff + j0 * ldb, ldb, part, at);
                    } else {
                        dotPartialsScalar(rows, cols, k0, k1, a, aOff + i0 * lda, lda, b, bOff + j0 * ldb, ldb, part, at);
                    }
                }
            }
            for (int i = 0; i < m; i++) {
                for (int q = 0; q < cols; q++) {
                    int at = i / 4 * band + (i % 4 * 4 + q) * PARTIALS, ar = aOff + i * lda, bq = bOff + (j0 + q) * ldb;
                    for (int kk = kFull; kk < k; kk++) {  // the last, partial round of 16
                        part[at + kk - kFull] = Math.fma(a[ar + kk], b[bq + kk], part[at + kk - kFull]);
                    }
                    c[cOff + i * ldc + j0 + q] += tree16(part, at);
                }
            }
        }
    }

    /** The scalar twin of {@code GemmVector.dotPartials}: {@code part[at + (r*4+q)*16 + l]} continues over k in [kFrom, kTo). */
    static void dotPartialsScalar(int rows, int cols, int kFrom, int kTo, float[] a, int aOff, int lda, float[] b,
                                  int bOff, int ldb, float[] part, int at) {
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                int p = at + (r * 4 + q) * PARTIALS, ar = aOff + r * lda, bq = bOff + q * ldb;
                for (int k0 = kFrom; k0 < kTo; k0 += PARTIALS) {
                    for (int l = 0; l < PARTIALS; l++) {
                        part[p + l] = Math.fma(a[ar + k0 + l], b[bq + k0 + l], part[p + l]);
                    }
                }
            }
        }
    }

    /** Neighbours added pairwise, four levels: the fixed tree of {@link #dot16}. */
    static float tree16(float[] s, int at) {
        float a0 = s[at] + s[at + 1], a1 = s[at + 2] + s[at + 3], a2 = s[at + 4] + s[at + 5], a3 = s[at + 6] + s[at + 7];
        float a4 = s[at + 8] + s[at + 9], a5 = s[at + 10] + s[at + 11], a6 = s[at + 12] + s[at + 13], a7 = s[at + 14] + s[at + 15];
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    /** One thread's packing buffers, grown on demand. */
    private static final class Scratch {
        private float[] panels = new float[0];
        private float[] bTail = new float[0];
        private float[] cTile = new float[0];
        private float[] partials = new float[0];
        private int[] rows = new int[0];

        int[] rows(int size) {
            return rows = rows.length >= size ? rows : new int[size];
        }

        float[] panels(int size) {
            return panels = atLeast(panels, size);
        }

        float[] bTail(int size) {
            return bTail = atLeast(bTail, size);
        }

        float[] cTile(int size) {
            return cTile = atLeast(cTile, size);
        }

        float[] partials(int size) {
            return partials = atLeast(partials, size);
        }

        private static float[] atLeast(float[] buffer, int size) {
            return buffer.length >= size ? buffer : new float[size];
        }
    }
}
