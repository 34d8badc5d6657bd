package org.sparkcnn.engine.ops;

/**
 * Inverted dropout: in training, {@code y = x * m / (1 - p)} with {@code m ~ Bernoulli(1 - p)}; at
 * inference {@code y = x}. The mask of element e of example id is a pure function of
 * (seed, step, id, e), a counter-based hash, so it is the same on whichever machine or thread computes it.
 */
public final class DropoutOps {

    private DropoutOps() {
    }

    /** Fills {@code scale[0 .. n*size)} with 0 or 1/(1-p), and writes {@code out = inp * scale}. */
    public static void forward(float[] out, float[] scale, float[] inp, int n, int size, float p,
                               long seed, long step, long[] exampleIds) {
        float keep = 1f / (1f - p);
        long stepKey = mix(mix(seed) ^ step);
        for (int r = 0; r < n; r++) {
            long key = mix(stepKey ^ mix(exampleIds[r] + 0x632BE59BD9B4E019L));
            for (int e = 0, i = r * size; e < size; e++, i++) {
                double u = (mix(key + e * 0x9E3779B97F4A7C15L) >>> 11) * 0x1.0p-53;
                scale[i] = u < p ? 0f : keep;
                out[i] = inp[i] * scale[i];
            }
        }
    }

    /** dx = dy * scale. */
    public static void backward(float[] dinp, float[] dout, float[] scale, int len) {
        for (int i = 0; i < len; i++) {
            dinp[i] = dout[i] * scale[i];
        }
    }

    /** SplitMix64's finalizer: a bijective 64-bit mix. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
