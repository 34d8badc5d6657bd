import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 12 x 2-vector tile of {@code ProductChannelsLast} (12 output positions by two vectors of output channels
 * of a channels-last frame, one fma per tap) alone, three ways on one of resnet20's shapes, to see how close
 * the tile runs to the core's FMA peak and what its tap table costs:
 * <ul>
 *   <li>table: each tap's offset read from a table, k = (c, u, v) in increasing order (the engine's tile for
 *       kernels other than 3x3);</li>
 *   <li>unrolled: the same order, the nine taps of a 3x3 kernel written out per channel, offsets in locals
 *       ({@code ProductChannelsLast3x3}, the engine's for 3x3);</li>
 *   <li>linear: the same reads with the taps outside and the channels inside: NOT the canonical order, for
 *       what the reads cost in an order free of the table.</li>
 * </ul>
 * Prints ns per multiply-add of each (the fastest of five rounds after five to warm up) and whether table and
 * unrolled wrote the same bits. The 12-position tile wants 32 vector registers (AVX-512); a fourth argument 6
 * times the 6-position tile (12 accumulators, the engine's with 16 registers: run it with -XX:UseAVX=2), table
 * and unrolled only:
 *
 *   java --add-modules jdk.incubator.vector docs/bench/FrameTileBench.java C H G [6]   (16 28 8, 32 14 18, 64 7 32)
 */
public class FrameTileBench {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();

    static void table(float[] x, int[] bases, int p0, int[] offs, int kk, float[] aT, int m, float[] y) {
        int x0 = bases[p0 + 0]; FloatVector a00 = FloatVector.zero(F), a01 = a00;
        int x1 = bases[p0 + 1]; FloatVector a10 = FloatVector.zero(F), a11 = a10;
        int x2 = bases[p0 + 2]; FloatVector a20 = FloatVector.zero(F), a21 = a20;
        int x3 = bases[p0 + 3]; FloatVector a30 = FloatVector.zero(F), a31 = a30;
        int x4 = bases[p0 + 4]; FloatVector a40 = FloatVector.zero(F), a41 = a40;
        int x5 = bases[p0 + 5]; FloatVector a50 = FloatVector.zero(F), a51 = a50;
        int x6 = bases[p0 + 6]; FloatVector a60 = FloatVector.zero(F), a61 = a60;
        int x7 = bases[p0 + 7]; FloatVector a70 = FloatVector.zero(F), a71 = a70;
        int x8 = bases[p0 + 8]; FloatVector a80 = FloatVector.zero(F), a81 = a80;
        int x9 = bases[p0 + 9]; FloatVector a90 = FloatVector.zero(F), a91 = a90;
        int x10 = bases[p0 + 10]; FloatVector a100 = FloatVector.zero(F), a101 = a100;
        int x11 = bases[p0 + 11]; FloatVector a110 = FloatVector.zero(F), a111 = a110;
        FloatVector v, w0, w1;
        for (int k = 0, wi = 0; k < kk; k++, wi += m) {
            int t = offs[k];
            w0 = FloatVector.fromArray(F, aT, wi); w1 = FloatVector.fromArray(F, aT, wi + L);
            v = FloatVector.broadcast(F, x[x0 + t]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + t]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + t]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + t]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + t]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + t]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + t]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + t]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + t]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + t]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + t]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + t]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
        }
        a00.intoArray(y, (p0 + 0) * m); a01.intoArray(y, (p0 + 0) * m + L);
        a10.intoArray(y, (p0 + 1) * m); a11.intoArray(y, (p0 + 1) * m + L);
        a20.intoArray(y, (p0 + 2) * m); a21.intoArray(y, (p0 + 2) * m + L);
        a30.intoArray(y, (p0 + 3) * m); a31.intoArray(y, (p0 + 3) * m + L);
        a40.intoArray(y, (p0 + 4) * m); a41.intoArray(y, (p0 + 4) * m + L);
        a50.intoArray(y, (p0 + 5) * m); a51.intoArray(y, (p0 + 5) * m + L);
        a60.intoArray(y, (p0 + 6) * m); a61.intoArray(y, (p0 + 6) * m + L);
        a70.intoArray(y, (p0 + 7) * m); a71.intoArray(y, (p0 + 7) * m + L);
        a80.intoArray(y, (p0 + 8) * m); a81.intoArray(y, (p0 + 8) * m + L);
        a90.intoArray(y, (p0 + 9) * m); a91.intoArray(y, (p0 + 9) * m + L);
        a100.intoArray(y, (p0 + 10) * m); a101.intoArray(y, (p0 + 10) * m + L);
        a110.intoArray(y, (p0 + 11) * m); a111.intoArray(y, (p0 + 11) * m + L);
    }

    static void unrolled(float[] x, int[] bases, int p0, int[] shifts, int c, float[] aT, int m, float[] y) {
        int x0 = bases[p0 + 0]; FloatVector a00 = FloatVector.zero(F), a01 = a00;
        int x1 = bases[p0 + 1]; FloatVector a10 = FloatVector.zero(F), a11 = a10;
        int x2 = bases[p0 + 2]; FloatVector a20 = FloatVector.zero(F), a21 = a20;
        int x3 = bases[p0 + 3]; FloatVector a30 = FloatVector.zero(F), a31 = a30;
        int x4 = bases[p0 + 4]; FloatVector a40 = FloatVector.zero(F), a41 = a40;
        int x5 = bases[p0 + 5]; FloatVector a50 = FloatVector.zero(F), a51 = a50;
        int x6 = bases[p0 + 6]; FloatVector a60 = FloatVector.zero(F), a61 = a60;
        int x7 = bases[p0 + 7]; FloatVector a70 = FloatVector.zero(F), a71 = a70;
        int x8 = bases[p0 + 8]; FloatVector a80 = FloatVector.zero(F), a81 = a80;
        int x9 = bases[p0 + 9]; FloatVector a90 = FloatVector.zero(F), a91 = a90;
        int x10 = bases[p0 + 10]; FloatVector a100 = FloatVector.zero(F), a101 = a100;
        int x11 = bases[p0 + 11]; FloatVector a110 = FloatVector.zero(F), a111 = a110;
        FloatVector v, w0, w1;
        int s0 = shifts[0], s1 = shifts[1], s2 = shifts[2], s3 = shifts[3], s4 = shifts[4], s5 = shifts[5], s6 = shifts[6], s7 = shifts[7], s8 = shifts[8];
        for (int ch = 0, wi = 0; ch < c; ch++, wi += 9 * m) {
            w0 = FloatVector.fromArray(F, aT, wi + 0 * m); w1 = FloatVector.fromArray(F, aT, wi + 0 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s0 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s0 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s0 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s0 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s0 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s0 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + s0 + ch]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + s0 + ch]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + s0 + ch]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + s0 + ch]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + s0 + ch]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + s0 + ch]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
            w0 = FloatVector.fromArray(F, aT, wi + 1 * m); w1 = FloatVector.fromArray(F, aT, wi + 1 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s1 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s1 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s1 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s1 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s1 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s1 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + s1 + ch]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + s1 + ch]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + s1 + ch]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + s1 + ch]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + s1 + ch]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + s1 + ch]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
            w0 = FloatVector.fromArray(F, aT, wi + 2 * m); w1 = FloatVector.fromArray(F, aT, wi + 2 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s2 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s2 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s2 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s2 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s2 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s2 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + s2 + ch]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + s2 + ch]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + s2 + ch]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + s2 + ch]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + s2 + ch]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + s2 + ch]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
            w0 = FloatVector.fromArray(F, aT, wi + 3 * m); w1 = FloatVector.fromArray(F, aT, wi + 3 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s3 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s3 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s3 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s3 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s3 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s3 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + s3 + ch]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + s3 + ch]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + s3 + ch]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + s3 + ch]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + s3 + ch]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + s3 + ch]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
            w0 = FloatVector.fromArray(F, aT, wi + 4 * m); w1 = FloatVector.fromArray(F, aT, wi + 4 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s4 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s4 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s4 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s4 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s4 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s4 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + s4 + ch]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + s4 + ch]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + s4 + ch]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + s4 + ch]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + s4 + ch]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + s4 + ch]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
            w0 = FloatVector.fromArray(F, aT, wi + 5 * m); w1 = FloatVector.fromArray(F, aT, wi + 5 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s5 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s5 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s5 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s5 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s5 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s5 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + s5 + ch]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + s5 + ch]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + s5 + ch]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + s5 + ch]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + s5 + ch]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + s5 + ch]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
            w0 = FloatVector.fromArray(F, aT, wi + 6 * m); w1 = FloatVector.fromArray(F, aT, wi + 6 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s6 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s6 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s6 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s6 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s6 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s6 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + s6 + ch]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + s6 + ch]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + s6 + ch]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + s6 + ch]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + s6 + ch]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + s6 + ch]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
            w0 = FloatVector.fromArray(F, aT, wi + 7 * m); w1 = FloatVector.fromArray(F, aT, wi + 7 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s7 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s7 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s7 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s7 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s7 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s7 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + s7 + ch]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + s7 + ch]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + s7 + ch]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + s7 + ch]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + s7 + ch]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + s7 + ch]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
            w0 = FloatVector.fromArray(F, aT, wi + 8 * m); w1 = FloatVector.fromArray(F, aT, wi + 8 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s8 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s8 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s8 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s8 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s8 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s8 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(F, x[x6 + s8 + ch]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(F, x[x7 + s8 + ch]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
            v = FloatVector.broadcast(F, x[x8 + s8 + ch]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
            v = FloatVector.broadcast(F, x[x9 + s8 + ch]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
            v = FloatVector.broadcast(F, x[x10 + s8 + ch]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
            v = FloatVector.broadcast(F, x[x11 + s8 + ch]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
        }
        a00.intoArray(y, (p0 + 0) * m); a01.intoArray(y, (p0 + 0) * m + L);
        a10.intoArray(y, (p0 + 1) * m); a11.intoArray(y, (p0 + 1) * m + L);
        a20.intoArray(y, (p0 + 2) * m); a21.intoArray(y, (p0 + 2) * m + L);
        a30.intoArray(y, (p0 + 3) * m); a31.intoArray(y, (p0 + 3) * m + L);
        a40.intoArray(y, (p0 + 4) * m); a41.intoArray(y, (p0 + 4) * m + L);
        a50.intoArray(y, (p0 + 5) * m); a51.intoArray(y, (p0 + 5) * m + L);
        a60.intoArray(y, (p0 + 6) * m); a61.intoArray(y, (p0 + 6) * m + L);
        a70.intoArray(y, (p0 + 7) * m); a71.intoArray(y, (p0 + 7) * m + L);
        a80.intoArray(y, (p0 + 8) * m); a81.intoArray(y, (p0 + 8) * m + L);
        a90.intoArray(y, (p0 + 9) * m); a91.intoArray(y, (p0 + 9) * m + L);
        a100.intoArray(y, (p0 + 10) * m); a101.intoArray(y, (p0 + 10) * m + L);
        a110.intoArray(y, (p0 + 11) * m); a111.intoArray(y, (p0 + 11) * m + L);
    }

    static void linear(float[] x, int[] bases, int p0, int[] shifts, int c, float[] aT, int m, float[] y) {
        int x0 = bases[p0 + 0]; FloatVector a00 = FloatVector.zero(F), a01 = a00;
        int x1 = bases[p0 + 1]; FloatVector a10 = FloatVector.zero(F), a11 = a10;
        int x2 = bases[p0 + 2]; FloatVector a20 = FloatVector.zero(F), a21 = a20;
        int x3 = bases[p0 + 3]; FloatVector a30 = FloatVector.zero(F), a31 = a30;
        int x4 = bases[p0 + 4]; FloatVector a40 = FloatVector.zero(F), a41 = a40;
        int x5 = bases[p0 + 5]; FloatVector a50 = FloatVector.zero(F), a51 = a50;
        int x6 = bases[p0 + 6]; FloatVector a60 = FloatVector.zero(F), a61 = a60;
        int x7 = bases[p0 + 7]; FloatVector a70 = FloatVector.zero(F), a71 = a70;
        int x8 = bases[p0 + 8]; FloatVector a80 = FloatVector.zero(F), a81 = a80;
        int x9 = bases[p0 + 9]; FloatVector a90 = FloatVector.zero(F), a91 = a90;
        int x10 = bases[p0 + 10]; FloatVector a100 = FloatVector.zero(F), a101 = a100;
        int x11 = bases[p0 + 11]; FloatVector a110 = FloatVector.zero(F), a111 = a110;
        FloatVector v, w0, w1;
        for (int j = 0; j < 9; j++) {
            int s = shifts[j];
            for (int ch = 0, wi = j * m; ch < c; ch++, wi += 9 * m) {
                int t = s + ch;
                w0 = FloatVector.fromArray(F, aT, wi); w1 = FloatVector.fromArray(F, aT, wi + L);
                v = FloatVector.broadcast(F, x[x0 + t]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
                v = FloatVector.broadcast(F, x[x1 + t]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
                v = FloatVector.broadcast(F, x[x2 + t]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
                v = FloatVector.broadcast(F, x[x3 + t]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
                v = FloatVector.broadcast(F, x[x4 + t]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
                v = FloatVector.broadcast(F, x[x5 + t]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
                v = FloatVector.broadcast(F, x[x6 + t]); a60 = w0.fma(v, a60); a61 = w1.fma(v, a61);
                v = FloatVector.broadcast(F, x[x7 + t]); a70 = w0.fma(v, a70); a71 = w1.fma(v, a71);
                v = FloatVector.broadcast(F, x[x8 + t]); a80 = w0.fma(v, a80); a81 = w1.fma(v, a81);
                v = FloatVector.broadcast(F, x[x9 + t]); a90 = w0.fma(v, a90); a91 = w1.fma(v, a91);
                v = FloatVector.broadcast(F, x[x10 + t]); a100 = w0.fma(v, a100); a101 = w1.fma(v, a101);
                v = FloatVector.broadcast(F, x[x11 + t]); a110 = w0.fma(v, a110); a111 = w1.fma(v, a111);
            }
        }
        a00.intoArray(y, (p0 + 0) * m); a01.intoArray(y, (p0 + 0) * m + L);
        a10.intoArray(y, (p0 + 1) * m); a11.intoArray(y, (p0 + 1) * m + L);
        a20.intoArray(y, (p0 + 2) * m); a21.intoArray(y, (p0 + 2) * m + L);
        a30.intoArray(y, (p0 + 3) * m); a31.intoArray(y, (p0 + 3) * m + L);
        a40.intoArray(y, (p0 + 4) * m); a41.intoArray(y, (p0 + 4) * m + L);
        a50.intoArray(y, (p0 + 5) * m); a51.intoArray(y, (p0 + 5) * m + L);
        a60.intoArray(y, (p0 + 6) * m); a61.intoArray(y, (p0 + 6) * m + L);
        a70.intoArray(y, (p0 + 7) * m); a71.intoArray(y, (p0 + 7) * m + L);
        a80.intoArray(y, (p0 + 8) * m); a81.intoArray(y, (p0 + 8) * m + L);
        a90.intoArray(y, (p0 + 9) * m); a91.intoArray(y, (p0 + 9) * m + L);
        a100.intoArray(y, (p0 + 10) * m); a101.intoArray(y, (p0 + 10) * m + L);
        a110.intoArray(y, (p0 + 11) * m); a111.intoArray(y, (p0 + 11) * m + L);
    }

    // The 6-position tiles (12 accumulators: what 16 vector registers hold, -XX:UseAVX=2), the same two ways.

    static void table6(float[] x, int[] bases, int p0, int[] offs, int kk, float[] aT, int m, float[] y) {
        int x0 = bases[p0 + 0]; FloatVector a00 = FloatVector.zero(F), a01 = a00;
        int x1 = bases[p0 + 1]; FloatVector a10 = FloatVector.zero(F), a11 = a10;
        int x2 = bases[p0 + 2]; FloatVector a20 = FloatVector.zero(F), a21 = a20;
        int x3 = bases[p0 + 3]; FloatVector a30 = FloatVector.zero(F), a31 = a30;
        int x4 = bases[p0 + 4]; FloatVector a40 = FloatVector.zero(F), a41 = a40;
        int x5 = bases[p0 + 5]; FloatVector a50 = FloatVector.zero(F), a51 = a50;
        FloatVector v, w0, w1;
        for (int k = 0, wi = 0; k < kk; k++, wi += m) {
            int t = offs[k];
            w0 = FloatVector.fromArray(F, aT, wi); w1 = FloatVector.fromArray(F, aT, wi + L);
            v = FloatVector.broadcast(F, x[x0 + t]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + t]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + t]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + t]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + t]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + t]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
        }
        a00.intoArray(y, (p0 + 0) * m); a01.intoArray(y, (p0 + 0) * m + L);
        a10.intoArray(y, (p0 + 1) * m); a11.intoArray(y, (p0 + 1) * m + L);
        a20.intoArray(y, (p0 + 2) * m); a21.intoArray(y, (p0 + 2) * m + L);
        a30.intoArray(y, (p0 + 3) * m); a31.intoArray(y, (p0 + 3) * m + L);
        a40.intoArray(y, (p0 + 4) * m); a41.intoArray(y, (p0 + 4) * m + L);
        a50.intoArray(y, (p0 + 5) * m); a51.intoArray(y, (p0 + 5) * m + L);
    }

    static void unrolled6(float[] x, int[] bases, int p0, int[] shifts, int c, float[] aT, int m, float[] y) {
        int x0 = bases[p0 + 0]; FloatVector a00 = FloatVector.zero(F), a01 = a00;
        int x1 = bases[p0 + 1]; FloatVector a10 = FloatVector.zero(F), a11 = a10;
        int x2 = bases[p0 + 2]; FloatVector a20 = FloatVector.zero(F), a21 = a20;
        int x3 = bases[p0 + 3]; FloatVector a30 = FloatVector.zero(F), a31 = a30;
        int x4 = bases[p0 + 4]; FloatVector a40 = FloatVector.zero(F), a41 = a40;
        int x5 = bases[p0 + 5]; FloatVector a50 = FloatVector.zero(F), a51 = a50;
        FloatVector v, w0, w1;
        int s0 = shifts[0], s1 = shifts[1], s2 = shifts[2], s3 = shifts[3], s4 = shifts[4], s5 = shifts[5], s6 = shifts[6], s7 = shifts[7], s8 = shifts[8];
        for (int ch = 0, wi = 0; ch < c; ch++, wi += 9 * m) {
            w0 = FloatVector.fromArray(F, aT, wi + 0 * m); w1 = FloatVector.fromArray(F, aT, wi + 0 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s0 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s0 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s0 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s0 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s0 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s0 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            w0 = FloatVector.fromArray(F, aT, wi + 1 * m); w1 = FloatVector.fromArray(F, aT, wi + 1 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s1 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s1 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s1 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s1 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s1 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s1 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            w0 = FloatVector.fromArray(F, aT, wi + 2 * m); w1 = FloatVector.fromArray(F, aT, wi + 2 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s2 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s2 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s2 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s2 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s2 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s2 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            w0 = FloatVector.fromArray(F, aT, wi + 3 * m); w1 = FloatVector.fromArray(F, aT, wi + 3 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s3 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s3 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s3 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s3 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s3 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s3 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            w0 = FloatVector.fromArray(F, aT, wi + 4 * m); w1 = FloatVector.fromArray(F, aT, wi + 4 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s4 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s4 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s4 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s4 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s4 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s4 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            w0 = FloatVector.fromArray(F, aT, wi + 5 * m); w1 = FloatVector.fromArray(F, aT, wi + 5 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s5 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s5 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s5 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s5 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s5 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s5 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            w0 = FloatVector.fromArray(F, aT, wi + 6 * m); w1 = FloatVector.fromArray(F, aT, wi + 6 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s6 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s6 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s6 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s6 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s6 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s6 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            w0 = FloatVector.fromArray(F, aT, wi + 7 * m); w1 = FloatVector.fromArray(F, aT, wi + 7 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s7 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s7 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s7 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s7 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s7 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s7 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
            w0 = FloatVector.fromArray(F, aT, wi + 8 * m); w1 = FloatVector.fromArray(F, aT, wi + 8 * m + L);
            v = FloatVector.broadcast(F, x[x0 + s8 + ch]); a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(F, x[x1 + s8 + ch]); a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(F, x[x2 + s8 + ch]); a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(F, x[x3 + s8 + ch]); a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(F, x[x4 + s8 + ch]); a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(F, x[x5 + s8 + ch]); a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
        }
        a00.intoArray(y, (p0 + 0) * m); a01.intoArray(y, (p0 + 0) * m + L);
        a10.intoArray(y, (p0 + 1) * m); a11.intoArray(y, (p0 + 1) * m + L);
        a20.intoArray(y, (p0 + 2) * m); a21.intoArray(y, (p0 + 2) * m + L);
        a30.intoArray(y, (p0 + 3) * m); a31.intoArray(y, (p0 + 3) * m + L);
        a40.intoArray(y, (p0 + 4) * m); a41.intoArray(y, (p0 + 4) * m + L);
        a50.intoArray(y, (p0 + 5) * m); a51.intoArray(y, (p0 + 5) * m + L);
    }

    public static void main(String[] args) {
        int c = Integer.parseInt(args[0]), h = Integer.parseInt(args[1]), g = Integer.parseInt(args[2]), m = 2 * L;
        int tile = args.length > 3 ? Integer.parseInt(args[3]) : 12;  // output positions per tile: 12, or 6
        if (tile != 6 && tile != 12) {
            throw new IllegalArgumentException("positions per tile (the fourth argument): 6 or 12, not " + tile);
        }
        int width = h + 1, rows = h + 1, plane = g * rows * width + 2 * width + 2;  // a "same" 3x3 frame's geometry
        float[] x = new float[plane * c + 64], aT = new float[c * 9 * m], y = new float[(g * h * h + 12) * m];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < aT.length; i++) {
            aT[i] = (float) rng.nextGaussian();
        }
        int n = g * h * h, end = (n + 11) / 12 * 12;
        int[] bases = new int[end];
        for (int b = 0, p = 0; b < g; b++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < h; j++, p++) {
                    bases[p] = ((b * rows + i) * width + j) * c;
                }
            }
        }
        java.util.Arrays.fill(bases, n, end, bases[n - 1]);
        int[] shifts = new int[9], offs = new int[c * 9];
        for (int u = 0; u < 3; u++) {
            for (int v = 0; v < 3; v++) {
                shifts[u * 3 + v] = (u * width + v) * c;
            }
        }
        for (int ch = 0, k = 0; ch < c; ch++) {
            for (int j = 0; j < 9; j++, k++) {
                offs[k] = shifts[j] + ch;
            }
        }
        double macs = (double) end * m * c * 9, best0 = 1e9, best1 = 1e9, best2 = 1e9;
        float[] y1 = new float[y.length], y2 = new float[y.length];
        for (int round = 0; round < 10; round++) {
            long t0 = System.nanoTime();
            for (int it = 0; it < 50; it++) {
                for (int p0 = 0; p0 < end; p0 += tile) {
                    if (tile == 6) {
                        table6(x, bases, p0, offs, c * 9, aT, m, y);
                    } else {
                        table(x, bases, p0, offs, c * 9, aT, m, y);
                    }
                }
            }
            long t1 = System.nanoTime();
            for (int it = 0; it < 50; it++) {
                for (int p0 = 0; p0 < end; p0 += tile) {
                    if (tile == 6) {
                        unrolled6(x, bases, p0, shifts, c, aT, m, y1);
                    } else {
                        unrolled(x, bases, p0, shifts, c, aT, m, y1);
                    }
                }
            }
            long t2 = System.nanoTime();
            for (int it = 0; it < 50 && tile == 12; it++) {
                for (int p0 = 0; p0 < end; p0 += 12) {
                    linear(x, bases, p0, shifts, c, aT, m, y2);
                }
            }
            long t3 = System.nanoTime();
            if (round >= 5) {
                best0 = Math.min(best0, (t1 - t0) / 50.0 / macs);
                best1 = Math.min(best1, (t2 - t1) / 50.0 / macs);
                best2 = Math.min(best2, (t3 - t2) / 50.0 / macs);
            }
        }
        System.out.printf(Locale.ROOT, "C=%d H=%d G=%d (%d lanes, %d positions a tile), ns per multiply-add: table %.4f, unrolled %.4f, linear (not the canonical order) %s; table and unrolled the same bits: %b%n",
                c, h, g, L, tile, best0, best1, tile == 12 ? String.format(Locale.ROOT, "%.4f", best2) : "-", java.util.Arrays.equals(y, y1));
    }
}
