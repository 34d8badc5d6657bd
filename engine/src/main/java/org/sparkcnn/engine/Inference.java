package org.sparkcnn.engine;

import org.sparkcnn.engine.layers.Pass;

/**
 * The one inference path (evaluation, prediction, the Spark ML model's transform, the benchmark):
 * a network replica and an input buffer of up to {@code maxBatch} examples; the caller fills the
 * raw pixels of {@code n} examples into {@link #input()}, and {@link #forward} normalizes them in place
 * and runs the network. Its replica is made for inference only: where vectors allow, batch norms and the adds after
 * them run inside the convolutions before them, whose own outputs are not kept ({@link ChannelsLastPlan}); the same
 * bits. Not thread-safe; make one per thread.
 */
public final class Inference {

    private final ModelDefinition def;
    private final Normalization norm;
    private final Network net;
    private final float[] input;

    public Inference(ModelDefinition def, Normalization norm, int maxBatch) {
        this.def = def;
        this.norm = norm;
        this.net = new Network(def, maxBatch, true, !Boolean.getBoolean("sparkcnn.planesInference"), true);
        this.input = new float[maxBatch * def.inputShape().size()];
    }

    public ModelDefinition definition() {
        return def;
    }

    public int maxBatch() {
        return net.maxBatch();
    }

    /** The input buffer: example i's raw values at {@code [i * inputSize, (i + 1) * inputSize)}. */
    public float[] input() {
        return input;
    }

    /** Normalizes the first {@code n} examples of {@link #input()} in place and returns the outputs ({@code n x outputSize}). */
    public float[] forward(float[] params, int n) {
        return forward(params, null, n);
    }

    /** As {@link #forward(float[], int)} for a model with state: batch norm normalizes with the running statistics in {@code buffers}. */
    public float[] forward(float[] params, float[] buffers, int n) {
        norm.apply(input, 0, n, def.inputShape());
        return net.forward(params, buffers, input, n, Pass.INFERENCE);
    }
}
