package org.sparkcnn.engine;

import static org.sparkcnn.engine.Bits.assertBits;
import static org.sparkcnn.engine.Bits.index;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.VectorSupport;

/**
 * Inference with activations channels-last between the layers that take them ({@link ChannelsLastPlan}) gives
 * the bits of inference on planes: the outputs, every activation read afterwards (turned back into planes), and
 * a backward run after it. On the shipped ResNets and on graphs where channels-last activations meet layers that
 * need planes (a dropout, an add of both orders, a concat, pooling, a flatten). A replica made for inference only, whose
 * batch norms (and adds after them) run inside the convolutions before them, gives the same outputs and trains as any.
 */
class ChannelsLastInferenceTest {

    @Test
    void resnet20() throws IOException {
        ModelDefinition def = ModelDefinition.load("resnet20");
        Network rows = compare(def, 6);
        // every batch norm and every add runs inside a convolution: stage 1 on planes at 16 lanes, the rest on rows
        Network fused = fused(def);
        for (int i = 0; i < def.layers().size(); i++) {
            String type = def.layers().get(i).type();
            boolean expected = VectorSupport.AVAILABLE && (type.equals("batchnorm2d") || type.equals("add"));
            assertEquals(expected, fused.inConvolutionInInference(i), def.describe(i));
        }
        // from stage 2 on every node but the pooling and the classifier keeps rows wherever there are vectors (32 and 64
        // channels fill pairs of them at every width); stage 1's 16 channels where they fill a pair (8 lanes or fewer);
        // the stem, whose convolution reads one channel, never
        for (int i = 0; i < def.layers().size(); i++) {
            String node = def.layers().get(i).name();
            boolean expected = VectorSupport.AVAILABLE && (node.startsWith("s2") || node.startsWith("s3")
                    || node.startsWith("s1") && VectorSupport.lanes() <= 8);
            assertEquals(expected, rows.channelsLastInInference(i), node);
        }
    }

    @Test
    void resnet8() throws IOException {
        compare(ModelDefinition.load("resnet8"), 3);
    }

    /**
     * Channels-last activations meeting layers that need planes: a dropout, adds of both orders, a concat, a
     * max pool, a flatten; 1x1 convolutions at strides 1 and 2 reading planes and writing rows.
     */
    @Test
    void channelsLastMeetsPlanes() {
        ModelDefinition def = ModelDefinition.fromJson("""
                {"format": "sparkcnn-model/2", "name": "meet", "input": [3, 8, 8], "nodes": [
                  {"name": "conv1", "type": "conv2d", "out_channels": 32, "kernel": 3, "padding": 1},
                  {"name": "bn1", "type": "batchnorm2d"},
                  {"name": "r1", "type": "relu"},
                  {"name": "conv2", "type": "conv2d", "out_channels": 32, "kernel": 3, "padding": 1, "bias": false},
                  {"name": "drop", "type": "dropout", "p": 0.5},
                  {"name": "mix", "type": "add", "inputs": ["conv2", "drop"]},
                  {"name": "up", "type": "conv2d", "out_channels": 32, "kernel": 1, "inputs": ["r1"]},
                  {"name": "sum", "type": "add", "inputs": ["mix", "up"]},
                  {"name": "cat", "type": "concat", "inputs": ["sum", "r1"]},
                  {"name": "conv3", "type": "conv2d", "out_channels": 64, "kernel": 3, "padding": 1},
                  {"name": "pool", "type": "maxpool2d", "kernel": 2, "stride": 2},
                  {"name": "down", "type": "conv2d", "out_channels": 64, "kernel": 1, "stride": 2, "inputs": ["drop"]},
                  {"name": "bnd", "type": "batchnorm2d"},
                  {"name": "join", "type": "add", "inputs": ["pool", "bnd"]},
                  {"name": "conv4", "type": "conv2d", "out_channels": 64, "kernel": 3, "padding": 1},
                  {"name": "t", "type": "tanh"},
                  {"name": "flat", "type": "flatten"}],
                 "loss": {"type": "mse"}}""");
        Network rows = compare(def, 4);
        if (VectorSupport.AVAILABLE) {
            // bn1 (and its ReLU) in conv1, on planes; bnd and join in down (pool runs before it); conv2 feeds two nodes
            Network fused = fused(def);
            for (int i = 0; i < def.layers().size(); i++) {
                String node = def.layers().get(i).name();
                assertEquals(node.equals("bn1") || node.equals("bnd") || node.equals("join"),
                        fused.inConvolutionInInference(i), node);
            }
            // up: 1x1 at stride 1, a "same" layer, from planes through its frame; down: 1x1 at stride 2, im2col's planes turned
            for (String node : new String[]{"conv2", "mix", "up", "sum", "down", "bnd", "join", "conv4", "t"}) {
                assertTrue(rows.channelsLastInInference(index(def, node)), node);
            }
            // conv1 reads 3 channels; conv3's one consumer takes planes
            for (String node : new String[]{"conv1", "bn1", "r1", "drop", "cat", "conv3", "pool", "flat"}) {
                assertFalse(rows.channelsLastInInference(index(def, node)), node);
            }
        }
    }

