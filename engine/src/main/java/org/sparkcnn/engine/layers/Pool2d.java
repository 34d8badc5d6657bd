package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.ops.Pool2dOps;

/**
 * Max or average pooling with a kh x kw window, stride (sh, sw) and padding (ph, pw). Padding may be
 * at most half the kernel (as in PyTorch), so every window holds at least one real cell.
 * {@code countIncludePad} applies to average pooling only.
 */
public record Pool2d(String name, boolean max, int kh, int kw, int sh, int sw, int ph, int pw,
                     boolean countIncludePad) implements Layer {

    public Pool2d {
        Layers.checkWindow(kh, kw, sh, sw, ph, pw);
        if (2 * ph > kh || 2 * pw > kw) {
            throw new IllegalArgumentException("padding " + ph + "x" + pw + " must be at most half the " + kh + "x" + kw + " kernel");
        }
    }

    @Override
    public String type() {
        return max ? "maxpool2d" : "avgpool2d";
    }

    @Override
    public Shape outputShape(Shape in) {
        return Layers.windowOutput("window", in, in.channels(), kh, kw, sh, sw, ph, pw);
    }

    @Override
    public void writeJson(ObjectNode node) {
        Layers.writeWindow(node, kh, kw, sh, sw, ph, pw);
        if (!max) {
            node.put("count_include_pad", countIncludePad);
        }
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int maxBatch) {
        Shape out = outputShape(in);
        int c = in.channels(), h = in.height(), w = in.width();
        if (max) {
            int[] argmax = new int[maxBatch * out.size()];
            return new LayerModel(in, out, paramOffset) {
                @Override
                public void forward(float[] params, float[] inp, float[] y, int n, Pass pass) {
                    Pool2dOps.maxForward(y, argmax, inp, n, c, h, w, kh, kw, sh, sw, ph, pw);
                }

                @Override
                public void backward(float[] params, float[] grads, float[] inp, float[] y, float[] dout, float[] dinp, int n) {
                    Pool2dOps.maxBackward(dinp, dout, argmax, n, c, h, w, out.height(), out.width());
                }
            };
        }
        return new LayerModel(in, out, paramOffset) {
            @Override
            public void forward(float[] params, float[] inp, float[] y, int n, Pass pass) {
                Pool2dOps.avgForward(y, inp, n, c, h, w, kh, kw, sh, sw, ph, pw, countIncludePad);
            }

            @Override
            public void backward(float[] params, float[] grads, float[] inp, float[] y, float[] dout, float[] dinp, int n) {
                Pool2dOps.avgBackward(dinp, dout, n, c, h, w, kh, kw, sh, sw, ph, pw, countIncludePad);
            }
        };
    }
}
