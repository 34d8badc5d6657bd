package org.sparkcnn.engine.optim;

import java.util.Arrays;

/**
 * An optimizer that scales each parameter tensor's update by a trust ratio made of the tensor's norms
 * (LARS, LAMB). The buffer is cut into tensors by their start offsets; by default it is one tensor.
 * {@link Optimizers#create(String, java.util.Map, org.sparkcnn.engine.ModelDefinition)} cuts it into
 * the model's weight and bias tensors.
 *
 * <p>A norm is {@code sqrt(sum of x_i^2)}: each square exact in double, added in index order in one
 * double chain. The update runs once a step on the driver, so this single order is the whole story:
 * the same bits on any machine and partitioning.
 */
public abstract class LayerwiseOptimizer extends Optimizer {
    private int[] starts = {0};
    private boolean[] adapted = {true};

    protected LayerwiseOptimizer(int paramCount) {
        super(paramCount);
    }

    /**
     * Cuts the buffer into tensors: tensor k spans {@code [starts[k], starts[k+1])} (the last one to the
     * end); {@code adapted[k]} false leaves tensor k's update unscaled (trust ratio 1).
     */
    public final void tensors(int[] starts, boolean[] adapted) {
        if (starts.length == 0 || starts[0] != 0) throw Check.fail(name(), "tensor starts", "must begin at 0", Arrays.toString(starts));
        if (adapted.length != starts.length) throw Check.fail(name(), "adapted flags", "must number " + starts.length, adapted.length);
        for (int k = 1; k < starts.length; k++) {
            if (starts[k] <= starts[k - 1] || starts[k] >= size()) {
                throw Check.fail(name(), "tensor start " + k, "must increase and stay below " + size(), starts[k]);
            }
        }
        this.starts = starts.clone();
        this.adapted = adapted.clone();
    }

    protected final int tensorCount() {
        return starts.length;
    }

    protected final int start(int k) {
        return starts[k];
    }

    protected final int end(int k) {
        return k + 1 < starts.length ? starts[k + 1] : size();
    }

    protected final boolean adapted(int k) {
        return adapted[k];
    }

    /** {@code sqrt(sum x_i^2)} over {@code [from, to)}, in index order in double. */
    static double norm(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += (double) x[i] * x[i];
        return Math.sqrt(s);
    }
}
