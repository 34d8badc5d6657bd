package org.sparkcnn.engine.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.layers.Activation;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.Conv2d;
import org.sparkcnn.engine.layers.Dense;
import org.sparkcnn.engine.layers.Dropout;
import org.sparkcnn.engine.layers.Flatten;
import org.sparkcnn.engine.layers.GlobalAvgPool2d;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.Merge;
import org.sparkcnn.engine.layers.Pool2d;

/**
 * A trained model as an ONNX graph (opset 13), written with ONNX's generated protobuf classes.
 *
 * <p>Input {@code input}: float [batch, C, H, W], the pixel values as SparkCNN's readers produce them
 * (IDX bytes / 255). The model's normalization is the graph's first two nodes ({@code Sub} mean,
 * {@code Div} std, per channel), so a service feeds raw pixels. Outputs: {@code logits} [batch, K],
 * and for softmax cross-entropy models {@code probabilities} = Softmax(logits) beside it.
 *
 * <p>Layers map one to one: conv2d to Conv (weights [O, C, kh, kw], as the engine stores them),
 * maxpool2d to MaxPool, avgpool2d to AveragePool (with count_include_pad), relu/leaky_relu/sigmoid/
 * tanh to Relu/LeakyRelu/Sigmoid/Tanh, flatten to Flatten, dense to Gemm with transB = 1 (the engine
 * stores W as [out, in]; y = x W^T + b), dropout to Identity (inference). Graph models too: add to
 * binary Adds in input order, concat to Concat (axis 1), batchnorm2d to BatchNormalization in inference
 * mode with the saved running statistics (the model file's state buffers) and the node's eps,
 * global_avgpool2d to GlobalAveragePool; a conv2d without bias to Conv with two inputs. A chain exports
 * exactly as before graphs were supported.
 */
public final class OnnxExport {

    public static final int OPSET = 13;
    /** The IR version that goes with opset 13. */
    public static final int IR_VERSION = 7;
    public static final String INPUT = "input";
    public static final String LOGITS = "logits";
    public static final String PROBABILITIES = "probabilities";

    private OnnxExport() {
    }

    /** Writes {@link #model} to {@code out}. */
    public static void write(ModelFile.SavedModel model, OutputStream out) throws IOException {
        model(model).writeTo(out);
    }

