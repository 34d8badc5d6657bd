import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A dW tile for 3x3 "same" layers whose output channels fill one vector, alone (the branch
 * wip/weights-channels-last puts it in the engine): resnet20's stage-1 dW (16 -> 16 channels, a frame of
 * 9 examples of 30 x 30 positions) with vectors along the input channels of a channels-last frame, 8
 * output channels by 3 taps per tile. Checks the bits against the scalar chains (each entry from its old
 * value over the positions in order), then prints GFLOP/s; written for 16 lanes.
 *
 *   java --add-modules jdk.incubator.vector docs/bench/ChannelsLastDwBench.java
 */
public class ChannelsLastDwBench {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int C = 16, O = 16, W = 30;
    static int Q = 9 * W * W;

    /** c[o][u][v][ch] continues over q: fma(x[(q + u*W + v)*C + ch], dy[o*Q + q], acc). 512 bits: one vector of channels. */
    static void dw16(float[] x, float[] dy, float[] c) {
        for (int o0 = 0; o0 < O; o0 += 8) {
            for (int u = 0; u < 3; u++) {
                int cb = (o0 * 9 + u * 3) * C;  // c[((o*3 + u)*3 + v)*C + ch]
                FloatVector a00 = FloatVector.fromArray(S, c, cb), a01 = FloatVector.fromArray(S, c, cb + C), a02 = FloatVector.fromArray(S, c, cb + 2 * C);
                FloatVector a10 = FloatVector.fromArray(S, c, cb + 9 * C), a11 = FloatVector.fromArray(S, c, cb + 10 * C), a12 = FloatVector.fromArray(S, c, cb + 11 * C);
                FloatVector a20 = FloatVector.fromArray(S, c, cb + 18 * C), a21 = FloatVector.fromArray(S, c, cb + 19 * C), a22 = FloatVector.fromArray(S, c, cb + 20 * C);
                FloatVector a30 = FloatVector.fromArray(S, c, cb + 27 * C), a31 = FloatVector.fromArray(S, c, cb + 28 * C), a32 = FloatVector.fromArray(S, c, cb + 29 * C);
                FloatVector a40 = FloatVector.fromArray(S, c, cb + 36 * C), a41 = FloatVector.fromArray(S, c, cb + 37 * C), a42 = FloatVector.fromArray(S, c, cb + 38 * C);
                FloatVector a50 = FloatVector.fromArray(S, c, cb + 45 * C), a51 = FloatVector.fromArray(S, c, cb + 46 * C), a52 = FloatVector.fromArray(S, c, cb + 47 * C);
                FloatVector a60 = FloatVector.fromArray(S, c, cb + 54 * C), a61 = FloatVector.fromArray(S, c, cb + 55 * C), a62 = FloatVector.fromArray(S, c, cb + 56 * C);
                FloatVector a70 = FloatVector.fromArray(S, c, cb + 63 * C), a71 = FloatVector.fromArray(S, c, cb + 64 * C), a72 = FloatVector.fromArray(S, c, cb + 65 * C);
                int d0 = o0 * Q;
                for (int q = 0, xi = u * W * C; q < Q; q++, xi += C) {
                    FloatVector x0 = FloatVector.fromArray(S, x, xi), x1 = FloatVector.fromArray(S, x, xi + C), x2 = FloatVector.fromArray(S, x, xi + 2 * C);
                    FloatVector y = FloatVector.broadcast(S, dy[d0 + q]);
                    a00 = x0.fma(y, a00); a01 = x1.fma(y, a01); a02 = x2.fma(y, a02);
                    y = FloatVector.broadcast(S, dy[d0 + Q + q]);
                    a10 = x0.fma(y, a10); a11 = x1.fma(y, a11); a12 = x2.fma(y, a12);
                    y = FloatVector.broadcast(S, dy[d0 + 2 * Q + q]);
                    a20 = x0.fma(y, a20); a21 = x1.fma(y, a21); a22 = x2.fma(y, a22);
                    y = FloatVector.broadcast(S, dy[d0 + 3 * Q + q]);
                    a30 = x0.fma(y, a30); a31 = x1.fma(y, a31); a32 = x2.fma(y, a32);
                    y = FloatVector.broadcast(S, dy[d0 + 4 * Q + q]);
                    a40 = x0.fma(y, a40); a41 = x1.fma(y, a41); a42 = x2.fma(y, a42);
                    y = FloatVector.broadcast(S, dy[d0 + 5 * Q + q]);
                    a50 = x0.fma(y, a50); a51 = x1.fma(y, a51); a52 = x2.fma(y, a52);
                    y = FloatVector.broadcast(S, dy[d0 + 6 * Q + q]);
                    a60 = x0.fma(y, a60); a61 = x1.fma(y, a61); a62 = x2.fma(y, a62);
                    y = FloatVector.broadcast(S, dy[d0 + 7 * Q + q]);
                    a70 = x0.fma(y, a70); a71 = x1.fma(y, a71); a72 = x2.fma(y, a72);
                }
                a00.intoArray(c, cb); a01.intoArray(c, cb + C); a02.intoArray(c, cb + 2 * C);
                a10.intoArray(c, cb + 9 * C); a11.intoArray(c, cb + 10 * C); a12.intoArray(c, cb + 11 * C);
                a20.intoArray(c, cb + 18 * C); a21.intoArray(c, cb + 19 * C); a22.intoArray(c, cb + 20 * C);
                a30.intoArray(c, cb + 27 * C); a31.intoArray(c, cb + 28 * C); a32.intoArray(c, cb + 29 * C);
                a40.intoArray(c, cb + 36 * C); a41.intoArray(c, cb + 37 * C); a42.intoArray(c, cb + 38 * C);
                a50.intoArray(c, cb + 45 * C); a51.intoArray(c, cb + 46 * C); a52.intoArray(c, cb + 47 * C);
                a60.intoArray(c, cb + 54 * C); a61.intoArray(c, cb + 55 * C); a62.intoArray(c, cb + 56 * C);
                a70.intoArray(c, cb + 63 * C); a71.intoArray(c, cb + 64 * C); a72.intoArray(c, cb + 65 * C);
            }
        }
    }

