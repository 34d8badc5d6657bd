import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Does a vector load that spans two cache lines cost the engine's kernels? A float[]'s data starts 16
 * bytes after the array object, so with the JVM's default 8-byte object alignment a 64-byte load
 * starts anywhere. With -XX:ObjectAlignmentInBytes=64 every array starts on a cache line and its
 * element 12 is the first aligned one: this times, at each element offset 0..15 of both operands, the
 * dot16 kernel's inner loop (a 4 x 4 block of fma chains, 8 loads per 16 fmas, as GemmVector.dot4x4)
 * over rows of 3,136 floats that stay in L1/L2.
 *
 *   java --add-modules jdk.incubator.vector -XX:ObjectAlignmentInBytes=64 docs/bench/AlignmentBench.java
 *   (and -XX:MaxVectorSize=32 for 32-byte vectors)
 */
public class AlignmentBench {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int K = 3136;

    public static void main(String[] args) {
        float[] a = new float[4 * (K + 16) + 16];
        float[] b = new float[4 * (K + 16) + 16];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
            b[i] = (float) r.nextDouble(-1, 1);
        }
        float[] out = new float[16 * S.length()];
        for (int round = 0; round < 2; round++) {
            System.out.println(round == 0 ? "warm-up round" : "measured round (" + S.length() + " lanes)");
            for (int off = 0; off < 16; off++) {
                long calls = 0;
                long start = System.nanoTime();
                long end = start + (round == 0 ? 200_000_000L : 500_000_000L);
                while (System.nanoTime() < end) {
                    for (int rep = 0; rep < 50; rep++) {
                        dot4x4(a, off, b, off, K + 16, out);
                    }
                    calls += 50;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double gflops = calls * 2.0 * 16 * (K - K % S.length()) / seconds / 1e9;
                if (round == 1) {
                    System.out.printf(Locale.ROOT, "  offset %2d (%s): %6.1f GFLOP/s%n", off,
                            off == 12 ? "64-byte aligned with -XX:ObjectAlignmentInBytes=64" : "", gflops);
                }
            }
        }
        System.out.println(out[0] == 42 ? "" : " ");
    }

    static void dot4x4(float[] a, int aOff, float[] b, int bOff, int ld, float[] out) {
        FloatVector p00 = FloatVector.zero(S), p01 = p00, p02 = p00, p03 = p00, p10 = p00, p11 = p00, p12 = p00, p13 = p00;
        FloatVector p20 = p00, p21 = p00, p22 = p00, p23 = p00, p30 = p00, p31 = p00, p32 = p00, p33 = p00;
        int a0 = aOff, a1 = aOff + ld, a2 = aOff + 2 * ld, a3 = aOff + 3 * ld;
        int b0 = bOff, b1 = bOff + ld, b2 = bOff + 2 * ld, b3 = bOff + 3 * ld;
        int l = S.length();
        for (int k = 0; k + l <= K; k += l) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + k), x1 = FloatVector.fromArray(S, a, a1 + k);
            FloatVector x2 = FloatVector.fromArray(S, a, a2 + k), x3 = FloatVector.fromArray(S, a, a3 + k);
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + k);
            p00 = x0.fma(y0, p00); p10 = x1.fma(y0, p10); p20 = x2.fma(y0, p20); p30 = x3.fma(y0, p30);
            FloatVector y1 = FloatVector.fromArray(S, b, b1 + k);
            p01 = x0.fma(y1, p01); p11 = x1.fma(y1, p11); p21 = x2.fma(y1, p21); p31 = x3.fma(y1, p31);
            FloatVector y2 = FloatVector.fromArray(S, b, b2 + k);
            p02 = x0.fma(y2, p02); p12 = x1.fma(y2, p12); p22 = x2.fma(y2, p22); p32 = x3.fma(y2, p32);
            FloatVector y3 = FloatVector.fromArray(S, b, b3 + k);
            p03 = x0.fma(y3, p03); p13 = x1.fma(y3, p13); p23 = x2.fma(y3, p23); p33 = x3.fma(y3, p33);
        }
        FloatVector sum = p00.add(p01).add(p02).add(p03).add(p10).add(p11).add(p12).add(p13)
                .add(p20).add(p21).add(p22).add(p23).add(p30).add(p31).add(p32).add(p33);
        sum.intoArray(out, 0);
    }
}
