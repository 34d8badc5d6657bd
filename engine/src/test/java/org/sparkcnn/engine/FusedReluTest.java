package org.sparkcnn.engine;

import static org.sparkcnn.engine.Bits.assertBits;
import static org.sparkcnn.engine.Bits.index;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.Pass;

/**
 * A ReLU run inside the batch norm or add before it (Network's fusion) gives the bits of the two
 * layers run one after the other: every activation (but the fused node's own output, which is not
 * kept), the loss, the parameter and input gradients and the running statistics, in training and in
 * inference, for a graph (resnet8) and a chain.
 */
class FusedReluTest {

    private static final ModelDefinition CHAIN = ModelDefinition.builder("chain", new Shape(2, 6, 6))
            .conv2d("conv1", 3, 3, 1, 1).add(new BatchNorm2d("bn1", 3, 1e-5, 0.1)).relu()
            .conv2d("conv2", 4, 3, 1, 1).add(new BatchNorm2d("bn2", 4, 1e-5, 0.1)).relu().flatten()
            .dense("fc", 5).build(Loss.SOFTMAX_CROSS_ENTROPY);

    @Test
    void resnet8FusedMatchesUnfusedBitForBit() throws IOException {
        ModelDefinition def = ModelDefinition.load("resnet8");
        Network fused = new Network(def, 5), plain = new Network(def, 5, false, true, false);
        int bnRelu = index(def, "s1b1_relu1"), addRelu = index(def, "s1b1_relu2");
        assertTrue(fused.runsInProducer(bnRelu) && fused.runsInProducer(addRelu), "both kinds of ReLU run inside their producer");
        assertFalse(plain.runsInProducer(bnRelu) || plain.runsInProducer(addRelu));
        assertFalse(fused.runsInProducer(index(def, "s1b1_bn1")));
        compare(def, fused, plain, 5, null);
    }

    @Test
    void chainFusedMatchesUnfusedBitForBit() {
        Network fused = new Network(CHAIN, 4), plain = new Network(CHAIN, 4, false, true, false);
        assertTrue(fused.runsInProducer(2) && fused.runsInProducer(5));
        compare(CHAIN, fused, plain, 4, null);
    }

    /**
     * bn1's channel 0 with gamma 0 and beta -0 puts out +0 and -0, where the ReLU's derivative is 0 too; its
     * channel 1 with gamma the least float and beta 0 puts out doubles above 0 that round to +0 (masked), and
     * the least float itself (passed).
     */
    @Test
    void zerosOutOfTheBatchNormAreMaskedAsTheReluMasksThem() {
        int gamma = CHAIN.layerParamOffset(1), beta = gamma + 3;
        compare(CHAIN, new Network(CHAIN, 4), new Network(CHAIN, 4, false, true, false), 4, p -> {
            p[gamma] = 0f;
            p[beta] = -0f;
            p[gamma + 1] = Float.MIN_VALUE;
            p[beta + 1] = 0f;
        });
    }

    /** A batch norm whose output also feeds an add keeps its ReLU apart; the ReLU after the add runs inside it. */
    @Test
    void aBatchNormWithTwoConsumersIsNotFused() {
        ModelDefinition def = ModelDefinition.fromJson("""
                {"format": "sparkcnn-model/2", "name": "fan", "input": [2, 6, 6], "nodes": [
                  {"name": "conv1", "type": "conv2d", "out_channels": 3, "kernel": 3, "padding": 1, "bias": false},
                  {"name": "bn1", "type": "batchnorm2d"},
                  {"name": "r1", "type": "relu"},
                  {"name": "sum", "type": "add", "inputs": ["r1", "bn1"]},
                  {"name": "r2", "type": "relu"},
                  {"name": "gap", "type": "global_avgpool2d"},
                  {"name": "fc", "type": "dense", "out_features": 4}],
                 "loss": {"type": "softmax_cross_entropy"}}""");
        Network fused = new Network(def, 4), plain = new Network(def, 4, false, true, false);
        assertFalse(fused.runsInProducer(index(def, "r1")), "bn1 feeds r1 and sum");
        assertTrue(fused.runsInProducer(index(def, "r2")));
        compare(def, fused, plain, 4, null);
    }

    /** Three training steps (the weights moving in between), then inference and a backward after it. */
    private static void compare(ModelDefinition def, Network fused, Network plain, int n,
                                Consumer<float[]> edit) {
        SplittableRandom rng = new SplittableRandom(7);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 3);
        if (edit != null) {
            edit.accept(params);
        }
        float[] bufF = def.initialBuffers(), bufP = def.initialBuffers();
        int size = def.inputShape().size();
        float[] x = new float[n * size];
        int[] labels = new int[n];
        for (int step = 0; step < 3; step++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextGaussian();
            }
            for (int i = 0; i < n; i++) {
                labels[i] = rng.nextInt(def.outputSize());
            }
            float[] gF = new float[def.paramCount()], gP = new float[def.paramCount()];
            double lossF = fused.lossAndGradient(params, bufF, gF, x, labels, null, n, n, Pass.training(1, step, n));
            double lossP = plain.lossAndGradient(params, bufP, gP, x, labels, null, n, n, Pass.training(1, step, n));
            assertEquals(Double.doubleToRawLongBits(lossP), Double.doubleToRawLongBits(lossF), "loss, step " + step);
            assertBits(gP, gF, "parameter gradients, step " + step);
            assertBits(bufP, bufF, "running statistics, step " + step);
            assertActivations(def, fused, plain, n, "training step " + step);
            boolean nonZero = false;
            for (int i = 0; i < gF.length; i++) {
                nonZero |= gF[i] != 0f;
                params[i] -= 0.5f * gF[i];
            }
            assertTrue(nonZero, "the gradients are not all zero");
        }
        fused.forward(params, bufF, x, n, Pass.INFERENCE);
        plain.forward(params, bufP, x, n, Pass.INFERENCE);
        assertActivations(def, fused, plain, n, "inference");
        float[] dout = new float[n * def.outputSize()];
        for (int i = 0; i < dout.length; i++) {
            dout[i] = (float) rng.nextGaussian();
        }
        float[] gF = new float[def.paramCount()], gP = new float[def.paramCount()];
        float[] dxF = fused.backward(params, gF, dout, true).clone(), dxP = plain.backward(params, gP, dout, true);
        assertBits(gP, gF, "parameter gradients after inference");
        assertBits(Arrays.copyOf(dxP, n * size), Arrays.copyOf(dxF, n * size), "input gradient after inference");
    }

    private static void assertActivations(ModelDefinition def, Network fused, Network plain, int n, String when) {
        for (int i = 0; i < def.layers().size(); i++) {
            int len = n * def.nodeOutputShape(i).size();
            boolean hasFusedRelu = i + 1 < def.layers().size() && fused.runsInProducer(i + 1)
                    && def.nodeInputs(i + 1)[0] == i;
            assertEquals(hasFusedRelu, fused.activation(i) == null, "only a node whose ReLU runs inside it keeps no output: "
                    + def.describe(i));
            if (hasFusedRelu) {
                continue;
            }
            assertBits(Arrays.copyOf(plain.activation(i), len), Arrays.copyOf(fused.activation(i), len),
                    when + ": output of " + def.describe(i));
        }
    }
}
