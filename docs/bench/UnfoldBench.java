package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A channels-last product's outputs turned back into NCHW planes ({@code ProductChannelsLast}'s unfold),
 * two ways in one JVM, alternating: a gather per vector of positions (the code before f2fac5b, kept here)
 * and {@link TransposeVector#planes} (register transposes). Prints the mean time of each over 20 rounds
 * of 200 calls, how many rounds the transposes won, and whether both wrote the same floats. In the
 * engine's package (TransposeVector is package-private), so it is compiled next to the engine's classes:
 *
 *   mvn -B -q install -DskipTests
 *   javac --add-modules jdk.incubator.vector -cp engine/target/classes -d /tmp/ub docs/bench/UnfoldBench.java
 *   java --add-modules jdk.incubator.vector -cp /tmp/ub:engine/target/classes org.sparkcnn.engine.ops.UnfoldBench M HW G
 *   (resnet20's groups: 32 196 18 and 64 49 32; add -XX:MaxVectorSize=32 for an AVX2 machine's width)
 */
public class UnfoldBench {
    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int L = Lanes.L;

    /** The gathers: {@code out[((b0+b)*M + r)*hw + p] = ycl[(b*hw + p)*M + r]}. */
    static void gathers(float[] ycl, int m, int g, int hw, float[] out, int b0, int[] index) {
        for (int l = 0; l < L; l++) {
            index[l] = l * m;
        }
        int whole = hw / L * L;
        for (int b = 0; b < g; b++) {
            for (int r = 0; r < m; r++) {
                int from = b * hw * m + r, to = ((b0 + b) * m + r) * hw;
                for (int p = 0; p < whole; p += L) {
                    FloatVector.fromArray(F, ycl, from + p * m, index, 0).intoArray(out, to + p);
                }
                for (int p = whole; p < hw; p++) {
                    out[to + p] = ycl[from + p * m];
                }
            }
        }
    }

    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]), hw = Integer.parseInt(args[1]), g = Integer.parseInt(args[2]);
        float[] ycl = new float[g * hw * m], byGathers = new float[g * m * hw], byBlocks = new float[byGathers.length];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        for (int i = 0; i < ycl.length; i++) {
            ycl[i] = (float) rng.nextGaussian();
        }
        int[] index = new int[L];
        Runnable old = () -> gathers(ycl, m, g, hw, byGathers, 0, index);
        Runnable blocks = () -> {
            for (int b = 0; b < g; b++) {
                TransposeVector.planes(ycl, b * hw * m, m, hw, byBlocks, b * m * hw, hw);
            }
        };
        for (int i = 0; i < 5000; i++) {
            old.run();
            blocks.run();
        }
        long sumOld = 0, sumBlocks = 0;
        int wins = 0;
        for (int round = 0; round < 20; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                old.run();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                blocks.run();
            }
            long t2 = System.nanoTime();
            sumOld += t1 - t0;
            sumBlocks += t2 - t1;
            wins += t2 - t1 < t1 - t0 ? 1 : 0;
        }
        System.out.printf(java.util.Locale.ROOT, "M=%d HW=%d G=%d (%d lanes): gathers %.1f us, transposes %.1f us (%.2fx; faster in %d of 20 rounds); same floats: %b%n",
                m, hw, g, L, sumOld / 4000 / 1e3, sumBlocks / 4000 / 1e3, (double) sumOld / sumBlocks, wins,
                java.util.Arrays.equals(byGathers, byBlocks));
    }
}
