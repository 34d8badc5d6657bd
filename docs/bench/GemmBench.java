import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.sparkcnn.engine.ops.Gemm;
import org.sparkcnn.engine.ops.KernelChoice;
import org.sparkcnn.engine.ops.VectorSupport;

/**
 * The engine's GEMM against the core's measured FMA peak, in one run: GFLOP/s (2*m*n*k per product,
 * packing and edge copies included) of Gemm.chain and Gemm.dot16 on the products LeNet-5, small and
 * tfconv run for a chunk of 16 examples, of Gemm.chainBRows and Gemm.chainARows on the frames of
 * "same" layers (resnet20's 16-channel layers and tfconv's conv2, their group of examples; n counts the
 * frame's positions, its own included), and the peak of 16 independent FloatVector.fma chains at the
 * engine's width. The tile each chain shape chose is printed at the end.
 *
 *   mvn -B -q install -DskipTests
 *   java --add-modules jdk.incubator.vector -cp engine/target/classes docs/bench/GemmBench.java
 *   (add -XX:MaxVectorSize=32 for an AVX2 machine's width)
 */
public class GemmBench {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    public static void main(String[] args) {
        System.out.println("engine: " + Gemm.implementation());
        System.out.printf(Locale.ROOT, "FMA peak, %d lanes: %.1f GFLOP/s%n", S.length(), peak());
        // name, kind, m, n, k (chain: C[m][n] += A[m][k] B[k][n]; dot16: C[m][n] += A[m][k] B[n][k]);
        // frameB / frameA: chain with B's (A's) rows in a frame of c channels of h x w, a kh x kw "same" kernel, g examples
        Object[][] shapes = {
                {"lenet5 conv1 Y = W col", "chain", 6, 12544, 25},
                {"lenet5 conv2 Y = W col", "chain", 16, 1600, 150},
                {"lenet5 conv2 dcol = W^T dY", "chain", 150, 1600, 16},
                {"lenet5 conv1 [dW db] dot16", "dot16", 6, 26, 12544},
                {"lenet5 conv2 [dW db] dot16", "dot16", 16, 151, 1600},
                {"small conv2 Y = W col", "chain", 32, 3136, 144},
                {"tfconv conv2 Y = W col", "chain", 64, 3136, 800},
                {"tfconv conv2 dcol = W^T dY", "chain", 800, 3136, 64},
                {"tfconv conv2 [dW db] dot16", "dot16", 64, 801, 3136},
                {"tfconv fc1 y = x W^T dot16", "dot16", 16, 1024, 3136},
                {"tfconv fc1 dW = dY^T X", "chain", 1024, 3136, 16},
                {"tfconv fc1 dX = dY W", "chain", 16, 3136, 1024},
                {"resnet20 s1 Y = W frame(X)", "frameB", 16, 16, 28, 3, 9},
                {"resnet20 s1 [dW db]^T frame", "frameA", 16, 16, 28, 3, 9},
                {"resnet20 s3 Y = W frame(X)", "frameB", 64, 64, 7, 3, 32},
                {"tfconv conv2 Y = W frame(X)", "frameB", 64, 32, 14, 5, 6},
                {"tfconv conv2 [dW db]^T frame", "frameA", 64, 32, 14, 5, 6},
                {"tfconv conv2 dX frame(dY)", "frameB", 32, 64, 14, 5, 6}};
        for (int round = 0; round < 2; round++) {
            System.out.println(round == 0 ? "warm-up round (JIT, tile trials):" : "measured round:");
            for (Object[] s : shapes) {
                String name = (String) s[0];
                double seconds = round == 0 ? 1.0 : 1.5;
                if (s[1].equals("frameB") || s[1].equals("frameA")) {
                    int o = (Integer) s[2], c = (Integer) s[3], hw = (Integer) s[4], kk = (Integer) s[5], g = (Integer) s[6];
                    int pad = (kk - 1) / 2, width = hw + pad, q = g * (hw + pad) * width, taps = c * kk * kk;
                    boolean weights = s[1].equals("frameA");
                    int m = weights ? taps + 1 : o, n = weights ? o : q, k = weights ? q : taps;
                    double gflops = timeFrame(name, weights, o, c, hw, kk, g);
                    System.out.printf(Locale.ROOT, "  %-28s %-5s %5d x %5d x %5d  %6.1f GFLOP/s%n", name, s[1], m, n, k, gflops);
                    continue;
                }
                boolean chain = s[1].equals("chain");
                int m = (Integer) s[2], n = (Integer) s[3], k = (Integer) s[4];
                double gflops = time(name, chain, m, n, k, seconds);
                System.out.printf(Locale.ROOT, "  %-28s %-5s %5d x %5d x %5d  %6.1f GFLOP/s%n", name, s[1], m, n, k, gflops);
            }
        }
        KernelChoice.report().forEach(line -> System.out.println("  tile: " + line));
    }