    /** The ONNX model of a saved model: its definition, weights, state (running statistics) and normalization. */
    public static ModelProto model(ModelFile.SavedModel saved) {
        ModelDefinition def = saved.definition();
        float[] params = saved.params();
        if (params.length != def.paramCount()) {
            throw new IllegalArgumentException("model '" + def.name() + "' has " + def.paramCount() + " parameters but "
                    + params.length + " weights were given");
        }
        float[] buffers = saved.buffers();
        if (buffers.length != def.bufferCount()) {
            throw new IllegalArgumentException("model '" + def.name() + "' has " + def.bufferCount() + " values of state but "
                    + buffers.length + " were given");
        }
        Graph g = new Graph(def.name());
        Shape in = def.inputShape();
        g.input(INPUT, "batch", in.channels(), in.height(), in.width());
        String x = INPUT;
        Normalization norm = saved.normalization() == null ? Normalization.IDENTITY : saved.normalization();
        if (!norm.equals(Normalization.IDENTITY)) {
            int c = norm.mean().length;
            x = g.node("Sub", "normalize_sub", List.of(x, g.constant("normalization_mean", norm.mean(), 1, c, 1, 1)));
            x = g.node("Div", "normalize_div", List.of(x, g.constant("normalization_std", norm.std(), 1, c, 1, 1)));
        }
        int count = def.layers().size();
        // Each node's ONNX value and its rank: 4 (N, C, H, W) until a Flatten or Gemm makes it 2 (N, features).
        String[] values = new String[count];
        int[] ranks = new int[count];
        String networkInput = x;
        int rank = 4;
        for (int i = 0; i < count; i++) {
            Layer layer = def.layers().get(i);
            String name = "layer" + (i + 1) + "_" + layer.name();
            int[] producers = def.nodeInputs(i);
            x = producers[0] < 0 ? networkInput : values[producers[0]];
            rank = producers[0] < 0 ? 4 : ranks[producers[0]];
            Map<String, String> tensors = new HashMap<>();  // short name (w, b, gamma, running_var, ...) -> initializer
            for (ModelDefinition.ParamSlice s : def.params()) {
                if (s.layer() == i) {
                    tensors.put(s.tensor().name(), g.constant(name + "_" + s.name(),
                            Arrays.copyOfRange(params, s.offset(), s.offset() + s.size()), s.tensor().shape()));
                }
            }
            for (ModelDefinition.ParamSlice s : def.buffers()) {
                if (s.layer() == i) {
                    tensors.put(s.tensor().name(), g.constant(name + "_" + s.name(),
                            Arrays.copyOfRange(buffers, s.offset(), s.offset() + s.size()), s.tensor().shape()));
                }
            }
            String w = tensors.get("w"), b = tensors.get("b");
            List<String> inputs = new ArrayList<>(List.of(x));
            boolean spatial = layer instanceof Conv2d || layer instanceof Pool2d || layer instanceof BatchNorm2d
                    || layer instanceof GlobalAvgPool2d;
            if (spatial && rank != 4) {
                throw new IllegalArgumentException(def.describe(i) + ": takes an N x C x H x W input, but its input "
                        + def.nodeInputShape(i, 0) + " was flattened to N x features by an earlier flatten or dense; "
                        + "ONNX export does not reshape it back");
            }
            if (layer instanceof Merge merge) {
                List<String> ins = mergeInputs(g, name, producers, values, ranks, networkInput);
                int common = ranksOf(producers, ranks);
                rank = common < 0 ? 2 : common;
                if (merge.concat()) {
                    x = g.node("Concat", name, ins, integer("axis", 1));
                } else {  // binary Adds, ((x0 + x1) + x2) + ..., the engine's order
                    x = ins.get(0);
                    for (int s = 1; s < ins.size(); s++) {
                        x = g.node("Add", s == ins.size() - 1 ? name : name + "_" + s, List.of(x, ins.get(s)));
                    }
                }
            } else if (layer instanceof Conv2d conv) {
                inputs.add(w);
                if (b != null) {
                    inputs.add(b);
                }
                x = g.node("Conv", name, inputs, ints("kernel_shape", conv.kh(), conv.kw()),
                        ints("strides", conv.sh(), conv.sw()), ints("pads", conv.ph(), conv.pw(), conv.ph(), conv.pw()),
                        ints("dilations", 1, 1), integer("group", 1));
            } else if (layer instanceof BatchNorm2d bn) {
                inputs.addAll(List.of(tensors.get("gamma"), tensors.get("beta"), tensors.get("running_mean"),
                        tensors.get("running_var")));
                // Inference mode (opset 13 has no training_mode); ONNX's momentum weights the old running value: 1 - PyTorch's.
                x = g.node("BatchNormalization", name, inputs, floating("epsilon", (float) bn.eps()),
                        floating("momentum", (float) (1 - bn.momentum())));
            } else if (layer instanceof GlobalAvgPool2d) {
                x = g.node("GlobalAveragePool", name, inputs);  // N x C x 1 x 1, rank 4
            } else if (layer instanceof Pool2d pool) {
                List<AttributeProto> attrs = new ArrayList<>(List.of(ints("kernel_shape", pool.kh(), pool.kw()),
                        ints("strides", pool.sh(), pool.sw()), ints("pads", pool.ph(), pool.pw(), pool.ph(), pool.pw()),
                        integer("ceil_mode", 0)));
                if (!pool.max()) {
                    attrs.add(integer("count_include_pad", pool.countIncludePad() ? 1 : 0));
                }
                x = g.node(pool.max() ? "MaxPool" : "AveragePool", name, inputs, attrs.toArray(new AttributeProto[0]));
            } else if (layer instanceof Activation act) {
                x = switch (act.function()) {
                    case RELU -> g.node("Relu", name, inputs);
                    case LEAKY_RELU -> g.node("LeakyRelu", name, inputs, floating("alpha", act.slope()));
                    case SIGMOID -> g.node("Sigmoid", name, inputs);
                    case TANH -> g.node("Tanh", name, inputs);
                };
            } else if (layer instanceof Flatten) {
                x = g.node("Flatten", name, inputs, integer("axis", 1));
                rank = 2;
            } else if (layer instanceof Dense) {
                if (rank == 4) {  // a dense layer after a 1x1 spatial output: Gemm needs a matrix
                    x = g.node("Flatten", name + "_flatten", inputs, integer("axis", 1));
                    rank = 2;
                }
                List<String> gemm = new ArrayList<>(List.of(x, w));
                if (b != null) {
                    gemm.add(b);
                }
                x = g.node("Gemm", name, gemm, integer("transB", 1));
            } else if (layer instanceof Dropout) {
                x = g.node("Identity", name, inputs);
            } else {
                throw new IllegalArgumentException(def.describe(i) + ": type " + layer.type() + " has no ONNX mapping");
            }
            values[i] = x;
            ranks[i] = rank;
        }
        if (rank == 4) {
            x = g.node("Flatten", "output_flatten", List.of(x), integer("axis", 1));
        }
        int k = def.outputSize();
        g.rename(x, LOGITS);
        g.output(LOGITS, "batch", k);
        if (def.loss().usesLabels()) {
            g.node("Softmax", PROBABILITIES, List.of(LOGITS), List.of(PROBABILITIES), integer("axis", 1));
            g.output(PROBABILITIES, "batch", k);
        }
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("SparkCNN")
                .setProducerVersion(String.valueOf(ModelFile.VERSION))
                .setModelVersion(1)
                .setDocString("SparkCNN model '" + def.name() + "'. Input: float [batch, " + in.channels() + ", "
                        + in.height() + ", " + in.width() + "] pixel values in [0, 1]; the normalization "
                        + norm + " is applied in the graph. Outputs: logits"
                        + (def.loss().usesLabels() ? " and softmax probabilities" : "") + ".")
                .setGraph(g.build());
        metadata(m, "sparkcnn_model", def.toJsonString());
        metadata(m, "normalization_mean", Arrays.toString(norm.mean()));
        metadata(m, "normalization_std", Arrays.toString(norm.std()));
        metadata(m, "weights_sha256", ModelFile.sha256(params));
        if (buffers.length > 0) {
            metadata(m, "buffers_sha256", ModelFile.sha256(buffers));
        }
        for (Map.Entry<String, String> e : saved.metadata().entrySet()) {
            if (!e.getKey().equals("config")) {
                metadata(m, "sparkcnn_" + e.getKey(), e.getValue());
            }
        }
        return m.build();
    }

