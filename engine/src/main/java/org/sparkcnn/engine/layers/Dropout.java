package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.ops.DropoutOps;

/** Inverted dropout with drop probability {@code p} in [0, 1); the identity at inference. */
public record Dropout(String name, float p) implements Layer {

    public Dropout {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("p must be in [0, 1), got " + p);
        }
    }

    @Override
    public String type() {
        return "dropout";
    }

    @Override
    public Shape outputShape(Shape in) {
        return in;
    }

    @Override
    public void writeJson(ObjectNode node) {
        node.put("p", p);
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int maxBatch) {
        int size = in.size();
        float[] scale = new float[maxBatch * size];
        return new LayerModel(in, in, paramOffset) {
            private boolean masked;

            @Override
            public void forward(float[] params, float[] inp, float[] y, int n, Pass pass) {
                masked = pass.training() && p > 0f;
                if (masked) {
                    DropoutOps.forward(y, scale, inp, n, size, p, pass.seed(), pass.step(), pass.exampleIds());
                } else {
                    System.arraycopy(inp, 0, y, 0, n * size);
                }
            }

            @Override
            public void backward(float[] params, float[] grads, float[] inp, float[] y, float[] dout, float[] dinp, int n) {
                if (masked) {
                    DropoutOps.backward(dinp, dout, scale, n * size);
                } else {
                    System.arraycopy(dout, 0, dinp, 0, n * size);
                }
            }
        };
    }
}
