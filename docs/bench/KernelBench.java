import java.util.Arrays;
import java.util.SplittableRandom;
import org.sparkcnn.engine.ops.Pool2dOps;
import org.sparkcnn.engine.ops.Unfold;

/**
 * Two engine kernels beside their previous versions, in one run, on LeNet-5's shapes and a chunk of
 * 16 examples: im2col (conv1: 1x28x28, 5x5, pad 2; conv2: 6x14x14, 5x5) and 2x2 max pooling
 * (6x28x28, a third of the inputs 0 as after ReLU). Each prints microseconds per chunk and checks
 * that both versions give the same output.
 *
 *   mvn -B -q install -DskipTests && java -cp engine/target/classes docs/bench/KernelBench.java
 */
public class KernelBench {

    /** im2col before 2026-11-30: two integer divisions per output row. */
    static void im2colBefore(float[] x, int xOff, int c, int h, int w, int kh, int kw, int sw, int ph, int pw, int ho,
                             int wo, float[] col, int colOff, int ld) {
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            int plane = xOff + ch * h * w;
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++, row++) {
                    int dst = colOff + row * ld;
                    for (int i = 0; i < ho; i++) {
                        int y = i * sw + u - ph;
                        if (y < 0 || y >= h) {
                            Arrays.fill(col, dst, dst + wo, 0f);
                            dst += wo;
                            continue;
                        }
                        int src = plane + y * w;
                        int jLo = Math.min(wo, Math.max(0, -Math.floorDiv(-(pw - v), sw)));
                        int jHi = Math.max(jLo, Math.min(wo, -Math.floorDiv(-(w + pw - v), sw)));
                        for (int j = 0; j < jLo; j++) {
                            col[dst + j] = 0f;
                        }
                        for (int j = jLo, off = src + v - pw; j < jHi; j++) {
                            col[dst + j] = x[off + j];
                        }
                        for (int j = jHi; j < wo; j++) {
                            col[dst + j] = 0f;
                        }
                        dst += wo;
                    }
                }
            }
        }
    }

    /** 2x2 max pooling before 2026-11-30: the scan's compare-and-replace, with its branches. */
    static void max2x2Before(float[] out, int[] argmax, float[] inp, int planes, int h, int w, int ho, int wo) {
        int q = 0;
        for (int plane = 0; plane < planes; plane++) {
            int base = plane * h * w;
            for (int i = 0; i < ho; i++) {
                for (int j = 0, p = base + 2 * i * w; j < wo; j++, q++, p += 2) {
                    int best = p;
                    float max = inp[p];
                    best = better(inp[p + 1], max) ? p + 1 : best;
                    max = inp[best];
                    best = better(inp[p + w], max) ? p + w : best;
                    max = inp[best];
                    best = better(inp[p + w + 1], max) ? p + w + 1 : best;
                    out[q] = inp[best];
                    argmax[q] = best;
                }
            }
        }
    }

    static boolean better(float v, float max) {
        return v > max || (v != v && max == max);
    }

    static double microsPerCall(Runnable r) {
        long t0 = System.nanoTime();
        int calls = 0;
        while (System.nanoTime() - t0 < 1_000_000_000L) {
            r.run();
            calls++;
        }
        return (System.nanoTime() - t0) / 1e3 / calls;
    }

    public static void main(String[] args) {
        int g = 16;
        int stride = args.length + 1;  // 1, but not a constant the JIT could fold into the divisions
        for (int round = 1; round <= 3; round++) {  // the first rounds warm the JIT up
            for (int[] s : new int[][]{{1, 28, 5, 2}, {6, 14, 5, 0}}) {
                int c = s[0], h = s[1], k = s[2], p = s[3], o = h + 2 * p - k + 1, hw = o * o, chw = c * h * h;
                float[] x = new float[g * chw];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i % 7;
                }
                float[] before = new float[g * c * k * k * hw], now = new float[before.length];
                double tb = microsPerCall(() -> {
                    for (int b = 0; b < g; b++) {
                        im2colBefore(x, b * chw, c, h, h, k, k, stride, p, p, o, o, before, b * hw, g * hw);
                    }
                });
                double tn = microsPerCall(() -> {
                    for (int b = 0; b < g; b++) {
                        Unfold.im2col(x, b * chw, c, h, h, k, k, stride, stride, p, p, o, o, now, b * hw, g * hw);
                    }
                });
                check(Arrays.equals(before, now), "im2col outputs differ");
                System.out.printf("round %d  im2col %dx%dx%d k%d: before %.1f us, now %.1f us per chunk (%.2fx)%n",
                        round, c, h, h, k, tb, tn, tb / tn);
            }
            int planes = g * 6, h = 28, o = 14;
            float[] inp = new float[planes * h * h];
            SplittableRandom rng = new SplittableRandom(1);
            for (int i = 0; i < inp.length; i++) {
                inp[i] = rng.nextInt(3) == 0 ? 0f : (float) rng.nextDouble();
            }
            float[] outBefore = new float[planes * o * o], outNow = new float[outBefore.length];
            int[] atBefore = new int[outBefore.length], atNow = new int[outBefore.length];
            double tb = microsPerCall(() -> max2x2Before(outBefore, atBefore, inp, planes, h, h, o, o));
            double tn = microsPerCall(() -> Pool2dOps.maxForward(outNow, atNow, inp, g, 6, h, h, 2, 2, 2, 2, 0, 0));
            check(Arrays.equals(outBefore, outNow) && Arrays.equals(atBefore, atNow), "max pooling outputs differ");
            System.out.printf("round %d  maxpool 2x2 6x28x28: before %.1f us, now %.1f us per chunk (%.2fx)%n",
                    round, tb, tn, tb / tn);
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
