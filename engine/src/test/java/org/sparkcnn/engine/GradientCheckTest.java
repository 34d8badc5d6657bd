package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.layers.Activation;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.GlobalAvgPool2d;
import org.sparkcnn.engine.layers.Conv2d;
import org.sparkcnn.engine.layers.Dense;
import org.sparkcnn.engine.layers.Flatten;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.layers.Pool2d;

/**
 * Central finite differences, in double precision, of {@link NaiveReference} (direct sums from the
 * definitions) against the engine's float32 analytic gradients, for every layer, both losses, the
 * convolution edge cases and a network using every layer type.
 */
class GradientCheckTest {

    private static final double EPS = 1e-6;
    private static final double ATOL = 2e-4;
    private static final double RTOL = 2e-3;

    /** The engine's outputs and gradients for one batch, next to the data they came from. */
    record Result(float[] out, float[] grads, float[] dx) {
    }

    @Test
    void conv2dSquareKernelWithPadding() {
        checkLayer(new Conv2d("conv", 0, 3, 3, 3, 1, 1, 1, 1, true), new Shape(2, 5, 5), 2);
    }

    @Test
    void conv2dKernelEqualToPaddedInput() {
        // 3x3 input, padding 1 -> 5x5 padded, kernel 5x5 -> 1x1 output
        checkLayer(new Conv2d("conv", 0, 2, 5, 5, 1, 1, 1, 1, true), new Shape(2, 3, 3), 2);
        // kernel equal to the unpadded input
        checkLayer(new Conv2d("conv", 0, 2, 4, 3, 1, 1, 0, 0, true), new Shape(1, 4, 3), 3);
    }

