package org.sparkcnn.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.layers.Pass;

class GradientWorkerTest {

    private static final int N = 45;

    private static GradientWorker.Examples data(ModelDefinition def) {
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = new float[N * def.inputShape().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        int[] rows = java.util.stream.IntStream.range(0, N).toArray();
        return new GradientWorker.Examples(x, rng.ints(N, 0, 10).toArray(), 1000, rows);
    }

    private static FixedPointSum run(ModelDefinition def, float[] params, List<GradientWorker.Examples> ex, int threads) {
        FixedPointSum sum = new FixedPointSum();
        try (GradientWorker w = new GradientWorker(def, null, 8, threads)) {
            w.accumulate(params, ex, N, 1, 0, sum);
        }
        return sum;
    }

    @Test
    void countsTheExamplesWhoseLogitsArgmaxIsTheLabel() throws IOException {
        ModelDefinition def = ModelDefinition.load("lenet5");
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 4);
        GradientWorker.Examples all = data(def);
        int[] labels = all.labels().clone();
        // Make the labels the network's own predictions for every third example, so the count is not ~10%.
        Network net = def.newNetwork(N);
        float[] logits = net.forward(params, all.features(), N, Pass.INFERENCE);
        int k = def.outputSize(), expected = 0;
        for (int i = 0; i < N; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                best = logits[i * k + j] > logits[i * k + best] ? j : best;
            }
            if (i % 3 == 0) {
                labels[i] = best;
            }
            expected += labels[i] == best ? 1 : 0;
        }
        GradientWorker.Examples ex = new GradientWorker.Examples(all.features(), labels, all.firstId(), all.rows());
        assertEquals(expected, run(def, params, List.of(ex), 1).correct());
        assertEquals(expected, run(def, params, List.of(ex), 3).correct(), "exact for any thread count");
        assertTrue(expected >= N / 3, "at least the examples labelled with their prediction: " + expected);
    }

    @Test
    void bitIdenticalForAnyThreadCountAndAnyGroupingOfUnits() throws IOException {
        ModelDefinition def = ModelDefinition.load("tfconv");  // has dropout: masks keyed by example id
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
        GradientWorker.Examples all = data(def);
        float[] one = run(def, params, List.of(all), 1).gradient(new float[params.length]);
        for (int threads : new int[]{2, 3}) {
            assertArrayEquals(one, run(def, params, List.of(all), threads).gradient(new float[params.length]), threads + " threads");
        }
        // the same examples as two units (rows 0..23 and 24..44; 24 is a multiple of the chunk size 8),
        // summed by two workers and merged in the other order
        int[] first = java.util.stream.IntStream.range(0, 24).toArray(), second = java.util.stream.IntStream.range(24, N).toArray();
        FixedPointSum a = run(def, params, List.of(new GradientWorker.Examples(all.features(), all.labels(), all.firstId(), first)), 2);
        FixedPointSum b = run(def, params, List.of(new GradientWorker.Examples(all.features(), all.labels(), all.firstId(), second)), 1);
        FixedPointSum merged = b.merge(a);
        assertArrayEquals(one, merged.gradient(new float[params.length]));
        assertEquals(N, merged.examples());
        assertNotEquals(0.0, merged.loss());
    }

    @Test
    void equalsTheWholeBatchGradientUpToFloatRounding() throws IOException {
        ModelDefinition def = ModelDefinition.load("lenet5");
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 2);
        GradientWorker.Examples all = data(def);
        FixedPointSum sum = run(def, params, List.of(all), 2);
        Network net = def.newNetwork(N);
        float[] whole = new float[params.length];
        double loss = net.lossAndGradient(params, whole, all.features(), all.labels(), null, N, N, Pass.training(1, 0, N));
        float[] chunked = sum.gradient(new float[params.length]);
        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < whole.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(whole[i]));
            maxDiff = Math.max(maxDiff, Math.abs(whole[i] - chunked[i]));
        }
        assertTrue(maxDiff <= 1e-5 * maxAbs, "max diff " + maxDiff + " vs max |g| " + maxAbs);
        assertEquals(loss, sum.loss(), 1e-6);
    }

    @Test
    void nonFiniteGradientsAreFlaggedNotSummed() {
        FixedPointSum s = new FixedPointSum();
        s.add(new float[]{1f, Float.NaN, 2f, Float.POSITIVE_INFINITY}, 0.5, 1);
        assertEquals(1, s.badIndex());
        FixedPointSum t = new FixedPointSum();
        t.add(new float[]{1f, 1f, 1e9f, 1f}, 0.5, 1);
        assertEquals(2, t.badIndex(), "|g| >= 2^22 is flagged");
        assertEquals(1, t.merge(s).badIndex(), "merge keeps the lowest index");
    }

    @Test
    void addAndZeroSumsAsAddDoesAndLeavesTheGradientZero() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        float[] g = new float[3 * 4096 + 17];  // several blocks and a partial one
        FixedPointSum plain = new FixedPointSum(), zeroing = new FixedPointSum();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) rng.nextGaussian();
            }
            plain.add(g, 0.25, 4);
            zeroing.addAndZero(g, 0.25, 4);
            for (float v : g) {
                assertEquals(0f, v);
            }
        }
        assertArrayEquals(plain.gradient(new float[g.length]), zeroing.gradient(new float[g.length]));
        assertEquals(plain.loss(), zeroing.loss());
        float[] bad = new float[2 * 4096];
        bad[4096 + 3] = Float.NaN;
        bad[4096 + 9] = 5f;
        FixedPointSum flagged = new FixedPointSum();
        flagged.addAndZero(bad, 0.25, 4);
        assertEquals(4096 + 3, flagged.badIndex(), "found before its block is zeroed");
    }

    @Test
    void theVectorKernelRoundsEveryValueAsTheScalarPathDoes() {
        assertTrue(org.sparkcnn.engine.ops.VectorSupport.AVAILABLE, "the tests run with jdk.incubator.vector");
        java.util.SplittableRandom rng = new java.util.SplittableRandom(9);
        float[] g = new float[10_007];
        for (int i = 0; i < g.length; i++) {
            g[i] = switch (i % 5) {
                case 0 -> (float) (rng.nextGaussian() * Math.scalb(1.0, rng.nextInt(-45, 16)));  // tiny to >= 2^11
                case 1 -> (float) Math.scalb(rng.nextInt(-1000, 1000) + 0.5, -40);  // exact ties: to even
                case 2 -> -0f;
                case 3 -> (float) Math.scalb(rng.nextInt(-1000, 1000) + 0.5, -41 - rng.nextInt(3));
                default -> (float) rng.nextGaussian();
            };
        }
        long[] vector = new long[g.length], scalar = new long[g.length];
        for (int i = 0; i < g.length; i++) {
            vector[i] = scalar[i] = rng.nextLong() >> 8;  // sums already under way
        }
        long flags = FixedPointVector.add(g, vector, 0, g.length, false);
        for (int i = 0; i < g.length; i++) {
            scalar[i] += (long) Math.rint(g[i] * 0x1p40);
        }
        assertArrayEquals(scalar, vector);
        assertTrue(flags >= 0, "nothing out of range, nothing overflowed");
        long[] fromZero = new long[g.length], stale = vector.clone();
        assertTrue(FixedPointVector.add(g, fromZero, 0, g.length, false) >= 0);
        assertTrue(FixedPointVector.add(g, stale, 0, g.length, true) >= 0);
        assertArrayEquals(fromZero, stale, "set: the words as added to zero, whatever they held");
        g[4321] = Float.NaN;
        assertTrue(FixedPointVector.add(g, vector, 0, g.length, false) < 0, "NaN is flagged");
    }

    @Test
    void aClearedSumIsZeroAndItsNextAddWritesEveryWord() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(13);
        float[] g = new float[2 * 4096 + 9], h = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) rng.nextGaussian();
            h[i] = (float) rng.nextGaussian();
        }
        FixedPointSum reused = new FixedPointSum(), fresh = new FixedPointSum();
        reused.add(g, 2.0, 3);
        reused.clear();
        assertTrue(reused.isEmpty());
        assertEquals(null, reused.state().sums(), "a cleared sum ships no words");
        assertArrayEquals(new float[g.length], reused.gradient(new float[g.length]), "and its gradient is zero");
        reused.add(h, 0.5, 2);
        fresh.add(h, 0.5, 2);
        assertArrayEquals(fresh.state().sums(), reused.state().sums());
        assertEquals(fresh.loss(), reused.loss());
        assertEquals(2, reused.examples());
        reused.clear();
        assertArrayEquals(fresh.state().sums(), reused.merge(fresh).state().sums(), "merged into a cleared sum: a copy");
        FixedPointSum empty = new FixedPointSum();
        empty.add(g, 0, 1);
        empty.clear();
        FixedPointSum target = new FixedPointSum();
        target.add(h, 0, 1);
        assertArrayEquals(fresh.state().sums(), target.merge(empty).state().sums(), "a cleared sum adds nothing");
        h[4096 + 5] = Float.NaN;
        reused.clear();
        reused.add(h, 0, 1);
        assertEquals(4096 + 5, reused.badIndex(), "the first bad index, found in a written pass");
    }

    @Test
    void mergeFlagsTheFirstIndexWhoseSumOverflows() {
        float[] g = new float[6];
        java.util.Arrays.fill(g, 0x1p21f);  // 2^61 as a fixed-point word: three fit below 2^63, four do not
        FixedPointSum a = new FixedPointSum(), b = new FixedPointSum();
        for (int i = 0; i < 2; i++) {
            a.add(g, 0, 1);
        }
        g[0] = g[1] = g[2] = 0f;
        for (int i = 0; i < 2; i++) {
            b.add(g, 0, 1);
        }
        assertEquals(-1, a.badIndex());
        assertEquals(-1, b.badIndex());
        assertEquals(3, a.merge(b).badIndex(), "indices 3 to 5 overflow in the merge; 0 to 2 do not");
    }

    @Test
    void samplerIsAPermutationPerEpochAndCoversEveryExampleOnce() {
        BatchSampler s = new BatchSampler(7, 1000, 64);
        assertEquals(16, s.stepsPerEpoch());
        assertEquals(1000 - 15 * 64, s.batchLength(15));
        int[] p0 = s.permutation(0);
        int[] sorted = p0.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, sorted[i]);
        }
        assertArrayEquals(p0, new BatchSampler(7, 1000, 32).permutation(0), "independent of the batch size");
        assertTrue(!Arrays.equals(p0, s.permutation(1)));
        assertTrue(!Arrays.equals(p0, new BatchSampler(8, 1000, 64).permutation(0)));
    }
}
