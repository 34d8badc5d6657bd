package org.sparkcnn.engine;

import java.util.Arrays;
import java.util.List;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.LayerModel;
import org.sparkcnn.engine.layers.Merge;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.LossOps;
import org.sparkcnn.engine.ops.MergeOps;

/**
 * One replica of a model: every layer bound to its slice of the flat parameter buffer, plus the
 * activations and deltas of a batch of up to {@code maxBatch} examples, allocated once. Not
 * thread-safe; make one per thread. The parameters and gradients are passed in, never owned, so
 * replicas share one weight buffer and each accumulates into its own gradient buffer. A model with
 * state (batch norm's running statistics) takes its state buffer too: {@link #forward(float[], float[], float[], int, Pass)}.
 *
 * <p>A chain runs layer after layer through two ping-pong delta buffers. A graph (merge nodes or
 * fan-out) runs its nodes in topological order; backward visits them in reverse, and a node whose
 * output feeds several inputs gets the sum of their gradients, added in the consumers' topological
 * order (then input slot order): {@code d = g_1; d += g_2; ...}.
 *
 * <p>A ReLU whose input is a batch norm or an add, and the only consumer of it, runs inside that node:
 * its forward writes only the ReLU's output, and its backward starts from dL/d ReLU output, masked as
 * the ReLU's backward would mask it. Same floats, one pass less over the batch each way and one tensor
 * less written.
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
    // The graph path (null for chains): per producer p (0: the network input, i + 1: node i) its delta,
    // whether it is needed, and the gradients each consumer edge writes when p feeds several inputs.
    private final Graph graph;
    // reluAfter[i]: the ReLU node that node i runs with its own forward and backward, else -1; absorbed[j]: node j is one.
    private final int[] reluAfter;
    private final boolean[] absorbed;
    private final ChannelsLastPlan channelsLast;  // null: no layer writes channels-last, or -Dsparkcnn.planesInference=true

    /** The graph path's plan and scratch memory. */
    private static final class Graph {
        int[][] inputs;          // node -> producer indices (p = node + 1, 0 = input)
        int[][] sizes;           // node -> per-example size of each input
        float[][] deltas;        // producer -> dL/d its output (0: unused, inputGrad serves)
        float[][][] edgeGrads;   // node -> slot -> its own gradient buffer when the producer fans out, else null
        int[][][] consumers;     // producer -> {node, slot} pairs in topological order
        boolean[] hasParams;
    }

    Network(ModelDefinition def, int maxBatch) {
        this(def, maxBatch, true, !Boolean.getBoolean("sparkcnn.planesInference"), false);
    }

    /**
     * {@code fuseRelus} false runs every ReLU on its own; {@code channelsLastInference} false keeps inference on planes
     * (tests compare); {@code inferenceOnly}: batch norms (and adds after them) run inside the convolutions before them
     * in inference ({@link ChannelsLastPlan}), so no activation can be read and no backward run after an inference forward.
     */
    Network(ModelDefinition def, int maxBatch, boolean fuseRelus, boolean channelsLastInference, boolean inferenceOnly) {
        if (maxBatch <= 0) {
            throw new IllegalArgumentException("maxBatch must be positive, got " + maxBatch);
        }
        this.def = def;
        this.maxBatch = maxBatch;
        List<Shape> shapes = def.shapes();
        int count = def.layers().size();
        reluAfter = new int[count];
        Arrays.fill(reluAfter, -1);
        if (fuseRelus) {
            ReluFusion.absorbedRelus(def, reluAfter);
        }
        absorbed = new boolean[count];
        for (int j : reluAfter) {
            if (j >= 0) {
                absorbed[j] = true;
            }
        }
        layers = new LayerModel[count];
        hasParams = new boolean[count];
        activations = new float[count][];
        int widest = shapes.get(0).size();
        for (int i = 0; i < count; i++) {
            Shape in = def.nodeInputShape(i, 0);
            layers[i] = def.layers().get(i) instanceof Merge ? null
                    : def.layers().get(i).bind(in, def.layerParamOffset(i), def.layerBufferOffset(i), maxBatch);
            hasParams[i] = def.layers().get(i).paramCount(in) > 0;
            // a node whose ReLU runs inside it keeps no output: only that ReLU would read it, and it reads nothing
            activations[i] = reluAfter[i] >= 0 ? null : new float[maxBatch * shapes.get(i + 1).size()];
            widest = Math.max(widest, shapes.get(i + 1).size());
        }
        deltaA = new float[maxBatch * widest];
        deltaB = def.isChain() ? new float[maxBatch * widest] : null;
        inputGrad = new float[maxBatch * shapes.get(0).size()];
        oneHot = def.loss().usesLabels() ? null : new float[maxBatch * def.outputSize()];
        graph = def.isChain() ? null : plan(def, maxBatch, reluAfter);
        channelsLast = channelsLastInference ? ChannelsLastPlan.of(def, layers, activations, reluAfter, absorbed, inferenceOnly,
                maxBatch) : null;
    }

    /** Whether node {@code i}'s output is kept channels-last in inference ({@link ChannelsLastPlan}). */
    boolean channelsLastInInference(int i) {
        return channelsLast != null && channelsLast.channelsLast(i);
    }

    /** Whether node {@code i} runs inside the convolution before it in inference ({@link ChannelsLastPlan}, inference only). */
    boolean inConvolutionInInference(int i) {
        return channelsLast != null && channelsLast.inConvolution(i);
    }

    /** Whether node {@code i} runs inside its input node (a ReLU after a batch norm or add): it has no time of its own. */
    public boolean runsInProducer(int i) {
        return absorbed[i];
    }

    private static Graph plan(ModelDefinition def, int maxBatch, int[] reluAfter) {
        int count = def.layers().size();
        Graph g = new Graph();
        g.inputs = new int[count][];
        g.sizes = new int[count][];
        g.deltas = new float[count + 1][];
        g.edgeGrads = new float[count][][];
        g.hasParams = new boolean[count];
        List<List<int[]>> consumers = new java.util.ArrayList<>();
        for (int p = 0; p <= count; p++) {
            consumers.add(new java.util.ArrayList<>());
        }
        for (int i = 0; i < count; i++) {
            int[] in = def.nodeInputs(i);
            g.inputs[i] = new int[in.length];
            g.sizes[i] = new int[in.length];
            for (int s = 0; s < in.length; s++) {
                g.inputs[i][s] = in[s] + 1;
                g.sizes[i][s] = def.nodeInputShape(i, s).size();
                consumers.get(in[s] + 1).add(new int[]{i, s});
            }
            g.hasParams[i] = def.layers().get(i).paramCount(def.nodeInputShape(i, 0)) > 0;
            g.deltas[i + 1] = i == count - 1 || reluAfter[i] >= 0 ? null : new float[maxBatch * def.nodeOutputShape(i).size()];
        }
        g.consumers = new int[count + 1][][];
        for (int p = 0; p <= count; p++) {
            g.consumers[p] = consumers.get(p).toArray(new int[0][]);
        }
        for (int i = 0; i < count; i++) {
            g.edgeGrads[i] = new float[g.inputs[i].length][];
            for (int s = 0; s < g.inputs[i].length; s++) {
                if (g.consumers[g.inputs[i][s]].length > 1) {
                    g.edgeGrads[i][s] = new float[maxBatch * g.sizes[i][s]];
                }
            }
            if (def.layers().get(i) instanceof Merge m && !m.concat()) {
                shareAddGradient(g, i);
            }
        }
        return g;
    }

    /**
     * An add gives each input the same gradient, so the buffers only it writes (its edges' own, and the
     * delta of an input it alone consumes) become one array, written once: no copy per input. Each
     * reader only reads it (its producer's backward, or the sum over a fanned-out producer's edges).
     */
    private static void shareAddGradient(Graph g, int i) {
        float[] home = null;
        for (int s = 0; s < g.inputs[i].length; s++) {
            int p = g.inputs[i][s];
            boolean edge = g.edgeGrads[i][s] != null, ownDelta = !edge && p > 0 && g.deltas[p] != null;
            if (!edge && !ownDelta) {
                continue;
            }
            if (home == null) {
                home = edge ? g.edgeGrads[i][s] : g.deltas[p];
            } else if (edge) {
                g.edgeGrads[i][s] = home;
            } else {
                g.deltas[p] = home;
            }
        }
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
        return forward(params, null, x, n, pass);
    }

    /**
     * As {@link #forward(float[], float[], int, Pass)} for a model with state: {@code buffers} is its
     * state buffer ({@link ModelDefinition#bufferCount()} floats; null for models without state). A
     * training pass normalizes each batch norm with the statistics of these {@code n} examples and
     * updates the running statistics in {@code buffers} in place; {@link #batchStatistics} gives the
     * batch statistics themselves, for callers that combine groups in their own fixed order.
     */
    public float[] forward(float[] params, float[] buffers, float[] x, int n, Pass pass) {
        checkBatch(n);
        checkLength("params", params, def.paramCount());
        if (def.bufferCount() > 0 && buffers == null) {
            throw new IllegalArgumentException("model '" + def.name() + "' has state (" + def.bufferCount()
                    + " floats of batch-norm running statistics); pass its state buffer to forward");
        }
        if (buffers != null && buffers.length != def.bufferCount()) {
            throw new IllegalArgumentException("buffers has " + buffers.length + " floats; the model has " + def.bufferCount() + " of state");
        }
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
        if (channelsLast != null && !pass.training()) {
            return channelsLast.forward(params, buffers, x, n, pass, forwardNanos);
        }
        if (channelsLast != null) {
            channelsLast.discard();
        }
        if (graph != null) {
            return forwardGraph(params, buffers, x, n, pass);
        }
        float[] cur = x;
        for (int i = 0; i < layers.length; i++) {
            if (absorbed[i]) {  // written by its input node
                cur = activations[i];
                continue;
            }
            long t0 = forwardNanos == null ? 0 : System.nanoTime();
            if (reluAfter[i] >= 0) {
                ((BatchNorm2d.Model) layers[i]).forward(params, buffers, cur, activations[reluAfter[i]], true, n, pass);
            } else {
                layers[i].forward(params, buffers, cur, activations[i], n, pass);
            }
            if (forwardNanos != null) {
                forwardNanos[i] += System.nanoTime() - t0;
            }
            cur = activations[i];
        }
        return cur;
    }

    private float[] forwardGraph(float[] params, float[] buffers, float[] x, int n, Pass pass) {
        for (int i = 0; i < layers.length; i++) {
            if (absorbed[i]) {  // written by its input node
                continue;
            }
            long t0 = forwardNanos == null ? 0 : System.nanoTime();
            int[] in = graph.inputs[i];
            boolean relu = reluAfter[i] >= 0;
            float[] out = relu ? activations[reluAfter[i]] : activations[i];  // the ReLU's output, where it runs here
            if (layers[i] == null) {
                float[][] inps = new float[in.length][];
                for (int s = 0; s < in.length; s++) {
                    inps[s] = in[s] == 0 ? x : activations[in[s] - 1];
                }
                ((Merge) def.layers().get(i)).forward(out, relu, inps, graph.sizes[i], n);
            } else if (relu) {
                ((BatchNorm2d.Model) layers[i]).forward(params, buffers, in[0] == 0 ? x : activations[in[0] - 1], out, true, n, pass);
            } else {
                layers[i].forward(params, buffers, in[0] == 0 ? x : activations[in[0] - 1], activations[i], n, pass);
            }
            if (forwardNanos != null) {
                forwardNanos[i] += System.nanoTime() - t0;
            }
        }
        return activations[layers.length - 1];
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
        if (channelsLast != null) {
            channelsLast.planes(n);
        }
        if (graph != null) {
            return backwardGraph(params, grads, dout, inputGradient, n);
        }
        float[] cur = dout;
        for (int i = layers.length - 1; i >= 0; i--) {
            if (absorbed[i]) {  // its input node (the one before) starts from cur, dL/d this ReLU's output
                continue;
            }
            float[] dinp = i > 0 ? (cur == deltaA ? deltaB : deltaA) : (inputGradient ? inputGrad : null);
            if (dinp == null && !hasParams[i]) {
                break;
            }
            long t0 = backwardNanos == null ? 0 : System.nanoTime();
            float[] inp = i > 0 ? activations[i - 1] : input;
            if (reluAfter[i] >= 0) {
                ((BatchNorm2d.Model) layers[i]).backwardThroughRelu(params, grads, inp, cur, dinp, n);
            } else {
                layers[i].backward(params, grads, inp, activations[i], cur, dinp, n);
            }
            if (backwardNanos != null) {
                backwardNanos[i] += System.nanoTime() - t0;
            }
            cur = dinp;
        }
        return inputGradient ? inputGrad : null;
    }

    private float[] backwardGraph(float[] params, float[] grads, float[] dout, boolean inputGradient, int n) {
        int count = layers.length;
        // needed[p]: is dL/d(output of producer p) wanted? The input's if asked; a node's if it or anything before it has parameters.
        boolean[] needed = new boolean[count + 1];
        needed[0] = inputGradient;
        for (int i = 0; i < count; i++) {
            needed[i + 1] = graph.hasParams[i];
            for (int p : graph.inputs[i]) {
                needed[i + 1] |= needed[p];
            }
        }
        for (int i = count - 1; i >= 0; i--) {
            if (!needed[i + 1] || absorbed[i]) {  // an absorbed ReLU's producer starts from its delta
                continue;
            }
            int r = reluAfter[i], top = r >= 0 ? r : i;
            float[][] parts = top < count - 1 ? sumInAdd(i, top + 1) : null;
            float[] d = top == count - 1 ? dout : parts != null ? null : gathered(top + 1, n);
            int[] in = graph.inputs[i];
            float[][] dinps = new float[in.length][];
            for (int s = 0; s < in.length; s++) {
                if (needed[in[s]]) {
                    dinps[s] = graph.edgeGrads[i][s] != null ? graph.edgeGrads[i][s] : in[s] == 0 ? inputGrad : graph.deltas[in[s]];
                }
            }
            long t0 = backwardNanos == null ? 0 : System.nanoTime();
            float[] inp = layers[i] == null ? null : in[0] == 0 ? input : activations[in[0] - 1];
            if (layers[i] == null && def.layers().get(i) instanceof Merge m && !m.concat()) {
                m.addBackward(dinps, parts != null ? parts[0] : d, parts != null ? parts[1] : null,
                        r >= 0 ? activations[r] : null, graph.sizes[i], n);
            } else if (layers[i] == null) {  // a concat
                ((Merge) def.layers().get(i)).backward(dinps, d, graph.sizes[i], n);
            } else if (r >= 0) {
                ((BatchNorm2d.Model) layers[i]).backwardThroughRelu(params, grads, inp, d, dinps[0], n);
            } else {
                layers[i].backward(params, grads, inp, activations[i], d, dinps[0], n);
            }
            if (backwardNanos != null) {
                backwardNanos[i] += System.nanoTime() - t0;
            }
        }
        if (!inputGradient) {
            return null;
        }
        return gathered(0, n);
    }

    /**
     * The two consumers' gradients of producer p when node i, an add, is p (or p's ReLU's producer) and
     * takes them as they are, summing them in its own pass ({@link Merge#addBackward}): a residual
     * block's output feeds the next block's first convolution and its add. Else null.
     */
    private float[][] sumInAdd(int i, int p) {
        if (!(def.layers().get(i) instanceof Merge m) || m.concat() || graph.consumers[p].length != 2) {
            return null;
        }
        return consumerGrads(p);
    }

    /** Producer p's delta: its one consumer wrote it in place, or its consumers' gradients summed in topological order. */
    private float[] gathered(int p, int n) {
        float[] d = p == 0 ? inputGrad : graph.deltas[p];
        if (graph.consumers[p].length > 1) {
            int len = n * (p == 0 ? def.inputShape().size() : def.nodeOutputShape(p - 1).size());
            MergeOps.addForward(d, consumerGrads(p), len);  // summed in consumer order, as an add node sums its inputs
        }
        return d;
    }

    /** The gradient buffers producer p's consumers wrote for it, in consumer order. */
    private float[][] consumerGrads(int p) {
        int[][] cons = graph.consumers[p];
        float[][] parts = new float[cons.length][];
        for (int k = 0; k < cons.length; k++) {
            parts[k] = graph.edgeGrads[cons[k][0]][cons[k][1]];
        }
        return parts;
    }

    /**
     * The batch statistics of the last training forward, in a state-shaped buffer {@code dst}: for each
     * batch norm, the batch mean at its running_mean's place and the unbiased batch variance at its
     * running_var's. Returns how many values per channel they came from (N*H*W of the last batch norm; 0 if
     * the model has none or the last forward did not train).
     */
    public int batchStatistics(float[] dst) {
        int m = 0;
        for (LayerModel l : layers) {
            if (l instanceof BatchNorm2d.Model bn) {
                m = bn.batchStatistics(dst);
            }
        }
        return m;
    }

    /**
     * Forward, loss and backward for one batch (or one shard of a batch of {@code batchTotal} examples).
     * Accumulates the gradient into {@code grads} and returns the loss (the shard's share of the
     * batch mean). {@code labels} are used by softmax cross-entropy, {@code targets} by MSE; an MSE
     * model given labels and no targets takes the labels' one-hot vectors as targets.
     */
    public double lossAndGradient(float[] params, float[] grads, float[] x, int[] labels, float[] targets,
                                  int n, int batchTotal, Pass pass) {
        return lossAndGradient(params, null, grads, x, labels, targets, n, batchTotal, pass);
    }

    /** As {@link #lossAndGradient(float[], float[], float[], int[], float[], int, int, Pass)} for a model with state. */
    public double lossAndGradient(float[] params, float[] buffers, float[] grads, float[] x, int[] labels, float[] targets,
                                  int n, int batchTotal, Pass pass) {
        float[] out = forward(params, buffers, x, n, pass);
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

    /**
     * The output buffer of layer {@code i} (0-based) after the last forward; null for a batch norm or add
     * whose ReLU runs inside it ({@link #runsInProducer}): that output is never written. Throws after inference in
     * an inference-only replica ({@link Inference}'s). */
    public float[] activation(int i) {
        if (channelsLast != null) {
            channelsLast.planes(batch);
        }
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
