package org.sparkcnn.engine;

import java.util.List;
import org.sparkcnn.engine.layers.Activation;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.ChannelsLastLayer;
import org.sparkcnn.engine.layers.LayerModel;
import org.sparkcnn.engine.layers.Merge;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.BatchNormEpilog;
import org.sparkcnn.engine.ops.ChannelsLastLayout;

/**
 * Inference with activations channels-last, (N, H, W, C), between the layers that read and write them: a
 * convolution whose products run along the output channels writes its rows as they are (no turn into
 * planes), batch norm, ReLU and the residual add keep the order they are given, and the next convolution
 * copies rows into its frame (no turn from planes). Where a layer needs planes (N, C, H, W), its input is
 * turned once per forward into a buffer of its own. Every float is the one the NCHW forward computes: only
 * where it is stored differs (docs/ENGINE.md, "Channels-last inference"). Training keeps NCHW throughout.
 *
 * <p>Made {@code inferenceOnly} (for {@link Inference}, which reads nothing but the output), a batch norm whose input is a
 * convolution that feeds nothing else runs inside it, on each group of outputs as it is written
 * ({@link BatchNormEpilog}), and so does an add of that batch norm's output and one computed before the convolution,
 * with the ReLU after either: the same floats, in one pass fewer each; the convolution's own output is not kept.
 */
final class ChannelsLastPlan {

    private final ModelDefinition def;
    private final LayerModel[] layers;
    private final float[][] activations;
    private final int[] reluAfter;
    private final boolean[] absorbed;
    /** Per node: its inputs (-1: the network's). */
    private final int[][] inputs;
    /** Per node: whether its output (its ReLU's, where one runs inside it) is channels-last. */
    private final boolean[] rows;
    /** Per node: its output in the other order, made at most once per forward ({@code madeIn == forwards}), or null. */
    private final float[][] turned;
    private final long[] madeIn;
    private final int[] index;
    private long forwards;
    /** Whether the last forward left channels-last activations that {@link #planes} has not turned back yet. */
    private boolean pending;
    private float[] scratch;
    /** Per convolution node: the epilog it runs (null: none); the batch norm, the add (or -1) and its other input. */
    private final BatchNormEpilog[] epilogs;
    private final int[] epilogNorm, epilogAdd, residual;
    /** Per node: whether a convolution before it computes it ({@link #epilogs}). */
    private final boolean[] inConvolution;

    private ChannelsLastPlan(ModelDefinition def, LayerModel[] layers, float[][] activations, int[] reluAfter,
                             boolean[] absorbed, int[][] inputs, boolean[] rows, List<List<Integer>> consumers,
                             boolean inferenceOnly, int maxBatch) {
        this.def = def;
        this.layers = layers;
        this.activations = activations;
        this.reluAfter = reluAfter;
        this.absorbed = absorbed;
        this.inputs = inputs;
        this.rows = rows;
        int count = layers.length, widestChannels = 1;
        turned = new float[count][];
        madeIn = new long[count];
        java.util.Arrays.fill(madeIn, -1);
        for (int i = 0; i < count; i++) {
            for (int s = 0; s < inputs[i].length; s++) {
                int p = inputs[i][s];
                if (p >= 0 && turned[p] == null && rows[p] != takesRows(i, p)) {
                    turned[p] = new float[maxBatch * def.nodeOutputShape(p).size()];
                }
            }
            widestChannels = Math.max(widestChannels, def.nodeOutputShape(i).channels());
        }
        if (rows[count - 1] && turned[count - 1] == null) {
            turned[count - 1] = new float[maxBatch * def.nodeOutputShape(count - 1).size()];
        }
        index = new int[widestChannels];
        epilogs = new BatchNormEpilog[count];
        epilogNorm = new int[count];
        epilogAdd = new int[count];
        residual = new int[count];
        inConvolution = new boolean[count];
        if (inferenceOnly) {
            planEpilogs(consumers);
        }
    }