    /** An add of the network's input (planes) and a batch norm's rows stays on planes. */
    @Test
    void anAddOfTheNetworkInput() {
        ModelDefinition def = ModelDefinition.fromJson("""
                {"format": "sparkcnn-model/2", "name": "skip", "input": [32, 8, 8], "nodes": [
                  {"name": "conv", "type": "conv2d", "out_channels": 32, "kernel": 3, "padding": 1},
                  {"name": "bn", "type": "batchnorm2d"},
                  {"name": "sum", "type": "add", "inputs": ["input", "bn"]},
                  {"name": "gap", "type": "global_avgpool2d"},
                  {"name": "fc", "type": "dense", "out_features": 3}],
                 "loss": {"type": "softmax_cross_entropy"}}""");
        Network rows = compare(def, 3);
        assertEquals(VectorSupport.AVAILABLE, rows.channelsLastInInference(index(def, "bn")));
        assertFalse(rows.channelsLastInInference(index(def, "sum")));
        // bn runs in conv, on rows; the add (on planes) on its own
        assertEquals(VectorSupport.AVAILABLE, fused(def).inConvolutionInInference(index(def, "bn")));
        assertFalse(fused(def).inConvolutionInInference(index(def, "sum")));
    }

    /**
     * Which nodes run inside a convolution: an add of the network's input on planes (c1 and c0 stay on planes: 6 input
     * channels fill no vector), a batch norm feeding two adds (only its own convolution takes it), and an add of an add
     * run so (s3, on its own).
     */
    @Test
    void chainedAddsAndAnAddOfTheInput() {
        ModelDefinition def = ModelDefinition.fromJson("""
                {"format": "sparkcnn-model/2", "name": "chained", "input": [6, 8, 8], "nodes": [
                  {"name": "c1", "type": "conv2d", "out_channels": 6, "kernel": 3, "padding": 1},
                  {"name": "b1", "type": "batchnorm2d"},
                  {"name": "s1", "type": "add", "inputs": ["input", "b1"]},
                  {"name": "r1", "type": "relu"},
                  {"name": "c0", "type": "conv2d", "out_channels": 32, "kernel": 1},
                  {"name": "b0", "type": "batchnorm2d"},
                  {"name": "r0", "type": "relu"},
                  {"name": "c2", "type": "conv2d", "out_channels": 32, "kernel": 1, "inputs": ["r0"]},
                  {"name": "b2", "type": "batchnorm2d"},
                  {"name": "c3", "type": "conv2d", "out_channels": 32, "kernel": 3, "padding": 1, "inputs": ["r0"]},
                  {"name": "b3", "type": "batchnorm2d"},
                  {"name": "s2", "type": "add", "inputs": ["b3", "b2"]},
                  {"name": "s3", "type": "add", "inputs": ["s2", "b2"]},
                  {"name": "r3", "type": "relu"},
                  {"name": "gap", "type": "global_avgpool2d"},
                  {"name": "fc", "type": "dense", "out_features": 3}],
                 "loss": {"type": "softmax_cross_entropy"}}""");
        Network rows = compare(def, 3);
        Network fused = fused(def);
        for (int i = 0; i < def.layers().size(); i++) {
            String node = def.layers().get(i).name();
            assertEquals(VectorSupport.AVAILABLE && java.util.Set.of("b1", "s1", "b0", "b2", "b3", "s2").contains(node),
                    fused.inConvolutionInInference(i), node);
            assertEquals(VectorSupport.AVAILABLE && java.util.Set.of("c2", "b2", "c3", "b3", "s2", "s3", "r3").contains(node),
                    rows.channelsLastInInference(i), node + " keeps rows");
        }
    }

    private static Network fused(ModelDefinition def) {
        return new Network(def, 2, true, true, true);
    }

