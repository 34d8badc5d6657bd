package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.ops.Pool2dOps;

/** Global average pooling: C x H x W to a vector of C, each channel's mean. */
public record GlobalAvgPool2d(String name) implements Layer {

    @Override
    public String type() {
        return "global_avgpool2d";
    }

    @Override
    public Shape outputShape(Shape in) {
        return Shape.vector(in.channels());
    }

    @Override
    public void writeJson(ObjectNode node) {
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int maxBatch) {
        int c = in.channels(), hw = in.height() * in.width();
        return new ChannelsLastModel(in, outputShape(in), paramOffset, true, false) {

            @Override
            public void forwardInference(float[] params, float[] inp, boolean inChannelsLast, float[] y, boolean outChannelsLast,
                                         int n) {
                if (inChannelsLast) {
                    Pool2dOps.globalAvgForwardRows(y, inp, n, c, hw);
                } else {
                    Pool2dOps.globalAvgForward(y, inp, n, c, hw);
                }
            }

            @Override
            public void forward(float[] params, float[] inp, float[] y, int n, Pass pass) {
                Pool2dOps.globalAvgForward(y, inp, n, c, hw);
            }

            @Override
            public void backward(float[] params, float[] grads, float[] inp, float[] y, float[] dout, float[] dinp, int n) {
                Pool2dOps.globalAvgBackward(dinp, dout, n, c, hw);
            }
        };
    }
}
