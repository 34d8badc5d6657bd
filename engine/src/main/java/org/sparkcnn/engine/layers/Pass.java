package org.sparkcnn.engine.layers;

/**
 * What a forward pass needs besides its input: whether it trains (dropout is active only then), and
 * the keys of the dropout mask: the run's seed, the global step and each example's global index.
 */
public record Pass(boolean training, long seed, long step, long[] exampleIds) {

    /** Inference: dropout is the identity. */
    public static final Pass INFERENCE = new Pass(false, 0, 0, null);

    /** Training with example ids 0..n-1. */
    public static Pass training(long seed, long step, int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        return new Pass(true, seed, step, ids);
    }
}
