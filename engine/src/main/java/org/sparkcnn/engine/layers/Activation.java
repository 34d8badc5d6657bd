package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.ops.ActivationOps;

/** An element-wise activation: relu, leaky_relu (with {@code slope}), sigmoid or tanh. */
public record Activation(String name, Function function, float slope) implements Layer {

    public enum Function {
        RELU("relu"), LEAKY_RELU("leaky_relu"), SIGMOID("sigmoid"), TANH("tanh");

        public final String type;

        Function(String type) {
            this.type = type;
        }
    }

    @Override
    public String type() {
        return function.type;
    }

    @Override
    public Shape outputShape(Shape in) {
        return in;
    }

    @Override
    public void writeJson(ObjectNode node) {
        if (function == Function.LEAKY_RELU) {
            node.put("slope", slope);
        }
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int maxBatch) {
        int size = in.size();
        return new LayerModel(in, in, paramOffset) {
            @Override
            public void forward(float[] params, float[] inp, float[] y, int n, Pass pass) {
                int len = n * size;
                switch (function) {
                    case RELU -> ActivationOps.reluForward(y, inp, len);
                    case LEAKY_RELU -> ActivationOps.leakyReluForward(y, inp, len, slope);
                    case SIGMOID -> ActivationOps.sigmoidForward(y, inp, len);
                    case TANH -> ActivationOps.tanhForward(y, inp, len);
                }
            }

            @Override
            public void backward(float[] params, float[] grads, float[] inp, float[] y, float[] dout, float[] dinp, int n) {
                int len = n * size;
                switch (function) {
                    case RELU -> ActivationOps.reluBackward(dinp, dout, y, len);
                    case LEAKY_RELU -> ActivationOps.leakyReluBackward(dinp, dout, inp, len, slope);
                    case SIGMOID -> ActivationOps.sigmoidBackward(dinp, dout, y, len);
                    case TANH -> ActivationOps.tanhBackward(dinp, dout, y, len);
                }
            }
        };
    }
}
