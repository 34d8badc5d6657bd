package org.sparkcnn.engine;

import java.util.List;
import org.sparkcnn.engine.layers.Activation;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.GlobalAvgPool2d;
import org.sparkcnn.engine.layers.Merge;
import org.sparkcnn.engine.layers.Conv2d;
import org.sparkcnn.engine.layers.Dense;
import org.sparkcnn.engine.layers.Dropout;
import org.sparkcnn.engine.layers.Flatten;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.Pool2d;

/**
 * Forward passes in double precision written straight from the definitions (direct sums, no im2col,
 * no BLAS), independent of the engine's kernels. The gradient checks differentiate these numerically.
 */
final class NaiveReference {

    private NaiveReference() {
    }

    /** The output of {@code layer} for {@code n} examples; its weights start at {@code params[off]}. */
    static double[] forward(Layer layer, Shape in, double[] params, int off, double[] x, int n) {
        Shape out = layer.outputShape(in);
        double[] y = new double[n * out.size()];
        int c = in.channels(), h = in.height(), w = in.width();
        if (layer instanceof Conv2d conv) {
            int o = conv.outChannels(), kh = conv.kh(), kw = conv.kw();
            int bOff = off + o * c * kh * kw;
            for (int b = 0; b < n; b++) {
                for (int oc = 0; oc < o; oc++) {
                    for (int i = 0; i < out.height(); i++) {
                        for (int j = 0; j < out.width(); j++) {
                            // cross-correlation: Y[o,i,j] = b[o] + sum W[o,c,u,v] X[c, i*sh+u-ph, j*sw+v-pw]
                            double s = conv.bias() ? params[bOff + oc] : 0;
                            for (int ch = 0; ch < c; ch++) {
                                for (int u = 0; u < kh; u++) {
                                    for (int v = 0; v < kw; v++) {
                                        int yy = i * conv.sh() + u - conv.ph(), xx = j * conv.sw() + v - conv.pw();
                                        if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                            s += params[off + ((oc * c + ch) * kh + u) * kw + v] * x[((b * c + ch) * h + yy) * w + xx];
                                        }
                                    }
                                }
                            }
                            y[((b * o + oc) * out.height() + i) * out.width() + j] = s;
                        }
                    }
                }
            }
        } else if (layer instanceof Pool2d pool) {
            for (int plane = 0; plane < n * c; plane++) {
                for (int i = 0; i < out.height(); i++) {
                    for (int j = 0; j < out.width(); j++) {
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        int real = 0;
                        for (int u = 0; u < pool.kh(); u++) {
                            for (int v = 0; v < pool.kw(); v++) {
                                int yy = i * pool.sh() + u - pool.ph(), xx = j * pool.sw() + v - pool.pw();
                                if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                    double val = x[(plane * h + yy) * w + xx];
                                    max = Math.max(max, val);
                                    sum += val;
                                    real++;
                                }
                            }
                        }
                        double divisor = pool.countIncludePad() ? pool.kh() * pool.kw() : real;
                        y[(plane * out.height() + i) * out.width() + j] = pool.max() ? max : sum / divisor;
                    }
                }
            }
        } else if (layer instanceof Dense dense) {
            int inF = in.size(), o = dense.outFeatures();
            for (int b = 0; b < n; b++) {
                for (int k = 0; k < o; k++) {
                    double s = dense.bias() ? params[off + o * inF + k] : 0;
                    for (int i = 0; i < inF; i++) {
                        s += x[b * inF + i] * params[off + k * inF + i];
                    }
                    y[b * o + k] = s;
                }
            }
        } else if (layer instanceof Activation act) {
            for (int i = 0; i < y.length; i++) {
                double v = x[i];
                y[i] = switch (act.function()) {
                    case RELU -> Math.max(v, 0);
                    case LEAKY_RELU -> v > 0 ? v : act.slope() * v;
                    case SIGMOID -> 1 / (1 + Math.exp(-v));
                    case TANH -> Math.tanh(v);
                };
            }
        } else if (layer instanceof GlobalAvgPool2d) {
            for (int plane = 0; plane < n * c; plane++) {
                double sum = 0;
                for (int i = 0; i < h * w; i++) {
                    sum += x[plane * h * w + i];
                }
                y[plane] = sum / (h * w);
            }
        } else if (layer instanceof Flatten || layer instanceof Dropout) {
            System.arraycopy(x, 0, y, 0, y.length); // dropout: inference semantics
        } else {
            throw new IllegalArgumentException("no naive reference for " + layer.type());
        }
        return y;
    }

    /**
     * The output of a graph (or chain) model: nodes in order, merges as defined, batch norm with the
     * batch's statistics (biased variance) when {@code training}, else with the running ones in {@code buffers}.
     */
    static double[] forwardGraph(ModelDefinition def, double[] params, float[] buffers, double[] x, int n, boolean training) {
        int count = def.layers().size();
        double[][] outs = new double[count][];
        for (int i = 0; i < count; i++) {
            int[] in = def.nodeInputs(i);
            Layer layer = def.layers().get(i);
            Shape inShape = def.nodeInputShape(i, 0);
            double[] a = in[0] < 0 ? x : outs[in[0]];
            if (layer instanceof Merge m) {
                double[] y = new double[n * def.nodeOutputShape(i).size()];
                int total = def.nodeOutputShape(i).size(), at = 0;
                for (int s = 0; s < in.length; s++) {
                    double[] src = in[s] < 0 ? x : outs[in[s]];
                    int size = def.nodeInputShape(i, s).size();
                    for (int b = 0; b < n; b++) {
                        for (int j = 0; j < size; j++) {
                            if (m.concat()) {
                                y[b * total + at + j] = src[b * size + j];
                            } else {
                                y[b * size + j] += src[b * size + j];
                            }
                        }
                    }
                    at += size;
                }
                outs[i] = y;
            } else if (layer instanceof BatchNorm2d bn) {
                outs[i] = batchNorm(bn, inShape, params, def.layerParamOffset(i), buffers, def.layerBufferOffset(i), a, n, training);
            } else {
                outs[i] = forward(layer, inShape, params, def.layerParamOffset(i), a, n);
            }
        }
        return outs[count - 1];
    }

    /** y = gamma (x - mean) / sqrt(var + eps) + beta per channel. */
    private static double[] batchNorm(BatchNorm2d bn, Shape in, double[] params, int off, float[] buffers, int bufOff,
                                      double[] x, int n, boolean training) {
        int c = in.channels(), hw = in.height() * in.width();
        double[] y = new double[x.length];
        for (int ch = 0; ch < c; ch++) {
            double mean = buffers[bufOff + ch], var = buffers[bufOff + c + ch];
            if (training) {
                double s = 0, q = 0;
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < hw; i++) {
                        s += x[(b * c + ch) * hw + i];
                    }
                }
                mean = s / (n * hw);
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < hw; i++) {
                        double d = x[(b * c + ch) * hw + i] - mean;
                        q += d * d;
                    }
                }
                var = q / (n * hw);
            }
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) {
                    int p = (b * c + ch) * hw + i;
                    y[p] = params[off + ch] * (x[p] - mean) / Math.sqrt(var + bn.eps()) + params[off + c + ch];
                }
            }
        }
        return y;
    }

    static double lossGraph(ModelDefinition def, double[] params, float[] buffers, double[] x, int n, boolean training,
                            int[] labels, double[] targets) {
        return loss(def.loss(), forwardGraph(def, params, buffers, x, n, training), n, def.outputSize(), labels, targets);
    }

    /** The loss of a whole model, in double precision. */
    static double loss(ModelDefinition def, double[] params, double[] x, int n, int[] labels, double[] targets) {
        double[] cur = x;
        List<Layer> layers = def.layers();
        for (int i = 0; i < layers.size(); i++) {
            cur = forward(layers.get(i), def.shapes().get(i), params, def.layerParamOffset(i), cur, n);
        }
        return loss(def.loss(), cur, n, def.outputSize(), labels, targets);
    }

    static double loss(Loss loss, double[] z, int n, int k, int[] labels, double[] targets) {
        double total = 0;
        if (loss.kind() == Loss.Kind.SOFTMAX_CROSS_ENTROPY) {
            for (int r = 0; r < n; r++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < k; j++) {
                    max = Math.max(max, z[r * k + j]);
                }
                for (int j = 0; j < k; j++) {
                    sum += Math.exp(z[r * k + j] - max);
                }
                total += max + Math.log(sum) - z[r * k + labels[r]];
            }
            return total / n;
        }
        for (int i = 0; i < n * k; i++) {
            total += (z[i] - targets[i]) * (z[i] - targets[i]);
        }
        return loss.mean() ? total / (n * k) : total / 2;
    }
}