    /**
     * Inference on planes and channels-last from the same state (replicas for two examples more than the batch), then
     * every activation, a backward after it, and a training step after that.
     */
    private static Network compare(ModelDefinition def, int n) {
        SplittableRandom rng = new SplittableRandom(11);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 5);
        float[] buffers = def.initialBuffers();  // running means about 0, variances 0.5 to 1.5: every float moves, the signal lives
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = buffers[i] == 0f ? (float) (0.1 * rng.nextGaussian()) : (float) (0.5 + rng.nextDouble());
        }
        float[] x = new float[n * def.inputShape().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        Network rows = new Network(def, n + 2, true, true, false), planes = new Network(def, n + 2, true, false, false);
        int k = def.outputSize();
        float[] expected = Arrays.copyOf(planes.forward(params, buffers, x, n, Pass.INFERENCE), n * k);
        float[] got = Arrays.copyOf(rows.forward(params, buffers, x, n, Pass.INFERENCE), n * k);
        assertBits(expected, got, def.name() + ": inference outputs");
        Network fused = new Network(def, n + 2, true, true, true);
        assertBits(expected, Arrays.copyOf(fused.forward(params, buffers, x, n, Pass.INFERENCE), n * k),
                def.name() + ": inference outputs, batch norms run inside the convolutions");
        boolean anyFused = false;
        for (int i = 0; i < def.layers().size(); i++) {
            anyFused |= fused.inConvolutionInInference(i);
        }
        if (anyFused) {  // what it did not keep cannot be read, nor backpropagated
            assertThrows(IllegalStateException.class, () -> fused.activation(0));
            assertThrows(IllegalStateException.class, () -> fused.backward(params, new float[def.paramCount()], new float[n * k], true));
        }
        assertFalse(Arrays.equals(Arrays.copyOf(expected, k), Arrays.copyOfRange(expected, k, 2 * k)),
                def.name() + ": the examples' outputs differ (the inputs reach them)");
        for (int i = 0; i < def.layers().size(); i++) {
            assertFalse(planes.channelsLastInInference(i));
            if (planes.activation(i) != null) {
                int len = n * def.nodeOutputShape(i).size();
                assertBits(Arrays.copyOf(planes.activation(i), len), Arrays.copyOf(rows.activation(i), len),
                        def.name() + ": output of " + def.describe(i) + " read after inference");
            }
        }
        rows.forward(params, buffers, x, n, Pass.INFERENCE);  // again: a backward turns its activations back itself
        float[] dout = new float[n * k];
        for (int i = 0; i < dout.length; i++) {
            dout[i] = (float) rng.nextGaussian();
        }
        float[] gRows = new float[def.paramCount()], gPlanes = new float[def.paramCount()];
        float[] dxPlanes = planes.backward(params, gPlanes, dout, true).clone(), dxRows = rows.backward(params, gRows, dout, true);
        assertBits(gPlanes, gRows, def.name() + ": parameter gradients after inference");
        assertBits(Arrays.copyOf(dxPlanes, x.length), Arrays.copyOf(dxRows, x.length), def.name() + ": input gradient after inference");
        rows.forward(params, buffers, x, n, Pass.INFERENCE);  // then training on planes: nothing of the inference left over
        int[] labels = new int[n];
        float[] bufRows = buffers.clone(), bufPlanes = buffers.clone(), targets = def.loss().usesLabels() ? null : dout;
        Arrays.fill(gRows, 0f);
        Arrays.fill(gPlanes, 0f);
        rows.lossAndGradient(params, bufRows, gRows, x, labels, targets, n, n, Pass.training(1, 0, n));
        planes.lossAndGradient(params, bufPlanes, gPlanes, x, labels, targets, n, n, Pass.training(1, 0, n));
        assertBits(gPlanes, gRows, def.name() + ": a training step after inference");
        assertBits(bufPlanes, bufRows, def.name() + ": running statistics after it");
        float[] gFused = new float[def.paramCount()], bufFused = buffers.clone();
        fused.lossAndGradient(params, bufFused, gFused, x, labels, targets, n, n, Pass.training(1, 0, n));
        assertBits(gPlanes, gFused, def.name() + ": a training step after inference, batch norms run inside the convolutions");
        assertBits(bufPlanes, bufFused, def.name() + ": running statistics after it, batch norms run inside the convolutions");
        float[] again = fused.forward(params, bufPlanes, x, n, Pass.INFERENCE);
        assertBits(Arrays.copyOf(planes.forward(params, bufPlanes, x, n, Pass.INFERENCE), n * k), Arrays.copyOf(again, n * k),
                def.name() + ": inference after training, batch norms run inside the convolutions");
        return rows;
    }
}
