package org.sparkcnn.engine.ops;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Batch norm's two backward loops alone, each way: the sums of dy and dy*(x - mean) and the input gradient,
 * by {@link BatchNormVector} and by the plain Java loops ({@link BatchNormOps#sumDyAndDyDev16}, and the dx
 * loop as {@code BatchNormOps.backward} writes it), without and with the ReLU's mask, on a ghost group of 32
 * examples of C x HW. Prints the fastest of five 0.3-second rounds of each, ms. It shows which way is faster
 * at a width (the backward's vectors are used from 256 bits: {@code BatchNormOps.VECTOR_BACKWARD}). In the
 * engine's package (the kernels are package-private), so it is compiled next to the engine's classes:
 *
 *   mvn -B -q install -DskipTests
 *   javac --add-modules jdk.incubator.vector -cp engine/target/classes -d /tmp/bnl docs/bench/BatchNormLoopsBench.java
 *   java --add-modules jdk.incubator.vector -XX:MaxVectorSize=16 -cp /tmp/bnl:engine/target/classes org.sparkcnn.engine.ops.BatchNormLoopsBench 16 784
 *   (-XX:MaxVectorSize=16: 128 bits, 32: 256 bits, none: the machine's width)
 */
public class BatchNormLoopsBench {

    static double fastest(Runnable run) {
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 6; round++) {
            long start = System.nanoTime();
            int calls = 0;
            while (System.nanoTime() - start < 300_000_000L) {
                run.run();
                calls++;
            }
            if (round > 0) {  // the first round warms up
                best = Math.min(best, (System.nanoTime() - start) / 1e6 / calls);
            }
        }
        return best;
    }

    public static void main(String[] args) {
        int n = 32, c = Integer.parseInt(args[0]), hw = Integer.parseInt(args[1]);
        float[] x = new float[n * c * hw], dout = new float[x.length], dx = new float[x.length];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
            dout[i] = (float) rng.nextGaussian();
        }
        double mu = 0.1, a = 1.1, beta = 0.2, xCoef = 0.01, constant = 0.02;
        double[][] dy = new double[c][BatchNormOps.PARTS], dyd = new double[c][BatchNormOps.PARTS];
        for (boolean relu : new boolean[]{false, true}) {
            double vectorSums = fastest(() -> {
                for (int b = 0; b < n; b++) {
                    for (int ch = 0; ch < c; ch++) {
                        BatchNormVector.sumDyAndDyDev16(dout, relu, x, (b * c + ch) * hw, hw, mu, a, beta, dy[ch], dyd[ch]);
                    }
                }
            });
            double vectorDx = fastest(() -> {
                for (int p = 0; p < x.length; p += hw) {
                    BatchNormVector.inputGradient(dx, dout, relu, x, p, p + hw, mu, a, beta, xCoef, constant);
                }
            });
            double plainSums = fastest(() -> {
                for (int b = 0; b < n; b++) {
                    for (int ch = 0; ch < c; ch++) {
                        BatchNormOps.sumDyAndDyDev16(dout, relu, x, (b * c + ch) * hw, hw, mu, a, beta, dy[ch], dyd[ch]);
                    }
                }
            });
            double plainDx = fastest(() -> {
                for (int p = 0; p < x.length; p++) {
                    double d = x[p] - mu;
                    dx[p] = (float) Math.fma(BatchNormOps.dy(dout[p], relu, d, a, beta), a, Math.fma(d, xCoef, constant));
                }
            });
            System.out.printf(Locale.ROOT, "%dx%d, %d float lanes, ReLU %s: sums %.3f (vectors) / %.3f (plain), dx %.3f / %.3f ms%n",
                    c, hw, VectorSupport.lanes(), relu ? "inside" : "none", vectorSums, plainSums, vectorDx, plainDx);
        }
    }
}
