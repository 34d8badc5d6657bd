package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.LossOps;

/**
 * An MSE model given class labels trains against their one-hot vectors, with either reduction; each
 * loss's per-example form (what evaluation sums) adds up to the batch loss.
 */
class MseFromLabelsTest {

    private static final int N = 5;
    private static final int K = 4;

    private static ModelDefinition model(Loss loss) {
        return ModelDefinition.builder("net", new Shape(1, 6, 6)).conv2d("conv1", 2, 3, 1, 0).tanh().flatten()
                .dense("fc", K).build(loss);
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    @Test
    void labelsBecomeOneHotTargetsForBothReductions() {
        for (Loss loss : List.of(Loss.mse(true), Loss.mse(false))) {
            ModelDefinition def = model(loss);
            SplittableRandom rng = new SplittableRandom(4);
            float[] params = random(rng, def.paramCount()), x = random(rng, N * 36);
            int[] labels = {2, 0, 3, 3, 1};
            float[] oneHot = new float[N * K];
            for (int r = 0; r < N; r++) {
                oneHot[r * K + labels[r]] = 1f;
            }
            float[] fromLabels = new float[def.paramCount()], fromTargets = new float[def.paramCount()];
            double a = def.newNetwork(N).lossAndGradient(params, fromLabels, x, labels, null, N, 8, new Pass(true, 1, 0, null));
            double b = def.newNetwork(N).lossAndGradient(params, fromTargets, x, null, oneHot, N, 8, new Pass(true, 1, 0, null));
            assertEquals(b, a, 0.0, loss.toString());
            assertArrayEquals(fromTargets, fromLabels, loss.toString());
            assertTrue(a > 0, "a random net misses its targets");
        }
    }

    @Test
    void perExampleLossesAddUpToTheBatchLoss() {
        SplittableRandom rng = new SplittableRandom(5);
        float[] z = random(rng, N * K);
        int[] labels = {1, 1, 0, 3, 2};
        float[] oneHot = new float[N * K];
        LossOps.oneHot(labels, N, K, oneHot);
        for (Loss loss : List.of(Loss.SOFTMAX_CROSS_ENTROPY, Loss.mse(true), Loss.mse(false))) {
            double batch = loss.lossAndGradient(z, N, K, labels, oneHot, N, null);
            double sum = 0;
            for (int r = 0; r < N; r++) {
                sum += loss.exampleLoss(z, r * K, K, labels[r]);
            }
            assertEquals(loss.perExample(batch, N), sum / N, 1e-15, loss.toString());
        }
        assertEquals(LossOps.squaredErrorToOneHot(z, K, K, 1) / 2, Loss.mse(false).exampleLoss(z, K, K, 1), 0.0);
        double byHand = 0;
        for (int j = 0; j < K; j++) {
            double d = z[K + j] - (j == 1 ? 1.0 : 0.0);
            byHand += d * d;
        }
        assertEquals(byHand / K, Loss.mse(true).exampleLoss(z, K, K, 1), 1e-15);
        // the cross-entropy of one row is that row's term of the batch loss, to the bit
        float[] row = java.util.Arrays.copyOfRange(z, 2 * K, 3 * K);
        assertEquals(LossOps.softmaxCrossEntropy(row, new int[]{0}, 1, K, 1, null, null), LossOps.crossEntropy(z, 2 * K, K, 0), 0.0);
    }

    @Test
    void aLabelOutOfRangeIsNamed() {
        ModelDefinition def = model(Loss.mse(true));
        float[] params = new float[def.paramCount()];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> def.newNetwork(2).lossAndGradient(
                params, new float[params.length], new float[72], new int[]{1, 4}, null, 2, 2, Pass.INFERENCE));
        assertTrue(e.getMessage().contains("label 4 of example 1 is out of range [0, 4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Loss.mse(false).exampleLoss(new float[4], 0, 4, -1));
        assertTrue(e.getMessage().contains("label -1 is out of range [0, 4)"), e.getMessage());
    }
}
