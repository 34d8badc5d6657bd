package org.sparkcnn.engine.ops;

/**
 * A batch norm in evaluation, with an add and a ReLU after it where the graph has them, run by the convolution
 * before it on each group of outputs the convolution has just written ({@link Conv2dOps#forward}), while they are
 * in the cache: in place of the batch norm's and the add's own passes over the whole batch. Inference only; the
 * floats are those of the layers one after the other ({@link BatchNormOps#evalInPlace}).
 */
public final class BatchNormEpilog {

    private final int channels;
    private final double[] mu, invstd, a, be;
    private float[] residual;
    private boolean relu;

    public BatchNormEpilog(int channels) {
        this.channels = channels;
        mu = new double[channels];
        invstd = new double[channels];
        a = new double[channels];
        be = new double[channels];
    }

    /** The batch norm's constants for this forward ({@link BatchNormOps#evalConstants}). */
    public void constants(float[] params, int gOff, int bOff, float[] buffers, int rmOff, int rvOff, double eps) {
        BatchNormOps.evalConstants(params, gOff, bOff, buffers, rmOff, rvOff, channels, eps, mu, invstd, a, be);
    }

    /** What follows the batch norm: an add of {@code residual} (null: none), then a ReLU where {@code relu}. */
    public void then(float[] residual, boolean relu) {
        this.residual = residual;
        this.relu = relu;
    }

    /** Runs on examples b0 .. b0+g of {@code y}: planes, or rows where {@code rows}; {@code hw} positions an example. */
    void apply(float[] y, boolean rows, int b0, int g, int hw) {
        BatchNormOps.evalInPlace(y, rows, residual, relu, b0, g, channels, hw, mu, a, be);
    }
}
