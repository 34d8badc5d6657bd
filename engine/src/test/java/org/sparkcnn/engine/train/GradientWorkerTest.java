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
