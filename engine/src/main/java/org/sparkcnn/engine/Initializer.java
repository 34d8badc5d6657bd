package org.sparkcnn.engine;

import java.util.Locale;
import java.util.SplittableRandom;
import org.sparkcnn.engine.layers.ParamTensor;

/**
 * Seeded weight initializers. Each parameter tensor draws from its own stream, split in buffer order
 * from {@code SplittableRandom(seed)}, so the same seed and model give the same weights anywhere.
 */
public enum Initializer {
    /**
     * PyTorch's default for Conv2d and Linear: weights kaiming-uniform with a = sqrt(5), i.e.
     * U(-b, b) with b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)), so b = 1 / sqrt(fan_in);
     * bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    PYTORCH_DEFAULT,
    /** He (kaiming) normal: weights N(0, 2 / fan_in); bias 0. */
    HE_NORMAL,
    /** Xavier (Glorot) uniform: weights U(-b, b), b = sqrt(6 / (fan_in + fan_out)); bias 0. */
    XAVIER_UNIFORM;

    public static Initializer parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown initializer '" + name + "'; known: pytorch_default, he_normal, xavier_uniform", e);
        }
    }

    /** A new flat parameter buffer for {@code def}, initialized from {@code seed}. */
    public float[] initialize(ModelDefinition def, long seed) {
        float[] params = new float[def.paramCount()];
        SplittableRandom root = new SplittableRandom(seed);
        for (ModelDefinition.ParamSlice slice : def.params()) {
            fill(params, slice.offset(), slice.tensor(), root.split());
        }
        return params;
    }

    private void fill(float[] p, int off, ParamTensor t, SplittableRandom rng) {
        int n = t.size();
        if (!Float.isNaN(t.fill())) {  // batch norm's gamma and beta: fixed, whatever the initializer
            java.util.Arrays.fill(p, off, off + n, t.fill());
            return;
        }
        switch (this) {
            case PYTORCH_DEFAULT -> uniform(p, off, n, 1.0 / Math.sqrt(t.fanIn()), rng);
            case HE_NORMAL -> {
                if (!t.isBias()) {
                    double std = Math.sqrt(2.0 / t.fanIn());
                    for (int i = 0; i < n; i++) {
                        p[off + i] = (float) (std * gaussian(rng));
                    }
                }
            }
            case XAVIER_UNIFORM -> {
                if (!t.isBias()) {
                    uniform(p, off, n, Math.sqrt(6.0 / (t.fanIn() + t.fanOut())), rng);
                }
            }
        }
    }

    private static void uniform(float[] p, int off, int n, double bound, SplittableRandom rng) {
        for (int i = 0; i < n; i++) {
            p[off + i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
    }

    /** Box-Muller: SplittableRandom has no nextGaussian on Java 17. */
    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }
}