    /**
     * A merge node's input values. Equal engine shapes can differ in ONNX rank (a dense output is N x K,
     * a global average pool's N x K x 1 x 1); then every rank-4 input is flattened first, since broadcasting
     * N x K against N x K x 1 x 1 would give N x K x N x K.
     */
    private static List<String> mergeInputs(Graph g, String name, int[] producers, String[] values, int[] ranks,
                                            String networkInput) {
        List<String> ins = new ArrayList<>();
        boolean mixed = ranksOf(producers, ranks) < 0;
        for (int s = 0; s < producers.length; s++) {
            String v = producers[s] < 0 ? networkInput : values[producers[s]];
            int r = producers[s] < 0 ? 4 : ranks[producers[s]];
            ins.add(mixed && r == 4 ? g.node("Flatten", name + "_flatten" + s, List.of(v), integer("axis", 1)) : v);
        }
        return ins;
    }

    /** The inputs' common rank, or -1 when they differ. */
    private static int ranksOf(int[] producers, int[] ranks) {
        int common = 0;
        for (int p : producers) {
            int r = p < 0 ? 4 : ranks[p];
            if (common != 0 && r != common) {
                return -1;
            }
            common = r;
        }
        return common;
    }

    private static void metadata(ModelProto.Builder m, String key, String value) {
        m.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value));
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto floating(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /** The graph under construction: nodes in order, initializers, inputs and outputs. */
    private static final class Graph {
        private final GraphProto.Builder graph = GraphProto.newBuilder();
        private final List<NodeProto.Builder> nodes = new ArrayList<>();

        Graph(String name) {
            graph.setName(name);
        }

        void input(String name, String batch, int... dims) {
            graph.addInput(valueInfo(name, batch, dims));
        }

        void output(String name, String batch, int... dims) {
            graph.addOutput(valueInfo(name, batch, dims));
        }

        private static ValueInfoProto valueInfo(String name, String batch, int... dims) {
            TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                    .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
            for (int d : dims) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
        }

        /** A float initializer, little-endian raw data as ONNX requires; returns its name. */
        String constant(String name, float[] values, int... dims) {
            ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(values);
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .setRawData(com.google.protobuf.ByteString.copyFrom(raw.array()));
            for (int d : dims) {
                t.addDims(d);
            }
            graph.addInitializer(t);
            return name;
        }

        /** Adds a node whose single output is named after it; returns the output's name. */
        String node(String op, String name, List<String> inputs, AttributeProto... attributes) {
            return node(op, name, inputs, List.of(name), attributes);
        }

        String node(String op, String name, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addAllOutput(outputs);
            for (AttributeProto a : attributes) {
                n.addAttribute(a);
            }
            nodes.add(n);
            return outputs.get(0);
        }

        /** Renames the value {@code from} (produced by the last node) to {@code to}. */
        void rename(String from, String to) {
            if (from.equals(INPUT)) {  // a model without layers
                node("Identity", to, List.of(from), List.of(to));
                return;
            }
            NodeProto.Builder last = nodes.get(nodes.size() - 1);
            last.setOutput(last.getOutputList().indexOf(from), to);
        }

        GraphProto build() {
            nodes.forEach(graph::addNode);
            return graph.build();
        }
    }
}
