package org.sparkcnn.engine;

import java.util.List;
import org.sparkcnn.engine.layers.LayerModel;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.LossOps;

/**
 * One replica of a model: every layer bound to its slice of the flat parameter buffer, plus the
 * activations and deltas of a batch of up to {@code maxBatch} examples, allocated once. Not
 * thread-safe; make one per thread. The parameters and gradients are passed in, never owned, so
 * replicas share one weight buffer and each accumulates into its own gradient buffer.
 */
public final class Network {

    private final ModelDefinition def;
    private final LayerModel[] layers;
    private final boolean[] hasParams;
    private final int maxBatch;
    private final float[][] activations;
    private final float[] deltaA;
    private final float[] deltaB;
    private final float[] inputGrad;
    private final float[] oneHot;  // MSE targets made from labels; null for cross-entropy
    private float[] input;
    private int batch;
    private int correct;
    private long[] forwardNanos;
    private long[] backwardNanos;

    Network(ModelDefinition def, int maxBatch) {
        if (maxBatch <= 0) {
            throw new IllegalArgumentException("maxBatch must be positive, got " + maxBatch);
        }
        this.def = def;
        this.maxBatch = maxBatch;
        List<Shape> shapes = def.shapes();
        int count = def.layers().size();
        layers = new LayerModel[count];
        hasParams = new boolean[count];
        activations = new float[count][];
        int widest = shapes.get(0).size();
        for (int i = 0; i < count; i++) {
            layers[i] = def.layers().get(i).bind(shapes.get(i), def.layerParamOffset(i), maxBatch);
            hasParams[i] = def.layers().get(i).paramCount(shapes.get(i)) > 0;
            activations[i] = new float[maxBatch * shapes.get(i + 1).size()];
            widest = Math.max(widest, shapes.get(i + 1).size());
        }
        deltaA = new float[maxBatch * widest];
        deltaB = new float[maxBatch * widest];
        inputGrad = new float[maxBatch * shapes.get(0).size()];
        oneHot = def.loss().usesLabels() ? null : new float[maxBatch * def.outputSize()];
    }

    public ModelDefinition definition() {
        return def;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /**
     * Turns per-layer timing on (arrays of one slot per layer, to which each forward and backward
     * adds its wall time in nanoseconds) or off (nulls). For {@code bench engine --profile}.
     */
    public void profile(long[] forwardNanos, long[] backwardNanos) {
        this.forwardNanos = forwardNanos;
        this.backwardNanos = backwardNanos;
    }

    /**
     * Runs the layers on {@code n} examples {@code x[0 .. n*inputSize)} (NCHW) and returns the output
     * buffer; its first {@code n * outputSize} floats are the model's outputs (logits).
     */
    public float[] forward(float[] params, float[] x, int n, Pass pass) {
        checkBatch(n);
        checkLength("params", params, def.paramCount());
        int inSize = def.inputShape().size();
        if (x.length < n * inSize) {
            throw new IllegalArgumentException("input has " + x.length + " floats; " + n + " examples of shape "
                    + def.inputShape() + " need " + (long) n * inSize);
        }
        if (pass.training() && pass.exampleIds() != null && pass.exampleIds().length < n) {
            throw new IllegalArgumentException("pass has " + pass.exampleIds().length + " example ids for " + n + " examples");
        }
        input = x;
        batch = n;
        float[] cur = x;
        for (int i = 0; i < layers.length; i++) {
            long t0 = forwardNanos == null ? 0 : System.nanoTime();
            layers[i].forward(params, cur, activations[i], n, pass);
            if (forwardNanos != null) {
                forwardNanos[i] += System.nanoTime() - t0;
            }
            cur = activations[i];
        }
        return cur;
    }

    /**
     * Backward through every layer from {@code dout} (dL/d output of the last forward's batch).
     * Accumulates ({@code +=}) the parameter gradients into {@code grads}. When {@code inputGradient}
     * is true, dL/dx is computed too and returned; otherwise null.
     */
    public float[] backward(float[] params, float[] grads, float[] dout, boolean inputGradient) {
        checkLength("grads", grads, def.paramCount());
        if (input == null) {
            throw new IllegalStateException("backward before forward");
        }
        int n = batch;
        float[] cur = dout;
        for (int i = layers.length - 1; i >= 0; i--) {
            float[] dinp = i > 0 ? (cur == deltaA ? deltaB : deltaA) : (inputGradient ? inputGrad : null);
            if (dinp == null && !hasParams[i]) {
                break;
            }
            long t0 = backwardNanos == null ? 0 : System.nanoTime();
            layers[i].backward(params, grads, i > 0 ? activations[i - 1] : input, activations[i], cur, dinp, n);
            if (backwardNanos != null) {
                backwardNanos[i] += System.nanoTime() - t0;
            }
            cur = dinp;
        }
        return inputGradient ? inputGrad : null;
    }

    /**
     * Forward, loss and backward for one batch (or one shard of a batch of {@code batchTotal} examples).
     * Accumulates the gradient into {@code grads} and returns the loss (the shard's share of the
     * batch mean). {@code labels} are used by softmax cross-entropy, {@code targets} by MSE; an MSE
     * model given labels and no targets takes the labels' one-hot vectors as targets.
     */
    public double lossAndGradient(float[] params, float[] grads, float[] x, int[] labels, float[] targets,
                                  int n, int batchTotal, Pass pass) {
        float[] out = forward(params, x, n, pass);
        int k = def.outputSize();
        double loss;
        try {
            if (targets == null && labels != null && oneHot != null) {
                LossOps.oneHot(labels, n, k, oneHot);
                targets = oneHot;
            }
            loss = def.loss().lossAndGradient(out, n, k, labels, targets, batchTotal, deltaA);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model '" + def.name() + "', " + e.getMessage() + " (the model has " + k + " outputs)", e);
        }
        correct = 0;
        if (labels != null) {  // training accuracy comes for free from the logits already computed
            for (int i = 0; i < n; i++) {
                correct += LossOps.argmax(out, i * k, k) == labels[i] ? 1 : 0;
            }
        }
        backward(params, grads, deltaA, false);
        return loss;
    }

    /** How many of the last {@link #lossAndGradient} call's examples the logits classified right (by argmax). */
    public int correct() {
        return correct;
    }

    /** The output buffer of layer {@code i} (0-based) after the last forward. */
    public float[] activation(int i) {
        return activations[i];
    }

    private void checkBatch(int n) {
        if (n <= 0 || n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " examples; this network replica takes 1 to " + maxBatch);
        }
    }

    private static void checkLength(String what, float[] a, int expected) {
        if (a.length != expected) {
            throw new IllegalArgumentException(what + " has " + a.length + " floats; the model has " + expected + " parameters");
        }
    }
}