    /**
     * Which batch norms and adds run inside the convolution before them: a batch norm whose input is a convolution
     * with no other consumer, in the convolution's order; then an add of two inputs, one such batch norm (with no
     * ReLU of its own and no other consumer) and one computed before its convolution runs, in the add's order (of
     * two such batch norms, the one whose convolution runs last).
     */
    private void planEpilogs(List<List<Integer>> consumers) {
        java.util.Arrays.fill(epilogAdd, -1);
        for (int j = 0; j < layers.length; j++) {
            int i = inputs[j][0];
            if (layers[j] instanceof BatchNorm2d.Model && i >= 0 && layers[i] instanceof ChannelsLastLayer cl
                    && cl.takesEpilog() && consumers.get(i).size() == 1) {  // its rows are the convolution's
                epilogs[i] = new BatchNormEpilog(def.nodeOutputShape(i).channels());
                epilogNorm[i] = j;
                inConvolution[j] = true;
            }
        }
        for (int k = 0; k < layers.length; k++) {
            if (!(def.layers().get(k) instanceof Merge m) || m.concat() || inputs[k].length != 2) {
                continue;
            }
            int best = -1, other = -1;
            for (int s = 0; s < 2; s++) {
                int j = inputs[k][s], p = inputs[k][1 - s];
                int i = j >= 0 && layers[j] instanceof BatchNorm2d.Model && inConvolution[j] && reluAfter[j] < 0
                        && consumers.get(j).size() == 1 ? inputs[j][0] : -1;  // a batch norm, not an add run so
                if (i > best && p < i && rows[i] == rows[k]) {
                    best = i;
                    other = p;
                }
            }
            if (best >= 0) {
                epilogAdd[best] = k;
                residual[best] = other;
                inConvolution[k] = true;
            }
        }
    }