    @Test
    void conv2dStrideLargerThanKernelLeavesUnreadRowsWithZeroGradient() {
        Conv2d conv = new Conv2d("conv", 0, 2, 2, 2, 3, 3, 0, 0, true);
        Result r = checkLayer(conv, new Shape(1, 8, 8), 2);
        // rows and columns 2 and 5 are never read by a 2x2 kernel at stride 3
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 8; i++) {
                for (int unread : new int[]{2, 5}) {
                    assertEquals(0f, r.dx()[b * 64 + unread * 8 + i], "dx row " + unread + " col " + i);
                    assertEquals(0f, r.dx()[b * 64 + i * 8 + unread], "dx row " + i + " col " + unread);
                }
            }
        }
    }

    @Test
    void conv2dOneByOneKernel() {
        checkLayer(new Conv2d("conv", 0, 4, 1, 1, 1, 1, 0, 0, true), new Shape(3, 4, 5), 2);
    }

    @Test
    void conv2dRectangularKernelAsymmetricStrideAndPadding() {
        checkLayer(new Conv2d("conv", 0, 3, 2, 3, 1, 2, 2, 0, true), new Shape(2, 6, 7), 2);
        checkLayer(new Conv2d("conv", 0, 2, 3, 1, 2, 1, 0, 1, false), new Shape(2, 7, 4), 2);
    }

    @Test
    void maxPoolOverlappingOddPadded() {
        checkLayer(new Pool2d("pool", true, 3, 3, 2, 2, 0, 0, true), new Shape(2, 7, 7), 2);
        checkLayer(new Pool2d("pool", true, 2, 2, 2, 2, 1, 1, true), new Shape(2, 5, 5), 2);
        checkLayer(new Pool2d("pool", true, 3, 2, 2, 1, 1, 1, true), new Shape(1, 6, 5), 2);
    }

    @Test
    void avgPoolWithAndWithoutPaddingInTheCount() {
        checkLayer(new Pool2d("pool", false, 3, 3, 2, 2, 1, 1, true), new Shape(2, 6, 5), 2);
        checkLayer(new Pool2d("pool", false, 3, 3, 2, 2, 1, 1, false), new Shape(2, 6, 5), 2);
        checkLayer(new Pool2d("pool", false, 2, 3, 1, 2, 0, 1, false), new Shape(1, 5, 6), 2);
    }

    @Test
    void activations() {
        for (Activation.Function f : Activation.Function.values()) {
            checkLayer(new Activation("act", f, 0.1f), new Shape(2, 3, 4), 2);
        }
    }

    @Test
    void dense() {
        checkLayer(new Dense("fc", 0, 5, true), Shape.vector(7), 3);
        checkLayer(new Dense("fc", 0, 3, false), Shape.vector(4), 2);
    }

    @Test
    void softmaxCrossEntropyAndMseInANetwork() {
        for (Loss loss : List.of(Loss.SOFTMAX_CROSS_ENTROPY, Loss.mse(true), Loss.mse(false))) {
            ModelDefinition def = ModelDefinition.builder("net", new Shape(1, 6, 6))
                    .conv2d("conv1", 2, 3, 1, 0).tanh().flatten().dense("fc", 4).build(loss);
            check(def, 3, 11);
        }
    }

    @Test
    void networkUsingEveryLayerType() {
        ModelDefinition def = ModelDefinition.builder("every", new Shape(2, 9, 8))
                .add(new Conv2d("conv1", 2, 3, 3, 3, 1, 1, 1, 1, true))
                .leakyRelu(0.05f)
                .add(new Pool2d("avg", false, 3, 3, 2, 2, 1, 1, false))
                .add(new Conv2d("conv2", 3, 4, 2, 3, 2, 1, 1, 0, true))
                .relu()
                .add(new Pool2d("max", true, 2, 2, 1, 2, 1, 1, true))
                .flatten()
                .dense("fc1", 6).sigmoid().dropout(0.3f)
                .dense("fc2", 3)
                .build(Loss.SOFTMAX_CROSS_ENTROPY);
        check(def, 3, 5);
    }

    @Test
    void convolutionWithoutBias() {
        Conv2d conv = new Conv2d("conv", 0, 3, 3, 3, 1, 1, 1, 1, false);
        assertEquals(3 * 2 * 3 * 3, conv.paramCount(new Shape(2, 5, 4)), "no bias tensor");
        checkLayer(conv, new Shape(2, 5, 4), 2);
    }

    @Test
    void globalAvgPool2d() {
        checkLayer(new GlobalAvgPool2d("gap"), new Shape(3, 4, 5), 2);
    }

    @Test
    void batchNorm2dTrainingModeUsesBatchStatistics() {
        ModelDefinition def = ModelDefinition.builder("bn_train", new Shape(2, 4, 3))
                .add(new Conv2d("conv", 0, 3, 3, 3, 1, 1, 1, 1, false))
                .add(new BatchNorm2d("bn", 0, 1e-5, 0.1))
                .tanh().flatten().dense("fc", 3).build(Loss.SOFTMAX_CROSS_ENTROPY);
        check(def, 3, 13, true);
    }

    @Test
    void batchNorm2dEvaluationModeUsesRunningStatistics() {
        ModelDefinition def = ModelDefinition.builder("bn_eval", new Shape(3, 3, 3))
                .add(new BatchNorm2d("bn", 3, 1e-3, 0.1)).tanh().flatten().build(Loss.mse(false));
        check(def, 2, 17, false);
    }

    /** Input and node t feed several nodes (t three: conv c2, the add and the concat), so backward sums their gradients. */
    @Test
    void graphWithFanOutAndMerges() {
        ModelDefinition def = ModelDefinition.fromJson("""
                {"format": "sparkcnn-model/2", "name": "fanout", "input": [2, 5, 5], "nodes": [
                  {"name": "stem", "type": "conv2d", "out_channels": 3, "kernel": 3, "padding": 1, "bias": false},
                  {"name": "proj", "type": "conv2d", "inputs": ["input"], "out_channels": 3, "kernel": 1},
                  {"name": "bn", "type": "batchnorm2d", "inputs": ["stem"]},
                  {"name": "t", "type": "tanh"},
                  {"name": "c2", "type": "conv2d", "out_channels": 3, "kernel": 3, "padding": 1},
                  {"name": "sum", "type": "add", "inputs": ["c2", "t", "proj"]},
                  {"name": "t2", "type": "tanh"},
                  {"name": "cat", "type": "concat", "inputs": ["t2", "t"]},
                  {"name": "gap", "type": "global_avgpool2d"},
                  {"name": "fc", "type": "dense", "out_features": 4}],
                 "loss": {"type": "softmax_cross_entropy"}}""");
        assertTrue(!def.isChain());
        assertEquals(new Shape(6, 5, 5), def.nodeOutputShape(7), "concat joins 3 + 3 channels");
        check(def, 3, 19, true);
    }

    /**
     * Adds that share one gradient array among their inputs' buffers: {@code dbl} takes c1 twice (c1's
     * gradient is that array summed with itself), {@code res} takes dbl and the input (fanned out to c1 too).
     * Adds whose output feeds two consumers sum their gradients in their own backward: {@code res} through
     * the ReLU run inside it (its output feeds c2 and res2), {@code res2} without one (t and res3).
     */
    @Test
    void addsOfOneProducerTwiceAndOfTheInputAndFeedingTwo() {
        ModelDefinition def = ModelDefinition.fromJson("""
                {"format": "sparkcnn-model/2", "name": "adds", "input": [2, 5, 5], "nodes": [
                  {"name": "c1", "type": "conv2d", "out_channels": 2, "kernel": 3, "padding": 1},
                  {"name": "dbl", "type": "add", "inputs": ["c1", "c1"]},
                  {"name": "res", "type": "add", "inputs": ["dbl", "input"]},
                  {"name": "rr", "type": "relu"},
                  {"name": "c2", "type": "conv2d", "out_channels": 2, "kernel": 3, "padding": 1},
                  {"name": "res2", "type": "add", "inputs": ["c2", "rr"]},
                  {"name": "t", "type": "tanh"},
                  {"name": "res3", "type": "add", "inputs": ["res2", "t"]},
                  {"name": "gap", "type": "global_avgpool2d"},
                  {"name": "fc", "type": "dense", "out_features": 3}],
                 "loss": {"type": "softmax_cross_entropy"}}""");
        Network net = def.newNetwork(2);
        assertTrue(net.runsInProducer(3), "the ReLU after res runs inside it");
        check(def, 2, 23, true);
    }

    @Test
    void crossEntropyStaysFiniteAndExactForLogitsOfMagnitudeThousand() {
        float[] logits = {1000f, 0f, -1000f, -1000f, 1000f, 999f};
        int[] labels = {1, 2};
        float[] d = new float[6];
        double loss = Loss.SOFTMAX_CROSS_ENTROPY.lossAndGradient(logits, 2, 3, labels, null, 2, d);
        // row 0: logsumexp = 1000 (+ e^-1000), loss = 1000 - 0; row 1: logsumexp = 1000 + log(1 + e^-1), loss = 1000 + log(1+e^-1) - 999
        double expected = (1000 + (1 + Math.log1p(Math.exp(-1)))) / 2;
        assertEquals(expected, loss, 1e-9);
        double[] dz = {1, -1, 0, 0, 1 / (1 + Math.exp(-1)), 1 / (1 + Math.exp(1)) - 1};
        for (int i = 0; i < 6; i++) {
            assertTrue(Float.isFinite(d[i]));
            assertEquals(dz[i] / 2, d[i], 1e-7, "dlogits[" + i + "]");
        }
    }

    // ---- harness ----

    /** One layer, followed by flatten and a half-sum MSE against random targets, so dL/dy is random. */
    private static Result checkLayer(Layer layer, Shape in, int n) {
        List<Layer> layers = layer.outputShape(in).isVector() ? List.of(layer) : List.of(layer, new Flatten("flatten"));
        return check(new ModelDefinition(layer.type(), in, layers, Loss.mse(false)), n, 7);
    }

    private static Result check(ModelDefinition def, int n, long seed) {
        return check(def, n, seed, false);
    }

    /**
     * {@code training}: a training pass (batch norm on batch statistics); else inference, with random
     * running statistics (means in (-0.5, 0.5), variances in (0.5, 1.5)).
     */
    private static Result check(ModelDefinition def, int n, long seed, boolean training) {
        SplittableRandom rng = new SplittableRandom(seed);
        int p = def.paramCount(), inSize = def.inputShape().size(), k = def.outputSize();
        float[] params = randomFloats(rng, p, 0.5), x = randomFloats(rng, n * inSize, 1.0), targets = randomFloats(rng, n * k, 1.0);
        int[] labels = rng.ints(n, 0, k).toArray();

        float[] buffers = def.initialBuffers();
        for (ModelDefinition.ParamSlice s : def.buffers()) {
            for (int i = 0; i < s.size(); i++) {
                buffers[s.offset() + i] += (float) (rng.nextDouble() - 0.5);
            }
        }
        float[] naiveBuffers = buffers.clone();  // a training forward updates the running statistics
        Network net = def.newNetwork(n);
        float[] out = net.forward(params, buffers, x, n, training ? Pass.training(seed, 0, n) : Pass.INFERENCE).clone();
        float[] dout = new float[n * k];
        def.loss().lossAndGradient(out, n, k, labels, targets, n, dout);
        float[] grads = new float[p];
        float[] dx = net.backward(params, grads, dout, true).clone();

        double[] pd = toDouble(params), xd = toDouble(x), td = toDouble(targets);
        double[] naiveOut = NaiveReference.forwardGraph(def, pd, naiveBuffers, xd, n, training);
        for (int i = 0; i < out.length; i++) {
            assertClose(def.name() + " output[" + i + "]", naiveOut[i], out[i]);
        }
        for (int j = 0; j < p; j++) {
            double keep = pd[j];
            pd[j] = keep + EPS;
            double up = NaiveReference.lossGraph(def, pd, naiveBuffers, xd, n, training, labels, td);
            pd[j] = keep - EPS;
            double down = NaiveReference.lossGraph(def, pd, naiveBuffers, xd, n, training, labels, td);
            pd[j] = keep;
            assertClose(def.name() + " dL/d" + paramName(def, j), (up - down) / (2 * EPS), grads[j]);
        }
        for (int j = 0; j < xd.length; j++) {
            double keep = xd[j];
            xd[j] = keep + EPS;
            double up = NaiveReference.lossGraph(def, pd, naiveBuffers, xd, n, training, labels, td);
            xd[j] = keep - EPS;
            double down = NaiveReference.lossGraph(def, pd, naiveBuffers, xd, n, training, labels, td);
            xd[j] = keep;
            assertClose(def.name() + " dL/dx[" + j + "]", (up - down) / (2 * EPS), dx[j]);
        }
        return new Result(out, grads, dx);
    }

    private static String paramName(ModelDefinition def, int index) {
        for (ModelDefinition.ParamSlice s : def.params()) {
            if (index >= s.offset() && index < s.offset() + s.size()) {
                return s.name() + "[" + (index - s.offset()) + "]";
            }
        }
        return "param[" + index + "]";
    }

    private static void assertClose(String what, double expected, double got) {
        assertTrue(Math.abs(expected - got) <= ATOL + RTOL * Math.abs(expected),
                what + ": engine " + got + ", finite difference " + expected);
    }

    /** Uniform values in (-scale, scale), rounded to multiples of 2^-12 so float and double inputs agree exactly. */
    static float[] randomFloats(SplittableRandom rng, int len, double scale) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (Math.rint((2 * rng.nextDouble() - 1) * scale * 4096) / 4096);
        }
        return a;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
