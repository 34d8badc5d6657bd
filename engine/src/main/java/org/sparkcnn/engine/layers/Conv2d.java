package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.ops.BatchNormEpilog;
import org.sparkcnn.engine.ops.ChannelsLastLayout;
import org.sparkcnn.engine.ops.ConvChoices;
import org.sparkcnn.engine.ops.ConvWorkspace;
import org.sparkcnn.engine.ops.Conv2dOps;
import org.sparkcnn.engine.ops.VectorSupport;

/** 2-D convolution (cross-correlation) with a kh x kw kernel, stride (sh, sw), zero padding (ph, pw) and an optional bias. */
public record Conv2d(String name, int inChannels, int outChannels, int kh, int kw, int sh, int sw, int ph, int pw,
                     boolean bias) implements Layer {

    /** {@code inChannels} 0 means "take it from the input". */
    public Conv2d {
        Layers.positive("out_channels", outChannels);
        Layers.nonNegative("in_channels", inChannels);
        Layers.checkWindow(kh, kw, sh, sw, ph, pw);
    }

    @Override
    public String type() {
        return "conv2d";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (inChannels != 0 && inChannels != in.channels()) {
            throw new IllegalArgumentException("expects " + inChannels + " input channels but the input is " + in);
        }
        return Layers.windowOutput("kernel", in, outChannels, kh, kw, sh, sw, ph, pw);
    }

    @Override
    public List<ParamTensor> params(Shape in) {
        int fanIn = in.channels() * kh * kw, fanOut = outChannels * kh * kw;
        List<ParamTensor> p = new ArrayList<>();
        p.add(new ParamTensor("w", new int[]{outChannels, in.channels(), kh, kw}, fanIn, fanOut, false));
        if (bias) {
            p.add(new ParamTensor("b", new int[]{outChannels}, fanIn, fanOut, true));
        }
        return p;
    }

    @Override
    public long forwardFlops(Shape in) {
        return 2L * outputShape(in).size() * in.channels() * kh * kw;
    }

    @Override
    public void writeJson(ObjectNode node) {
        node.put("in_channels", inChannels);
        node.put("out_channels", outChannels);
        Layers.writeWindow(node, kh, kw, sh, sw, ph, pw);
        node.put("bias", bias);
    }

    /** The kernels this layer runs, for logs. */
    public String kernel(Shape in) {
        return "im2col + GEMM (" + VectorSupport.describe() + ")";
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int maxBatch) {
        Shape out = outputShape(in);
        int c = in.channels(), h = in.height(), w = in.width(), o = outChannels, ckk = c * kh * kw;
        int wOff = paramOffset, bOff = bias ? paramOffset + o * ckk : -1;
        int hw = out.height() * out.width();
        int group = Conv2dOps.groupSize(maxBatch, ckk, o, hw);
        ConvChoices choices = ConvChoices.of(name, c, h, w, o, kh, kw, sh, sw, ph, pw, group);
        ConvWorkspace ws = new ConvWorkspace(group, c, h, w, o, kh, kw, sh, sw, ph, pw);
        boolean rows = ChannelsLastLayout.convolution(c, h, w, o, kh, kw, sh, sw, ph, pw);
        return new ChannelsLastModel(in, out, paramOffset, rows, rows) {
            private float[] colsOf;  // the input whose first group's columns or frame col holds, or null
            private int colsOfN;

            @Override
            public void forwardInference(float[] params, float[] inp, boolean inChannelsLast, float[] y, boolean outChannelsLast,
                                         int n) {
                forwardInference(params, inp, inChannelsLast, y, outChannelsLast, n, null);
            }

            @Override
            public boolean takesEpilog() {
                return true;
            }

            @Override
            public void forwardInference(float[] params, float[] inp, boolean inChannelsLast, float[] y, boolean outChannelsLast,
                                         int n, BatchNormEpilog epilog) {
                colsOf = null;
                Conv2dOps.forward(y, outChannelsLast, inp, inChannelsLast, params, wOff, bOff, n, c, h, w, o, kh, kw, sh, sw,
                        ph, pw, group, ws, choices, false, epilog);
            }

            @Override
            public void forward(float[] params, float[] inp, float[] y, int n, Pass pass) {
                colsOf = null;  // until the forward has run: it overwrites col
                boolean cols = Conv2dOps.forward(y, inp, params, wOff, bOff, n, c, h, w, o, kh, kw, sh, sw, ph, pw,
                        group, ws, choices, pass.training());
                colsOf = cols ? inp : null;
                colsOfN = n;
            }

            @Override
            public void backward(float[] params, float[] grads, float[] inp, float[] y, float[] dout, float[] dinp, int n) {
                boolean reuse = colsOf == inp && colsOfN == n;
                colsOf = null;  // the backward overwrites col
                Conv2dOps.backward(dinp, grads, dout, inp, params, wOff, bOff, n, c, h, w, o, kh, kw, sh, sw, ph, pw,
                        group, ws, choices, reuse);
            }
        };
    }
}
