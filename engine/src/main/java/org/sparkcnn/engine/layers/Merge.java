package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.ops.MergeOps;

/**
 * A graph node of two or more inputs: {@code add} (elementwise sum; all input shapes equal) or
 * {@code concat} (along channels; equal height and width). The network runs it through
 * {@link #forward} and {@link #backward} rather than a {@link LayerModel}.
 */
public record Merge(String name, boolean concat) implements Layer {

    @Override
    public String type() {
        return concat ? "concat" : "add";
    }

    /** A merge node needs its inputs' shapes; see {@link #outputShape(List)}. */
    @Override
    public Shape outputShape(Shape in) {
        throw new IllegalArgumentException("needs at least 2 inputs, got 1");
    }

    /** The output shape, or an error naming the mismatch ("input shapes 16x14x14 and 32x7x7 differ"). */
    public Shape outputShape(List<Shape> ins) {
        if (ins.size() < 2) {
            throw new IllegalArgumentException("needs at least 2 inputs, got " + ins.size());
        }
        Shape first = ins.get(0);
        int channels = 0;
        for (Shape s : ins) {
            if (!concat && !s.equals(first)) {
                throw new IllegalArgumentException("input shapes " + first + " and " + s + " differ");
            }
            if (concat && (s.height() != first.height() || s.width() != first.width())) {
                throw new IllegalArgumentException("input shapes " + first + " and " + s
                        + " differ in height or width (concat joins channels)");
            }
            channels += s.channels();
        }
        return concat ? new Shape(channels, first.height(), first.width()) : first;
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int maxBatch) {
        throw new IllegalStateException(type() + " '" + name + "' is a merge node; the network runs it");
    }

    @Override
    public void writeJson(ObjectNode node) {
    }

    /** {@code sizes[k]}: input k's values per example. */
    public void forward(float[] out, float[][] inps, int[] sizes, int n) {
        forward(out, false, inps, sizes, n);
    }

    /** As above; for an add with {@code relu}, {@code out} gets the ReLU of the sum (a ReLU after it). */
    public void forward(float[] out, boolean relu, float[][] inps, int[] sizes, int n) {
        if (relu && concat) {
            throw new IllegalStateException("concat '" + name + "' runs no ReLU");
        }
        int total = 0;
        for (int s : sizes) {
            total += s;
        }
        if (concat) {
            MergeOps.concatForward(out, inps, sizes, total, n);
        } else {
            MergeOps.addForward(out, relu, inps, n * sizes[0]);
        }
    }

    /** Overwrites each non-null {@code dinps[k]} with its share of dy. */
    public void backward(float[][] dinps, float[] dout, int[] sizes, int n) {
        int total = 0;
        for (int s : sizes) {
            total += s;
        }
        if (concat) {
            MergeOps.concatBackward(dinps, dout, sizes, total, n);
        } else {
            addBackward(dinps, dout, null, null, sizes, n);
        }
    }

    /**
     * An add's backward, through the ReLU run inside it when {@code reluOut} (that ReLU's output) is given:
     * its output's gradient is {@code d0}, or {@code d0 + d1} when its two consumers' gradients come as
     * they are, summed here ({@link MergeOps#addBackward(float[][], float[], float[], float[], int)}).
     */
    public void addBackward(float[][] dinps, float[] d0, float[] d1, float[] reluOut, int[] sizes, int n) {
        if (concat) {
            throw new IllegalStateException("concat '" + name + "' takes its gradient whole and runs no ReLU");
        }
        MergeOps.addBackward(dinps, d0, d1, reluOut, n * sizes[0]);
    }
}
