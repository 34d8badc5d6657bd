package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.ops.DenseOps;

/** Fully connected: {@code y = x W^T + b} with W of shape (out, in). Its input must be a vector (flatten first). */
public record Dense(String name, int inFeatures, int outFeatures, boolean bias) implements Layer {

    /** {@code inFeatures} 0 means "take it from the input". */
    public Dense {
        Layers.positive("out_features", outFeatures);
        Layers.nonNegative("in_features", inFeatures);
    }

    @Override
    public String type() {
        return "dense";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (!in.isVector()) {
            throw new IllegalArgumentException("expects a vector input but got " + in + "; add a flatten layer before it");
        }
        if (inFeatures != 0 && inFeatures != in.channels()) {
            throw new IllegalArgumentException("expects " + inFeatures + " input features but the input has " + in.channels());
        }
        return Shape.vector(outFeatures);
    }

    @Override
    public List<ParamTensor> params(Shape in) {
        int fanIn = in.size();
        List<ParamTensor> p = new ArrayList<>();
        p.add(new ParamTensor("w", new int[]{outFeatures, fanIn}, fanIn, outFeatures, false));
        if (bias) {
            p.add(new ParamTensor("b", new int[]{outFeatures}, fanIn, outFeatures, true));
        }
        return p;
    }

    @Override
    public long forwardFlops(Shape in) {
        return 2L * in.size() * outFeatures;
    }

    @Override
    public void writeJson(ObjectNode node) {
        node.put("in_features", inFeatures);
        node.put("out_features", outFeatures);
        node.put("bias", bias);
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int maxBatch) {
        Shape out = outputShape(in);
        int inF = in.size();
        int wOff = paramOffset, bOff = bias ? paramOffset + outFeatures * inF : -1;
        DenseOps.Choices choices = DenseOps.Choices.of(name, maxBatch, inF, outFeatures);
        return new LayerModel(in, out, paramOffset) {
            @Override
            public void forward(float[] params, float[] inp, float[] y, int n, Pass pass) {
                DenseOps.forward(y, inp, params, wOff, bOff, n, inF, outFeatures);
            }

            @Override
            public void backward(float[] params, float[] grads, float[] inp, float[] y, float[] dout, float[] dinp, int n) {
                DenseOps.backward(dinp, grads, dout, inp, params, wOff, bOff, n, inF, outFeatures, choices);
            }
        };
    }
}