    /**
     * The plan for a network's bound layers, or null where no layer writes channels-last (then inference
     * runs as training does, on planes).
     */
    static ChannelsLastPlan of(ModelDefinition def, LayerModel[] layers, float[][] activations, int[] reluAfter,
                               boolean[] absorbed, boolean inferenceOnly, int maxBatch) {
        int count = layers.length;
        int[][] inputs = new int[count][];
        boolean[] rows = new boolean[count];
        boolean any = false;
        List<List<Integer>> consumers = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            inputs[i] = def.nodeInputs(i);
            consumers.add(new java.util.ArrayList<>());
        }
        for (int i = 0; i < count; i++) {
            for (int p : inputs[i]) {
                if (p >= 0) {
                    consumers.get(p).add(i);
                }
            }
        }
        for (int i = 0; i < count; i++) {
            Object layer = def.layers().get(i);
            if (layers[i] instanceof ChannelsLastLayer cl) {  // worth it where a consumer keeps rows
                rows[i] = cl.writesChannelsLast() && consumers.get(i).stream().anyMatch(j -> readsRows(def, layers, j));
            } else if (layer instanceof Merge m && !m.concat()) {  // rows if an input is, unless one is the network's (planes)
                boolean networkInput = false;
                for (int p : inputs[i]) {
                    rows[i] |= p >= 0 && rows[p];
                    networkInput |= p < 0;
                }
                rows[i] &= !networkInput;
            } else if (readsRows(def, layers, i)) {
                rows[i] = inputs[i][0] >= 0 && rows[inputs[i][0]];
            }
            any |= rows[i];
        }
        return any ? new ChannelsLastPlan(def, layers, activations, reluAfter, absorbed, inputs, rows, consumers, inferenceOnly,
                maxBatch) : null;
    }

    /**
     * Whether node j can read rows: batch norm, an activation and an add (each float from floats of the same place
     * only, so in either order), or a layer that reads channels-last.
     */
    private static boolean readsRows(ModelDefinition def, LayerModel[] layers, int j) {
        Object layer = def.layers().get(j);
        return layer instanceof BatchNorm2d || layer instanceof Activation || layer instanceof Merge m && !m.concat()
                || layers[j] instanceof ChannelsLastLayer cl && cl.readsChannelsLast();
    }

    /** Whether node i reads its input from node p channels-last. */
    private boolean takesRows(int i, int p) {
        Object layer = def.layers().get(i);
        if (layers[i] instanceof ChannelsLastLayer cl) {
            return cl.readsChannelsLast() && rows[p];
        }
        if (layer instanceof Merge m && !m.concat()) {
            return rows[i];
        }
        return readsRows(def, layers, i) && rows[p];
    }

    /** Whether node i's output is channels-last in inference. */
    boolean channelsLast(int i) {
        return rows[i];
    }

    /**
     * Turns the last forward's channels-last activations of {@code n} examples back into planes, once: for
     * callers that read them ({@link Network#activation}) or run a backward after inference. Throws after an
     * inference forward that ran batch norms inside convolutions, whose outputs it did not keep.
     */
    void planes(int n) {
        if (pending && fused()) {
            throw new IllegalStateException("this network replica is made for inference only (Inference): its batch norms run"
                    + " inside the convolutions before them, whose outputs it does not keep");
        }
        if (pending) {
            for (int i = 0; i < rows.length; i++) {
                float[] own = activations[i];
                if (rows[i] && own != null) {
                    Shape s = def.nodeOutputShape(i);
                    int len = n * s.size();
                    if (scratch == null || scratch.length < len) {
                        scratch = new float[Math.max(len, scratch == null ? 0 : 2 * scratch.length)];
                    }
                    System.arraycopy(own, 0, scratch, 0, len);
                    ChannelsLastLayout.toPlanes(scratch, 0, n, s.channels(), s.height() * s.width(), own, 0);
                }
            }
        }
        pending = false;
    }

    /** Whether a batch norm runs inside a convolution. */
    boolean fused() {
        for (BatchNormEpilog e : epilogs) {
            if (e != null) {
                return true;
            }
        }
        return false;
    }

    /** Whether node i runs inside the convolution before it. */
    boolean inConvolution(int i) {
        return inConvolution[i];
    }

    /** Forgets the last forward's channels-last activations: a forward on planes is about to overwrite them. */
    void discard() {
        pending = false;
    }

    /** The inference forward of {@code n} examples of x (NCHW); returns the last node's output, NCHW. */
    float[] forward(float[] params, float[] buffers, float[] x, int n, Pass pass, long[] forwardNanos) {
        forwards++;
        pending = true;
        for (int i = 0; i < layers.length; i++) {
            if (absorbed[i] || inConvolution[i]) {  // written by a node before it
                continue;
            }
            long t0 = forwardNanos == null ? 0 : System.nanoTime();
            boolean relu = reluAfter[i] >= 0;
            float[] out = relu ? activations[reluAfter[i]] : activations[i];
            Object layer = def.layers().get(i);
            if (layers[i] instanceof ChannelsLastLayer cl) {
                boolean in = inputs[i][0] >= 0 && takesRows(i, inputs[i][0]);
                float[] input = output(x, inputs[i][0], in, n);
                if (epilogs[i] == null) {
                    cl.forwardInference(params, input, in, out, rows[i], n);
                } else {  // the output of its batch norm, or of the add after that, and their ReLU
                    int last = epilogAdd[i] >= 0 ? epilogAdd[i] : epilogNorm[i];
                    boolean lastRelu = reluAfter[last] >= 0;
                    ((BatchNorm2d.Model) layers[epilogNorm[i]]).epilogConstants(params, buffers, epilogs[i]);
                    epilogs[i].then(epilogAdd[i] >= 0 ? output(x, residual[i], rows[last], n) : null, lastRelu);
                    cl.forwardInference(params, input, in, lastRelu ? activations[reluAfter[last]] : activations[last],
                            rows[i], n, epilogs[i]);
                }
            } else if (layer instanceof Merge m) {
                float[][] inps = new float[inputs[i].length][];
                int[] sizes = new int[inps.length];
                for (int s = 0; s < inps.length; s++) {
                    inps[s] = output(x, inputs[i][s], rows[i], n);
                    sizes[s] = def.nodeInputShape(i, s).size();
                }
                m.forward(out, relu, inps, sizes, n);
            } else if (layers[i] instanceof BatchNorm2d.Model bn && rows[i]) {
                bn.forwardInferenceChannelsLast(params, buffers, output(x, inputs[i][0], true, n), out, relu, n);
            } else if (relu) {
                ((BatchNorm2d.Model) layers[i]).forward(params, buffers, output(x, inputs[i][0], false, n), out, true, n, pass);
            } else {
                layers[i].forward(params, buffers, output(x, inputs[i][0], rows[i], n), out, n, pass);
            }
            if (forwardNanos != null) {
                forwardNanos[i] += System.nanoTime() - t0;
            }
        }
        return output(x, layers.length - 1, false, n);
    }

    /** Node p's output (p < 0: x) channels-last or not, as asked: as it is, or turned once this forward. */
    private float[] output(float[] x, int p, boolean asRows, int n) {
        if (p < 0) {
            if (asRows) {
                throw new IllegalStateException("the network's input is NCHW");
            }
            return x;
        }
        float[] own = activations[p];
        if (rows[p] == asRows) {
            return own;
        }
        if (madeIn[p] != forwards) {
            Shape s = def.nodeOutputShape(p);
            int hw = s.height() * s.width();
            if (rows[p]) {
                ChannelsLastLayout.toPlanes(own, 0, n, s.channels(), hw, turned[p], 0);
            } else {
                ChannelsLastLayout.toChannelsLast(own, 0, n, s.channels(), hw, turned[p], 0, index);
            }
            madeIn[p] = forwards;
        }
        return turned[p];
    }
}
