import java.util.Arrays;
import java.util.SplittableRandom;
import org.sparkcnn.engine.ops.Conv2dOps;
import org.sparkcnn.engine.ops.DirectConv;
import org.sparkcnn.engine.ops.VectorSupport;

/**
 * The two convolution paths side by side, in one run, on the conv layers of the shipped models and a
 * chunk of 16 examples: im2col + GEMM (Conv2dOps, BLAS) against the direct kernels (DirectConv, Java
 * Vector API). Prints microseconds per chunk for the forward and for forward + backward (dW, db and,
 * except for first layers, dX), checks that the two paths agree to float rounding and that the vector
 * kernels equal the scalar ones bit for bit. DirectConv.MAX_TAPS comes from these numbers.
 *
 *   mvn -B -q install -DskipTests
 *   OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector \
 *     -cp engine/target/classes:$(cat trainer/target/spark-classpath.txt) docs/bench/ConvBench.java
 */
public class ConvBench {

    public static void main(String[] args) {
        // c, h, w, o, k, pad; first layers (c = 1) need no dX
        int[][] shapes = {
                {1, 28, 28, 6, 5, 2}, {6, 14, 14, 16, 5, 0},
                {1, 28, 28, 16, 3, 1}, {16, 14, 14, 32, 3, 1},
                {1, 28, 28, 32, 5, 2}, {32, 14, 14, 64, 5, 2}};
        String[] names = {"lenet5 conv1", "lenet5 conv2", "small conv1", "small conv2", "tfconv conv1", "tfconv conv2"};
        int n = 16;
        SplittableRandom rnd = new SplittableRandom(1);
        System.out.println("direct kernels: " + VectorSupport.describe());
        for (int round = 0; round < 3; round++) {
            for (int s = 0; s < shapes.length; s++) {
                int c = shapes[s][0], h = shapes[s][1], w = shapes[s][2], o = shapes[s][3], k = shapes[s][4], p = shapes[s][5];
                int ho = h + 2 * p - k + 1, wo = w + 2 * p - k + 1, hw = ho * wo, bOff = o * c * k * k;
                float[] x = random(rnd, n * c * h * w), dy = random(rnd, n * o * hw), params = random(rnd, o * c * k * k + o);
                int group = Conv2dOps.groupSize(n, c * k * k, o, hw);
                float[] col = new float[group * c * k * k * hw], yt = new float[group * o * hw];
                float[] yGemm = new float[n * o * hw], yDirect = new float[n * o * hw], yScalar = new float[n * o * hw];
                float[] gGemm = new float[params.length], gDirect = new float[params.length], gScalar = new float[params.length];
                float[] dxGemm = c == 1 ? null : new float[x.length], dxDirect = c == 1 ? null : new float[x.length];
                float[] dxScalar = c == 1 ? null : new float[x.length];
                DirectConv.Work work = new DirectConv.Work(new DirectConv.Plan(c, h, w, o, k, k, p, p));
                DirectConv.Work scalarWork = new DirectConv.Work(new DirectConv.Plan(c, h, w, o, k, k, p, p));
                long fwdGemm = 0, allGemm = 0, fwdDirect = 0, allDirect = 0;
                int reps = s == 5 ? 10 : 100;
                for (int r = 0; r < 2 * reps; r++) {
                    Arrays.fill(gGemm, 0f);
                    Arrays.fill(gDirect, 0f);
                    long t0 = System.nanoTime();
                    Conv2dOps.forward(yGemm, x, params, 0, bOff, n, c, h, w, o, k, k, 1, 1, p, p, group, col, yt);
                    long t1 = System.nanoTime();
                    Conv2dOps.backward(dxGemm, gGemm, dy, x, params, 0, bOff, n, c, h, w, o, k, k, 1, 1, p, p, group, col, yt, true);
                    long t2 = System.nanoTime();
                    DirectConv.forward(work, yDirect, x, params, 0, bOff, n, VectorSupport.AVAILABLE);
                    long t3 = System.nanoTime();
                    DirectConv.backward(work, dxDirect, gDirect, dy, x, params, 0, bOff, n, VectorSupport.AVAILABLE);
                    long t4 = System.nanoTime();
                    if (r >= reps) {
                        fwdGemm += t1 - t0;
                        allGemm += t2 - t0;
                        fwdDirect += t3 - t2;
                        allDirect += t4 - t2;
                    }
                }
                DirectConv.forward(scalarWork, yScalar, x, params, 0, bOff, n, false);
                DirectConv.backward(scalarWork, dxScalar, gScalar, dy, x, params, 0, bOff, n, false);
                if (VectorSupport.AVAILABLE) {
                    same("y", yScalar, yDirect);
                    same("grads", gScalar, gDirect);
                    same("dX", dxScalar, dxDirect);
                }
                double diff = Math.max(relDiff(yGemm, yDirect), Math.max(relDiff(gGemm, gDirect), relDiff(dxGemm, dxDirect)));
                if (diff > 1e-4) {
                    throw new AssertionError(names[s] + ": the paths differ by " + diff);
                }
                System.out.printf("round %d  %-13s taps %4d  forward: gemm %8.1f us, direct %8.1f us (x%.2f)   "
                                + "forward+backward: gemm %8.1f us, direct %8.1f us (x%.2f)   max rel diff %.1e%n",
                        round + 1, names[s], c * k * k, fwdGemm / 1e3 / reps, fwdDirect / 1e3 / reps,
                        (double) fwdGemm / fwdDirect, allGemm / 1e3 / reps, allDirect / 1e3 / reps,
                        (double) allGemm / allDirect, diff);
            }
        }
    }

    static float[] random(SplittableRandom rnd, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return a;
    }

    static void same(String what, float[] scalar, float[] vector) {
        for (int i = 0; scalar != null && i < scalar.length; i++) {
            if (Float.floatToRawIntBits(scalar[i]) != Float.floatToRawIntBits(vector[i])) {
                throw new AssertionError(what + "[" + i + "]: scalar " + scalar[i] + ", vector " + vector[i]);
            }
        }
    }

    /** max |a - b| / max(1, max |a|) */
    static double relDiff(float[] a, float[] b) {
        double d = 0, m = 1;
        for (int i = 0; a != null && i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
            m = Math.max(m, Math.abs(a[i]));
        }
        return d / m;
    }
}
