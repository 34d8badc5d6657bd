package org.sparkcnn.engine.layers;

import org.sparkcnn.engine.ops.BatchNormEpilog;

/**
 * A bound layer whose inference forward can read and write activations channels-last, (N, H, W, C), as well
 * as NCHW: the same floats in either order ({@link org.sparkcnn.engine.ops.ChannelsLastLayout}).
 */
public interface ChannelsLastLayer {

    /** Whether its inference forward can write the output channels-last. */
    boolean writesChannelsLast();

    /** Whether it can also read its input channels-last. */
    boolean readsChannelsLast();

    /** The inference forward, each side in the order given. */
    void forwardInference(float[] params, float[] inp, boolean inChannelsLast, float[] out, boolean outChannelsLast, int n);

    /** Whether {@link #forwardInference(float[], float[], boolean, float[], boolean, int, BatchNormEpilog)} takes an epilog. */
    default boolean takesEpilog() {
        return false;
    }

    /** The inference forward with the batch norm after it (and its add and ReLU) run on its outputs as they are written. */
    default void forwardInference(float[] params, float[] inp, boolean inChannelsLast, float[] out, boolean outChannelsLast, int n,
                                  BatchNormEpilog epilog) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " runs no epilog");
    }
}
