package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.ops.BatchNormEpilog;
import org.sparkcnn.engine.ops.BatchNormOps;

/**
 * Batch normalization per channel (PyTorch's BatchNorm2d, affine). Parameters gamma (C) then beta (C);
 * state running_mean (C) then running_var (C). A training pass normalizes with the batch's statistics
 * (biased variance) and updates the running ones (unbiased variance, {@code momentum} as PyTorch); an
 * inference pass uses the running statistics. {@code numFeatures} 0 means "take it from the input".
 */
public record BatchNorm2d(String name, int numFeatures, double eps, double momentum) implements Layer {

    public BatchNorm2d {
        Layers.nonNegative("num_features", numFeatures);
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps must be positive, got " + eps);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1], got " + momentum);
        }
    }

    @Override
    public String type() {
        return "batchnorm2d";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (numFeatures != 0 && numFeatures != in.channels()) {
            throw new IllegalArgumentException("num_features is " + numFeatures + " but the input " + in + " has "
                    + in.channels() + " channels");
        }
        return in;
    }

    @Override
    public List<ParamTensor> params(Shape in) {
        int c = in.channels();
        return List.of(ParamTensor.constant("gamma", c, 1f), ParamTensor.constant("beta", c, 0f));
    }

    @Override
    public List<ParamTensor> buffers(Shape in) {
        int c = in.channels();
        return List.of(ParamTensor.constant("running_mean", c, 0f), ParamTensor.constant("running_var", c, 1f));
    }

    @Override
    public void writeJson(ObjectNode node) {
        node.put("num_features", numFeatures);
        node.put("eps", eps);
        node.put("momentum", momentum);
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int maxBatch) {
        throw new IllegalStateException(type() + " '" + name + "' has state; bind it with a buffer offset");
    }

    @Override
    public LayerModel bind(Shape in, int paramOffset, int bufferOffset, int maxBatch) {
        Shape out = outputShape(in);
        int c = in.channels(), hw = in.height() * in.width();
        int gOff = paramOffset, bOff = paramOffset + c, rmOff = bufferOffset, rvOff = bufferOffset + c;
        return new Model(in, out, paramOffset, c, hw, gOff, bOff, rmOff, rvOff);
    }

    /** The bound layer; it remembers the statistics of its last forward for backward and for callers. */
    public final class Model extends LayerModel {
        private final int c, hw, gOff, bOff, rmOff, rvOff;
        private final double[] mean, var, invstd;
        private boolean training;
        private int lastN;

        Model(Shape in, Shape out, int paramOffset, int c, int hw, int gOff, int bOff, int rmOff, int rvOff) {
            super(in, out, paramOffset);
            this.c = c;
            this.hw = hw;
            this.gOff = gOff;
            this.bOff = bOff;
            this.rmOff = rmOff;
            this.rvOff = rvOff;
            mean = new double[c];
            var = new double[c];
            invstd = new double[c];
        }

        @Override
        public void forward(float[] params, float[] inp, float[] y, int n, Pass pass) {
            throw new IllegalStateException(type() + " '" + name + "' needs the model's state buffer (running statistics)");
        }

        @Override
        public void forward(float[] params, float[] buffers, float[] inp, float[] y, int n, Pass pass) {
            forward(params, buffers, inp, y, false, n, pass);
        }

        /**
         * The forward; with {@code relu}, that of a ReLU after it too: {@code y} gets {@code max(y, 0)}
         * ({@link BatchNormOps}: one pass; the same floats as the two layers).
         */
        public void forward(float[] params, float[] buffers, float[] inp, float[] y, boolean relu, int n, Pass pass) {
            if (buffers == null) {
                forward(params, inp, y, n, pass);
            }
            training = pass.training();
            lastN = n;
            if (training) {
                if (n * hw < 2) {
                    throw new IllegalArgumentException(type() + " '" + name + "': training needs more than 1 value per channel, got "
                            + n * hw + " (batch " + n + ", input " + in + ")");
                }
                BatchNormOps.forwardTrain(y, relu, inp, params, gOff, bOff, n, c, hw, eps, mean, var, invstd);
                BatchNormOps.updateRunning(buffers, rmOff, rvOff, c, n * hw, momentum, mean, var);
            } else {
                BatchNormOps.forwardEval(y, relu, inp, params, gOff, bOff, buffers, rmOff, rvOff, n, c, hw, eps, mean, invstd);
            }
        }

        /** The inference forward (and that of a ReLU after it, {@code relu}) on channels-last activations, (N, H, W, C). */
        public void forwardInferenceChannelsLast(float[] params, float[] buffers, float[] inp, float[] y, boolean relu, int n) {
            training = false;
            lastN = n;
            BatchNormOps.forwardEvalChannelsLast(y, relu, inp, params, gOff, bOff, buffers, rmOff, rvOff, n, c, hw, eps, mean,
                    invstd);
        }

        /** Sets {@code epilog}'s constants for an inference forward that the convolution before this layer runs. */
        public void epilogConstants(float[] params, float[] buffers, BatchNormEpilog epilog) {
            if (buffers == null) {
                throw new IllegalStateException(type() + " '" + name + "' needs the model's state buffer (running statistics)");
            }
            training = false;
            epilog.constants(params, gOff, bOff, buffers, rmOff, rvOff, eps);
        }

        @Override
        public void backward(float[] params, float[] grads, float[] inp, float[] y, float[] dout, float[] dinp, int n) {
            BatchNormOps.backward(dinp, grads, dout, inp, params, gOff, bOff, n, c, hw, training, mean, invstd);
        }

        /** The backward of this layer and the ReLU after it in one: {@code dReluOut} is dL/d of the ReLU's output. */
        public void backwardThroughRelu(float[] params, float[] grads, float[] inp, float[] dReluOut, float[] dinp, int n) {
            BatchNormOps.backward(dinp, grads, dReluOut, true, inp, params, gOff, bOff, n, c, hw, training, mean, invstd);
        }

        /**
         * The last training forward's batch statistics, in this layer's slots of a state-shaped buffer:
         * the mean at running_mean's place, the unbiased variance ({@code var * M / (M - 1)}) at running_var's,
         * and returns M = N*H*W (0 if the last forward was not training).
         */
        public int batchStatistics(float[] dst) {
            if (!training) {
                return 0;
            }
            int m = lastN * hw;
            for (int ch = 0; ch < c; ch++) {
                dst[rmOff + ch] = (float) mean[ch];
                dst[rvOff + ch] = (float) (var[ch] * m / (m - 1));
            }
            return m;
        }
    }
}
