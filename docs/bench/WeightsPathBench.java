package org.sparkcnn.engine.ops;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * dW alone (no dX) of one "same" stride-1 convolution on a chunk, by each of the paths on frames that
 * {@link ConvChoices} times against each other: 0, the chain along the output channels over the frame's
 * positions; 1, {@link WeightsChannelsLast} over the output positions; 2, the same by 4 output channels a tile
 * (12 accumulators; timed by the engine below 16 lanes, run here at every width). All must give the same weights
 * (docs/ENGINE.md); this prints each path's fastest call, ms per chunk and ns per multiply-add, over three
 * one-second rounds after one to warm up. In the engine's package (ConvChoices' pinned paths are package-private),
 * so it is compiled next to the engine's classes:
 *
 *   mvn -B -q install -DskipTests
 *   javac --add-modules jdk.incubator.vector -cp engine/target/classes -d /tmp/wpb docs/bench/WeightsPathBench.java
 *   java --add-modules jdk.incubator.vector -cp /tmp/wpb:engine/target/classes org.sparkcnn.engine.ops.WeightsPathBench C O k H N [bias]
 *   (tfconv's conv2: 32 64 5 14 16 bias; resnet20's layers: 16 16 3 28 32, 32 32 3 14 32, 64 64 3 7 32;
 *    add -XX:MaxVectorSize=32 for an AVX2 machine's width)
 */
public class WeightsPathBench {

    public static void main(String[] args) {
        int c = Integer.parseInt(args[0]), o = Integer.parseInt(args[1]), k = Integer.parseInt(args[2]);
        int h = Integer.parseInt(args[3]), w = h, n = Integer.parseInt(args[4]), p = (k - 1) / 2;
        boolean bias = args.length > 5 && args[5].equals("bias");
        int ckk = c * k * k, hw = h * w, group = Conv2dOps.groupSize(n, ckk, o, hw);
        SplittableRandom rng = new SplittableRandom(1);
        float[] params = new float[o * ckk + o], x = new float[n * c * hw], dy = new float[n * o * hw];
        for (float[] a : new float[][]{params, x, dy}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rng.nextGaussian();
            }
        }
        ConvChoices choices = ConvChoices.of("bench", c, h, w, o, k, k, 1, 1, p, p, group);
        ConvWorkspace ws = new ConvWorkspace(group, c, h, w, o, k, k, 1, 1, p, p);
        float[] grads = new float[params.length];
        double macs = (double) (ckk + (bias ? 1 : 0)) * o * n * hw;
        System.out.printf(Locale.ROOT, "C=%d O=%d k=%d H=%d, %d examples in groups of %d, %s; %s%n", c, o, k, h, n, group,
                bias ? "with db" : "no bias", choices.weightsPath() == null
                        ? "one path only (" + (WeightsChannelsLast.only(c, o, k, k, 1, 1, p, p) ? "WeightsChannelsLast" : "the chain") + ")"
                        : "the paths in turn");
        for (int round = 0; round < 4; round++) {
            for (int path = 0; path < ConvChoices.WEIGHTS_PATHS.length; path++) {
                ConvChoices pinned = choices.withWeightsPath(path);
                long best = Long.MAX_VALUE;
                for (long end = System.nanoTime() + 1_000_000_000L; System.nanoTime() < end; ) {
                    long start = System.nanoTime();
                    Conv2dOps.backward(null, grads, dy, x, params, 0, bias ? o * ckk : -1, n, c, h, w, o, k, k, 1, 1, p, p,
                            group, ws, pinned, false);
                    best = Math.min(best, System.nanoTime() - start);
                }
                if (round > 0) {
                    System.out.printf(Locale.ROOT, "round %d, path %d: %.3f ms per chunk, %.4f ns per multiply-add%n",
                            round, path, best / 1e6, best / macs);
                }
            }
        }
    }
}
