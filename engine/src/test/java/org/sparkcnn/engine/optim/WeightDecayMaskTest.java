package org.sparkcnn.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.Loss;

/** no_decay_bias_and_norm: weight decay on conv and dense weights only. */
class WeightDecayMaskTest {

    private static final ModelDefinition DEF = ModelDefinition.builder("m", new Shape(1, 6, 6))
            .conv2d("conv1", 3, 3, 1, 1).add(new BatchNorm2d("bn1", 3, 1e-5, 0.1)).relu().flatten()
            .dense("fc", 4).build(Loss.SOFTMAX_CROSS_ENTROPY);

    @Test
    void theMaskHoldsTheConvAndDenseWeightsOnly() {
        boolean[] mask = Optimizers.decayMask(DEF);
        int weights = 0;
        for (ModelDefinition.ParamSlice s : DEF.params()) {
            boolean decays = s.name().endsWith(".w");
            weights += decays ? s.size() : 0;
            for (int i = s.offset(); i < s.offset() + s.size(); i++) {
                assertEquals(decays, mask[i], s.name() + "[" + (i - s.offset()) + "]");
            }
        }
        assertEquals(27 + 3 * 36 * 4, weights);
        assertEquals(java.util.List.of("conv1.w", "conv1.b", "bn1.gamma", "bn1.beta", "fc.w", "fc.b"),
                DEF.params().stream().map(ModelDefinition.ParamSlice::name).toList());
    }

    /** Each excluded element takes the bits of weight_decay 0, each weight those of the decayed update. */
    @Test
    void excludedElementsUpdateAsWithoutDecayAndWeightsWithIt() {
        for (String name : Optimizers.names()) {
            Map<String, Object> decayed = new HashMap<>(Map.of("weight_decay", 0.1));
            if (name.equals("sgd") || name.equals("rmsprop")) {
                decayed.put("momentum", 0.9);
            }
            Map<String, Object> plain = new HashMap<>(decayed);
            plain.put("weight_decay", 0.0);
            Map<String, Object> masked = new HashMap<>(decayed);
            masked.put(Optimizers.NO_DECAY, true);
            int n = DEF.paramCount();
            float[] a = start(n), b = a.clone(), c = a.clone();
            Optimizer withDecay = Optimizers.create(name, decayed, DEF);
            Optimizer withoutDecay = Optimizers.create(name, plain, DEF);
            Optimizer withMask = Optimizers.create(name, masked, DEF);
            SplittableRandom rng = new SplittableRandom(3);
            for (int step = 0; step < 3; step++) {
                float[] g = new float[n];
                for (int i = 0; i < n; i++) {
                    g[i] = (float) rng.nextGaussian();
                }
                withDecay.step(a, g, 0.05);
                withoutDecay.step(b, g, 0.05);
                withMask.step(c, g, 0.05);
            }
            boolean[] mask = Optimizers.decayMask(DEF);
            int differ = 0;
            for (int i = 0; i < n; i++) {
                float want = mask[i] ? a[i] : b[i];
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(c[i]), name + " element " + i);
                differ += a[i] != b[i] ? 1 : 0;
            }
            assertNotEquals(0, differ, name + ": decay changes the update");
        }
    }

    @Test
    void offIsTheDefaultAndChangesNoBits() {
        int n = DEF.paramCount();
        float[] a = start(n), b = a.clone(), g = start(n);
        Optimizers.create("adamw", Map.of(), DEF).step(a, g, 0.01);
        Optimizers.create("adamw", Map.of(Optimizers.NO_DECAY, false), n).step(b, g, 0.01);
        assertArrayEquals(a, b);
    }

    @Test
    void withoutTheModelTheOptionIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.create("sgd", Map.of(Optimizers.NO_DECAY, true), 10));
        assertEquals("sgd: no_decay_bias_and_norm needs the model definition", e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.create("sgd", Map.of(Optimizers.NO_DECAY, "yes"), DEF));
        assertEquals("sgd: no_decay_bias_and_norm must be true or false, got yes (String)", bad.getMessage());
    }

    private static float[] start(int n) {
        SplittableRandom rng = new SplittableRandom(1);
        float[] p = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) rng.nextGaussian();
        }
        return p;
    }
}
