package org.sparkcnn.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.layers.Loss;

/**
 * Graph models in ONNX: a small residual batch-norm graph (conv without bias, a three-input add, fan-out,
 * concat, global average pooling, an add of a dense output and a pooled one) and resnet8, with random
 * weights and trained-looking running statistics, run by ONNX Runtime and compared with the engine's
 * inference forward as {@link OnnxExportTest} does (logits within 1e-4, the same argmax).
 */
class OnnxGraphExportTest {

    static final String RESIDUAL = """
            {"format": "sparkcnn-model/2", "name": "residual-bn", "input": [3, 10, 10], "nodes": [
              {"name": "stem", "type": "conv2d", "out_channels": 6, "kernel": 3, "padding": 1, "bias": false},
              {"name": "bn1", "type": "batchnorm2d", "eps": 0.001},
              {"name": "r1", "type": "relu"},
              {"name": "conv_a", "type": "conv2d", "out_channels": 6, "kernel": 3, "padding": 1, "bias": false},
              {"name": "bn_a", "type": "batchnorm2d"},
              {"name": "sum", "type": "add", "inputs": ["bn_a", "r1", "bn1"]},
              {"name": "r2", "type": "relu"},
              {"name": "conv_b", "type": "conv2d", "inputs": ["r1"], "out_channels": 4, "kernel": 1},
              {"name": "cat", "type": "concat", "inputs": ["r2", "conv_b"]},
              {"name": "bn_c", "type": "batchnorm2d"},
              {"name": "pool", "type": "maxpool2d", "kernel": 2},
              {"name": "gap", "type": "global_avgpool2d"},
              {"name": "fc1", "type": "dense", "out_features": 10},
              {"name": "skip", "type": "add", "inputs": ["fc1", "gap"]},
              {"name": "fc2", "type": "dense", "out_features": 5}],
             "loss": {"type": "softmax_cross_entropy"}}""";

    @Test
    void residualBatchNormGraphAgreesWithOnnxRuntime() throws IOException, OrtException {
        ModelDefinition def = ModelDefinition.fromJson(RESIDUAL);
        SplittableRandom rng = new SplittableRandom(11);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 5);
        float[] buffers = def.initialBuffers();
        randomizeBatchNorm(def, params, buffers, rng);
        ModelProto m = ModelProto.parseFrom(OnnxExportTest.assertOnnxRuntimeAgrees("residual-bn", def, params, buffers,
                OnnxExportTest.perChannel(def.inputShape()), rng));