    /** The same chains, scalar: the reference. */
    static void dwScalar(float[] x, float[] dy, float[] c) {
        for (int o = 0; o < O; o++) for (int u = 0; u < 3; u++) for (int v = 0; v < 3; v++) for (int ch = 0; ch < C; ch++) {
            int ci = ((o * 3 + u) * 3 + v) * C + ch;
            float acc = c[ci];
            for (int q = 0; q < Q; q++) acc = Math.fma(x[(q + u * W + v) * C + ch], dy[o * Q + q], acc);
            c[ci] = acc;
        }
    }

    public static void main(String[] args) {
        if (S.length() != 16) throw new IllegalStateException("written for 16 lanes");
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        float[] x = new float[(Q + 3 * W + 3) * C], dy = new float[O * Q], c = new float[O * 9 * C], ref = new float[c.length];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
        int full = Q;
        Q = 64;
        for (long t = System.nanoTime(); System.nanoTime() - t < 3_000_000_000L; ) dw16(x, dy, c);
        Q = full;
        java.util.Arrays.fill(c, 0f);
        dw16(x, dy, c);
        dwScalar(x, dy, ref);
        System.out.println("same bits as the scalar chains: " + java.util.Arrays.equals(c, ref));
        double macs = (double) O * 9 * C * Q;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime(), n = 0;
            while (System.nanoTime() - t0 < 1_000_000_000L) { dw16(x, dy, c); n++; }
            double s = (System.nanoTime() - t0) / 1e9 / n;
            System.out.printf(Locale.ROOT, "%.3f ms per call, %.1f GFLOP/s%n", s * 1e3, 2 * macs / s / 1e9);
        }
    }
}
