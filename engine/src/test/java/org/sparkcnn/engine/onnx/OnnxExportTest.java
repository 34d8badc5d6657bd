package org.sparkcnn.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.layers.Conv2d;
import org.sparkcnn.engine.ops.LossOps;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.layers.Pool2d;
import org.sparkcnn.engine.optim.Sgd;

/**
 * Every shipped model (the ResNets included), and models using every chain layer type, exported to ONNX
 * after a few training steps and run by ONNX Runtime on 100 random inputs: the logits agree with the
 * engine's inference forward within 1e-4, the argmax always, and the probabilities are the softmax of
 * the logits. Graph models with random running statistics: {@link OnnxGraphExportTest}.
 */
class OnnxExportTest {

    static final int INPUTS = 100;

    /** Every layer type and option the engine has, on RGB input with per-channel normalization. */
    static ModelDefinition allLayers() {
        return ModelDefinition.builder("all-layers", new Shape(3, 12, 12))
                .add(new Conv2d("conv_same", 3, 6, 3, 3, 1, 1, 1, 1, true))
                .add(new Pool2d("avg_with_pad", false, 3, 3, 1, 1, 1, 1, true)).tanh()
                .add(new Conv2d("conv_stride2_nobias", 6, 8, 3, 2, 2, 1, 0, 1, false))
                .add(new Pool2d("avg_without_pad", false, 2, 2, 2, 2, 1, 1, false)).leakyRelu(0.1f)
                .add(new Pool2d("max_with_pad", true, 3, 3, 2, 2, 1, 1, true)).sigmoid()
                .flatten().dense("fc1", 20).relu().dropout(0.3f).dense("fc2", 7)
                .build(Loss.SOFTMAX_CROSS_ENTROPY);
    }

    /** A dense layer straight after a 1x1 spatial output (no flatten), and an MSE loss (no probabilities). */
    static ModelDefinition denseAfterConvMse() {
        return ModelDefinition.builder("dense-after-1x1", new Shape(2, 5, 5))
                .conv2d("conv", 4, 5, 1, 0).relu().dense("out", 3)
                .build(Loss.mse(true));
    }

    static Stream<Arguments> models() throws IOException {
        List<Arguments> all = new ArrayList<>();
        for (String name : ModelDefinition.shippedModels()) {
            all.add(Arguments.of(name, ModelDefinition.load(name)));
        }
        all.add(Arguments.of("all-layers", allLayers()));
        all.add(Arguments.of("dense-after-1x1", denseAfterConvMse()));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void onnxRuntimeAgreesWithTheEngine(String name, ModelDefinition def) throws IOException, OrtException {
        SplittableRandom rng = new SplittableRandom(name.hashCode());
        Normalization norm = perChannel(def.inputShape());
        float[] buffers = def.initialBuffers();
        float[] params = trainAFewSteps(def, buffers, norm, rng);
        assertOnnxRuntimeAgrees(name, def, params, buffers, norm, rng);
    }

    /** Means 0.2, 0.3, ... and standard deviations 0.3, 0.35, ... per channel. */
    static Normalization perChannel(Shape in) {
        float[] mean = new float[in.channels()], std = new float[in.channels()];
        for (int c = 0; c < in.channels(); c++) {
            mean[c] = 0.2f + 0.1f * c;
            std[c] = 0.3f + 0.05f * c;
        }
        return new Normalization(mean, std);
    }

    /**
     * Exports the model and runs it in ONNX Runtime on {@link #INPUTS} random inputs: the logits agree with the
     * engine's inference forward (with the state {@code buffers}) within 1e-4, the argmax always, and the
     * probabilities are the softmax of the logits. Returns the ONNX model.
     */
    static byte[] assertOnnxRuntimeAgrees(String name, ModelDefinition def, float[] params, float[] buffers,
                                          Normalization norm, SplittableRandom rng) throws IOException, OrtException {
        Shape in = def.inputShape();
        int size = in.size(), k = def.outputSize();
        ByteArrayOutputStream onnx = new ByteArrayOutputStream();
        OnnxExport.write(new ModelFile.SavedModel(def, params, norm, Map.of("seed", "1"), buffers), onnx);

        float[] x = new float[INPUTS * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        float[] normalized = x.clone();
        norm.apply(normalized, 0, INPUTS, in);
        float[] expected = def.newNetwork(INPUTS).forward(params, buffers, normalized, INPUTS, Pass.INFERENCE);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx.toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x),
                     new long[]{INPUTS, in.channels(), in.height(), in.width()});
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            float[][] logits = (float[][]) result.get(OnnxExport.LOGITS).orElseThrow().getValue();
            assertEquals(INPUTS, logits.length);
            double maxDiff = 0;
            for (int i = 0; i < INPUTS; i++) {
                assertEquals(k, logits[i].length);
                for (int j = 0; j < k; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(logits[i][j] - expected[i * k + j]));
                }
                assertEquals(LossOps.argmax(expected, i * k, k), LossOps.argmax(logits[i], 0, k), name + ": argmax of input " + i);
            }
            assertTrue(maxDiff <= 1e-4, name + ": max |logit difference| " + maxDiff);
            if (def.loss().usesLabels()) {
                float[][] probabilities = (float[][]) result.get(OnnxExport.PROBABILITIES).orElseThrow().getValue();
                for (int i = 0; i < INPUTS; i++) {
                    double[] softmax = softmax(logits[i]);
                    for (int j = 0; j < k; j++) {
                        assertEquals(softmax[j], probabilities[i][j], 1e-6);
                    }
                }
            } else {
                assertTrue(result.get(OnnxExport.PROBABILITIES).isEmpty(), "no probabilities for a regression model");
            }
            assertArrayEquals(new String[]{OnnxExport.INPUT}, session.getInputNames().toArray(new String[0]));
        }
        return onnx.toByteArray();
    }

    /** A few SGD steps on random data, so the weights (and the running statistics in {@code buffers}) are not the initial ones. */
    private static float[] trainAFewSteps(ModelDefinition def, float[] buffers, Normalization norm, SplittableRandom rng) {
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 7);
        int n = 8, size = def.inputShape().size(), k = def.outputSize();
        Network net = def.newNetwork(n);
        Sgd sgd = new Sgd(params.length, 0.9, 0, false, 0);
        float[] grads = new float[params.length];
        for (int step = 0; step < 3; step++) {
            float[] x = new float[n * size];
            int[] labels = new int[n];
            float[] targets = new float[n * k];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextDouble();
            }
            for (int i = 0; i < n; i++) {
                labels[i] = rng.nextInt(k);
                targets[i * k + labels[i]] = 1;
            }
            norm.apply(x, 0, n, def.inputShape());
            java.util.Arrays.fill(grads, 0f);
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = (long) step * n + i;
            }
            net.lossAndGradient(params, buffers, grads, x, labels, targets, n, n, new Pass(true, 7, step, ids));
            sgd.step(params, grads, 0.05);
        }
        return params;
    }

    static double[] softmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            p[j] = Math.exp(z[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < z.length; j++) {
            p[j] /= sum;
        }
        return p;
    }
}