        // sum (3 inputs) is two binary Adds, skip one; the pooled input of skip is flattened to match fc1's N x 10
        assertEquals(Map.of("Add", 3, "BatchNormalization", 3, "Concat", 1, "Conv", 3, "Div", 1, "Flatten", 2,
                "Gemm", 2, "GlobalAveragePool", 1, "MaxPool", 1, "Relu", 2), opCounts(m, "Sub", "Softmax"));
        NodeProto stem = node(m, "layer1_stem"), convB = node(m, "layer8_conv_b");
        assertEquals(2, stem.getInputCount(), "conv without bias: X and W only");
        assertEquals(3, convB.getInputCount(), "conv with bias: X, W and B");
        NodeProto bn1 = node(m, "layer2_bn1");
        assertEquals(1e-3f, attribute(bn1, "epsilon").getF());
        assertEquals(0.9f, attribute(bn1, "momentum").getF(), 1e-7f);  // ONNX's momentum is 1 - PyTorch's 0.1
        assertArrayEquals(slice(buffers, def.buffer("bn1.running_var")), initializer(m, bn1.getInput(4)));
        assertArrayEquals(slice(buffers, def.buffer("bn1.running_mean")), initializer(m, bn1.getInput(3)));
        assertEquals(List.of("layer5_bn_a", "layer3_r1"), node(m, "layer6_sum_1").getInputList());
        assertEquals(List.of("layer6_sum_1", "layer2_bn1"), node(m, "layer6_sum").getInputList());
        assertEquals(List.of("layer13_fc1", "layer14_skip_flatten1"), node(m, "layer14_skip").getInputList());
        assertEquals(ModelFile.sha256(buffers), metadata(m).get("buffers_sha256"));
    }

    @Test
    void resnet8WithRandomWeightsAndStatisticsAgreesWithOnnxRuntime() throws IOException, OrtException {
        ModelDefinition def = ModelDefinition.load("resnet8");
        SplittableRandom rng = new SplittableRandom(8);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 3);
        float[] buffers = def.initialBuffers();
        randomizeBatchNorm(def, params, buffers, rng);
        ModelProto m = ModelProto.parseFrom(OnnxExportTest.assertOnnxRuntimeAgrees("resnet8", def, params, buffers,
                new Normalization(new float[]{0.2860f}, new float[]{0.3530f}), rng));

        // 9 convolutions (7 3x3, 2 1x1 projections), each followed by a batch norm; 3 residual adds
        assertEquals(Map.of("Add", 3, "BatchNormalization", 9, "Conv", 9, "Div", 1, "Flatten", 1, "Gemm", 1,
                "GlobalAveragePool", 1, "Relu", 7), opCounts(m, "Sub", "Softmax"));
        for (NodeProto n : m.getGraph().getNodeList()) {
            if (n.getOpType().equals("Conv")) {
                assertEquals(2, n.getInputCount(), n.getName() + ": no bias input");
            }
        }
        // 29 parameter tensors and 2 x 9 running statistics, plus the normalization's mean and std
        assertEquals(29 + 18 + 2, m.getGraph().getInitializerCount());
    }

    @Test
    void aSpatialNodeAfterFlatteningIsRefusedNamingIt() {
        ModelDefinition def = ModelDefinition.builder("dense-then-conv", new Shape(2, 4, 4))
                .flatten().dense("d", 6).conv2d("c", 3, 1, 1, 0).build(Loss.SOFTMAX_CROSS_ENTROPY);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
        String msg = assertThrows(IllegalArgumentException.class, () -> OnnxExport.model(
                new ModelFile.SavedModel(def, params, Normalization.IDENTITY, Map.of()))).getMessage();
        assertTrue(msg.startsWith("layer 3 (conv2d 'c'): takes an N x C x H x W input"), msg);
    }

    /** Batch norm parameters and statistics away from their initial 1/0 and 0/1, as after training. */
    static void randomizeBatchNorm(ModelDefinition def, float[] params, float[] buffers, SplittableRandom rng) {
        for (ModelDefinition.ParamSlice s : def.params()) {
            String t = s.tensor().name();
            if (!t.equals("gamma") && !t.equals("beta")) {
                continue;
            }
            for (int i = s.offset(); i < s.offset() + s.size(); i++) {
                params[i] = (float) (t.equals("gamma") ? rng.nextDouble(0.5, 1.5) : rng.nextDouble(-0.5, 0.5));
            }
        }
        for (ModelDefinition.ParamSlice s : def.buffers()) {
            boolean var = s.tensor().name().equals("running_var");
            for (int i = s.offset(); i < s.offset() + s.size(); i++) {
                buffers[i] = (float) (var ? rng.nextDouble(0.3, 2.5) : rng.nextDouble(-0.5, 0.5));
            }
        }
    }

    /** How many nodes of each op type, leaving out {@code ignored}. */
    static Map<String, Integer> opCounts(ModelProto m, String... ignored) {
        Map<String, Integer> counts = new TreeMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            if (!List.of(ignored).contains(n.getOpType())) {
                counts.merge(n.getOpType(), 1, Integer::sum);
            }
        }
        return counts;
    }

    static NodeProto node(ModelProto m, String name) {
        return m.getGraph().getNodeList().stream().filter(n -> n.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no ONNX node '" + name + "'"));
    }

    static OnnxMl.AttributeProto attribute(NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(n.getName() + " has no attribute '" + name + "'"));
    }

    static float[] initializer(ModelProto m, String name) {
        OnnxMl.TensorProto t = m.getGraph().getInitializerList().stream().filter(i -> i.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no initializer '" + name + "'"));
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[raw.remaining() / 4];
        raw.asFloatBuffer().get(f);
        return f;
    }

    static float[] slice(float[] a, ModelDefinition.ParamSlice s) {
        return java.util.Arrays.copyOfRange(a, s.offset(), s.offset() + s.size());
    }

    static Map<String, String> metadata(ModelProto m) {
        Map<String, String> md = new TreeMap<>();
        m.getMetadataPropsList().forEach(e -> md.put(e.getKey(), e.getValue()));
        return md;
    }
}
