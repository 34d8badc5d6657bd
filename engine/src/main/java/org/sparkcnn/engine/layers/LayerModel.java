package org.sparkcnn.engine.layers;

import org.sparkcnn.engine.Shape;

/**
 * A layer bound to an input shape, a slice of the flat parameter buffer, and the scratch memory of
 * one model replica (not thread-safe; one per thread). Forward and backward are a pair, as in llm.c:
 * backward overwrites {@code dinp} (dL/d input; skipped when null) and accumulates ({@code +=}) the
 * parameter gradients into {@code grads} at the same offsets as the weights in {@code params}.
 */
public abstract class LayerModel {

    protected final Shape in;
    protected final Shape out;
    protected final int paramOffset;

    protected LayerModel(Shape in, Shape out, int paramOffset) {
        this.in = in;
        this.out = out;
        this.paramOffset = paramOffset;
    }

    public Shape inputShape() {
        return in;
    }

    public Shape outputShape() {
        return out;
    }

    public abstract void forward(float[] params, float[] inp, float[] out, int n, Pass pass);

    /**
     * Forward for a layer with state ({@code buffers}: the model's flat state buffer, e.g. batch norm's
     * running statistics, which a training pass updates in place). Stateless layers ignore it.
     */
    public void forward(float[] params, float[] buffers, float[] inp, float[] out, int n, Pass pass) {
        forward(params, inp, out, n, pass);
    }

    public abstract void backward(float[] params, float[] grads, float[] inp, float[] out, float[] dout, float[] dinp, int n);
}