    static double time(String name, boolean chain, int m, int n, int k, double seconds) {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextDouble(-1, 1);
        }
        KernelChoice choice = Gemm.choice("bench " + name, m, n, k);
        long start = System.nanoTime(), calls = 0;
        while (System.nanoTime() - start < seconds * 1e9) {
            if (chain) {
                Gemm.chain(choice, m, n, k, a, 0, k, 1, b, 0, n, c, 0, n);
            } else {
                Gemm.dot16(m, n, k, a, 0, k, b, 0, k, c, 0, n);
            }
            calls++;
        }
        return 2.0 * m * n * k * calls / ((System.nanoTime() - start) / 1e9) / 1e9;
    }

    /**
     * A frame's product for 1.5 s: forward or dX ({@code Y (o x q) += A (o x taps) * frame rows}) or dW
     * ({@code [dW db]^T (taps+1 x o) += [frame rows; 1] * dY^T (q x o)}), the frame laid out as the engine's
     * ConvFrame lays out a "same" layer's: planes of g*(h+p) rows of (w+p) floats, tap (c,u,v) from
     * {@code c*plane + u*(w+p) + v}.
     */
    static double timeFrame(String name, boolean weights, int o, int c, int hw, int kk, int g) {
        int pad = (kk - 1) / 2, width = hw + pad, q = g * (hw + pad) * width, taps = c * kk * kk;
        int plane = q + (kk - 1) * width + kk - 1;
        SplittableRandom rnd = new SplittableRandom(1);
        float[] frame = new float[c * plane + q];
        for (int i = 0; i < frame.length; i++) {
            frame[i] = (float) rnd.nextDouble(-1, 1);
        }
        int[] rows = new int[taps + 1];
        for (int ch = 0; ch < c; ch++) {
            for (int u = 0; u < kk; u++) {
                for (int v = 0; v < kk; v++) {
                    rows[(ch * kk + u) * kk + v] = ch * plane + u * width + v;
                }
            }
        }
        rows[taps] = c * plane;  // the row of ones, in the dW product
        int op = (o + S.length() - 1) / S.length() * S.length();
        float[] other = new float[Math.max(o * taps, q * op)], c0 = new float[weights ? (taps + 1) * op : o * q];
        for (int i = 0; i < other.length; i++) {
            other[i] = (float) rnd.nextDouble(-1, 1);
        }
        int m = weights ? taps + 1 : o, n = weights ? op : q, k = weights ? q : taps;
        KernelChoice choice = Gemm.choice("bench " + name, m, n, k);
        long start = System.nanoTime(), calls = 0;
        while (System.nanoTime() - start < 1.5e9) {
            if (weights) {
                Gemm.chainARows(choice, m, n, k, frame, rows, other, 0, op, c0, 0, op);
            } else {
                Gemm.chainBRows(choice, m, n, k, other, 0, taps, 1, frame, rows, c0, 0, q);
            }
            calls++;
        }
        return 2.0 * m * n * k * calls / ((System.nanoTime() - start) / 1e9) / 1e9;
    }

    /** 16 independent fma chains on registers: the core's single-precision FMA throughput. */
    static double peak() {
        double best = 0;
        for (int rep = 0; rep < 8; rep++) {
            best = Math.max(best, peakOnce());
        }
        return best;
    }

    static double peakOnce() {
        {
            FloatVector x = FloatVector.broadcast(S, 1.0000001f), y = FloatVector.broadcast(S, 0.9999999f);
            FloatVector a0 = x, a1 = y, a2 = x, a3 = y, a4 = x, a5 = y, a6 = x, a7 = y;
            FloatVector a8 = x, a9 = y, a10 = x, a11 = y, a12 = x, a13 = y, a14 = x, a15 = y;
            int iters = 5_000_000;
            long start = System.nanoTime();
            for (int i = 0; i < iters; i++) {
                a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
                a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
                a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
                a12 = a12.fma(x, y); a13 = a13.fma(x, y); a14 = a14.fma(x, y); a15 = a15.fma(x, y);
            }
            double sec = (System.nanoTime() - start) / 1e9;
            float sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10)
                    .add(a11).add(a12).add(a13).add(a14).add(a15).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
            if (sink == 42f) {
                System.out.print("");
            }
            return 16.0 * 2 * S.length() * iters / sec / 1e9;
        }
    }
}
