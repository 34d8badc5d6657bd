package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.sparkcnn.engine.Shape;

/** NCHW row-major flatten: feature index = c*H*W + h*W + w. The data does not move; only the shape changes. */
public record Flatten(String name) implements Layer {

    @Override
    public String type() {
        return "flatten";
    }

    @Override
    public Shape outputShape(Shape in) {
        return Shape.vector(in.size());
    }

    @Override
    public void writeJson(ObjectNode node) {
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int maxBatch) {
        return new LayerModel(in, outputShape(in), paramOffset) {
            @Override
            public void forward(float[] params, float[] inp, float[] y, int n, Pass pass) {
                System.arraycopy(inp, 0, y, 0, n * in.size());
            }

            @Override
            public void backward(float[] params, float[] grads, float[] inp, float[] y, float[] dout, float[] dinp, int n) {
                System.arraycopy(dout, 0, dinp, 0, n * in.size());
            }
        };
    }
}
