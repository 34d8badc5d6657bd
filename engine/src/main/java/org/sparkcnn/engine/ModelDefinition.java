package org.sparkcnn.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sparkcnn.engine.layers.Conv2d;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.Layers;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.Merge;
import org.sparkcnn.engine.layers.ParamTensor;

/**
 * A model: an input shape, a directed acyclic graph of named nodes (layers) and a loss. A chain (format
 * {@code sparkcnn-model/1}, a {@code layers} list) is the graph where each node takes the previous one.
 * Construction orders the nodes topologically, infers and checks every node's shape and lays out all
 * parameters in one flat buffer, node by node in that order, weights then bias (gamma then beta for batch
 * norm), and the state (batch norm's running statistics) likewise in a second buffer. A mistake is an
 * {@link IllegalArgumentException} naming the layer or node, e.g.
 * {@code layer 4 (conv2d 'conv2'): 5x5 kernel does not fit the 4x4 padded input} or
 * {@code node 'add1' (add): input shapes 16x14x14 and 32x7x7 differ}.
 */
public final class ModelDefinition {

    /** The format tag of chain model-definition JSON (a {@code layers} list). */
    public static final String FORMAT = "sparkcnn-model/1";
    /** The format tag of graph model-definition JSON (a {@code nodes} list, each with optional {@code inputs}). */
    public static final String FORMAT_GRAPH = "sparkcnn-model/2";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Types a {@code sparkcnn-model/1} file cannot hold: a model using them is written as version 2. */
    private static final Set<String> GRAPH_TYPES = Set.of("batchnorm2d", "global_avgpool2d", "add", "concat");

    private final String name;
    private final Shape input;
    private final List<Layer> layers;
    private final List<int[]> inputs;
    private final boolean graphLabels;
    private final boolean chain;
    private final Loss loss;
    private final List<Shape> shapes = new ArrayList<>();
    private final List<ParamSlice> params = new ArrayList<>();
    private final List<ParamSlice> buffers = new ArrayList<>();
    private final int[] layerParamOffsets;
    private final int[] layerBufferOffsets;
    private final int paramCount;
    private final int bufferCount;

    /** A graph node: a layer and the names of its inputs (empty: the previous node, or the input for the first). */
    public record Node(Layer layer, List<String> inputs) {
        public Node {
            inputs = List.copyOf(inputs);
        }
    }

    /** A named parameter tensor ({@code conv1.w}) at {@code offset} in the flat buffer. */
    public record ParamSlice(String name, int layer, ParamTensor tensor, int offset) {
        public int size() {
            return tensor.size();
        }
    }

    /** A chain: each layer takes the previous one's output. Errors name "layer N (type 'name')". */
    public ModelDefinition(String name, Shape input, List<Layer> layers, Loss loss) {
        this(name, input, chainOf(layers), loss, false);
    }

    /** A graph model from its nodes (in any order that has no cycle). Errors name "node 'name' (type)". */
    public static ModelDefinition graph(String name, Shape input, List<Node> nodes, Loss loss) {
        return new ModelDefinition(name, input, nodes, loss, true);
    }

    private static List<Node> chainOf(List<Layer> layers) {
        List<Node> nodes = new ArrayList<>();
        for (Layer layer : layers) {
            nodes.add(new Node(layer, List.of()));
        }
        return nodes;
    }

    private ModelDefinition(String name, Shape input, List<Node> nodes, Loss loss, boolean graphLabels) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("model '" + name + "' has no layers");
        }
        this.name = name;
        this.input = input;
        this.loss = loss;
        this.graphLabels = graphLabels;
        List<Layer> ordered = new ArrayList<>();
        if (graphLabels) {
            ModelGraph.Ordered o = ModelGraph.order(nodes);
            o.nodes().forEach(nd -> ordered.add(nd.layer()));
            this.inputs = List.copyOf(o.inputs());
        } else {
            List<int[]> in = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < nodes.size(); i++) {
                ordered.add(nodes.get(i).layer());
                if (!names.add(nodes.get(i).layer().name())) {
                    throw new IllegalArgumentException(describe(i, nodes.get(i).layer()) + ": duplicate layer name");
                }
                in.add(new int[]{i - 1});
            }
            this.inputs = List.copyOf(in);
        }
        this.layers = List.copyOf(ordered);
        int count = layers.size();
        this.layerParamOffsets = new int[count];
        this.layerBufferOffsets = new int[count];
        shapes.add(input);
        long offset = 0, bufferOffset = 0;
        boolean isChain = true;
        for (int i = 0; i < count; i++) {
            Layer layer = layers.get(i);
            int[] in = inputs.get(i);
            isChain &= in.length == 1 && in[0] == i - 1 && !(layer instanceof Merge);
            Shape shape;
            try {
                List<Shape> ins = new ArrayList<>();
                for (int p : in) {
                    ins.add(shapes.get(p + 1));
                }
                if (!(layer instanceof Merge) && ins.size() != 1) {
                    throw new IllegalArgumentException("takes 1 input, got " + ins.size());
                }
                layerParamOffsets[i] = (int) offset;
                layerBufferOffsets[i] = (int) bufferOffset;
                shape = layer instanceof Merge m ? m.outputShape(ins) : layer.outputShape(ins.get(0));
                for (ParamTensor t : layer.params(ins.get(0))) {
                    params.add(new ParamSlice(layer.name() + "." + t.name(), i, t, (int) offset));
                    offset += t.size();
                }
                for (ParamTensor t : layer.buffers(ins.get(0))) {
                    buffers.add(new ParamSlice(layer.name() + "." + t.name(), i, t, (int) bufferOffset));
                    bufferOffset += t.size();
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(describe(i) + ": " + e.getMessage(), e);
            }
            if (offset > Integer.MAX_VALUE - 8 || bufferOffset > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(describe(i) + ": the model exceeds 2^31 parameters");
            }
            shapes.add(shape);
        }
        Shape out = shapes.get(count);
        if (!out.isVector()) {
            throw new IllegalArgumentException("model '" + name + "': the last " + (graphLabels ? "node" : "layer") + "'s output "
                    + out + " is not a vector; end with flatten, global_avgpool2d or dense");
        }
        this.chain = isChain;
        this.paramCount = (int) offset;
        this.bufferCount = (int) bufferOffset;
    }

    /** "layer 4 (conv2d 'conv2')", 1-based, as errors print it. */
    public static String describe(int index, Layer layer) {
        return "layer " + (index + 1) + " (" + layer.type() + " '" + layer.name() + "')";
    }

    /** Layer/node {@code i} as errors print it: "layer 4 (conv2d 'conv2')" for chains, "node 'add1' (add)" for graphs. */
    public String describe(int i) {
        return graphLabels ? ModelGraph.label(layers.get(i)) : describe(i, layers.get(i));
    }

    /** True when every node takes the previous node's output (no merge, no fan-out). */
    public boolean isChain() {
        return chain;
    }

    /** Node {@code i}'s inputs as node indices in {@link #layers()} order; -1 is the network input. */
    public int[] nodeInputs(int i) {
        return inputs.get(i).clone();
    }

    /** The shape of node {@code i}'s output ({@code shapes().get(i + 1)}). */
    public Shape nodeOutputShape(int i) {
        return shapes.get(i + 1);
    }

    /** The shape of node {@code i}'s input {@code slot}. */
    public Shape nodeInputShape(int i, int slot) {
        return shapes.get(inputs.get(i)[slot] + 1);
    }

    public String name() {
        return name;
    }

    /** Each convolution's kernels, for logs: "conv1 direct (Vector API, 8 lanes), conv2 im2col + GEMM". */
    public String convolutionKernels() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Conv2d conv) {
                parts.add(conv.name() + " " + conv.kernel(nodeInputShape(i, 0)));
            }
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    public Shape inputShape() {
        return input;
    }

    public List<Layer> layers() {
        return layers;
    }

    public Loss loss() {
        return loss;
    }

    /**
     * {@code shapes().get(0)} is the input, {@code shapes().get(i + 1)} node i's output; in a chain the
     * shape before layer i is {@code shapes().get(i)}. The model's output is the last entry.
     */
    public List<Shape> shapes() {
        return Collections.unmodifiableList(shapes);
    }

    public Shape outputShape() {
        return shapes.get(shapes.size() - 1);
    }

    /** Fails unless data of shape {@code data} can feed this model. */
    public void checkInput(Shape data) {
        if (!data.equals(input)) {
            throw new IllegalArgumentException("model '" + name + "' expects input of shape " + input + ", got " + data);
        }
    }

    /** Number of outputs per example (classes, for a classifier). */
    public int outputSize() {
        return outputShape().size();
    }

    public int paramCount() {
        return paramCount;
    }

    public int layerParamOffset(int layer) {
        return layerParamOffsets[layer];
    }

    /** Size of the state buffer (batch norm's running statistics), 0 for most models. */
    public int bufferCount() {
        return bufferCount;
    }

    public int layerBufferOffset(int layer) {
        return layerBufferOffsets[layer];
    }

    /** Every state tensor ({@code bn1.running_mean}, {@code bn1.running_var}, ...), in state-buffer order. */
    public List<ParamSlice> buffers() {
        return Collections.unmodifiableList(buffers);
    }

    /** A fresh state buffer as PyTorch starts it: running means 0, running variances 1. */
    public float[] initialBuffers() {
        float[] b = new float[bufferCount];
        for (ParamSlice s : buffers) {
            java.util.Arrays.fill(b, s.offset(), s.offset() + s.size(), s.tensor().fill());
        }
        return b;
    }

    public ParamSlice buffer(String bufferName) {
        for (ParamSlice p : buffers) {
            if (p.name().equals(bufferName)) {
                return p;
            }
        }
        throw new IllegalArgumentException("model '" + name + "' has no state buffer '" + bufferName + "'");
    }

    /** Every parameter tensor, in buffer order. */
    public List<ParamSlice> params() {
        return Collections.unmodifiableList(params);
    }

    public ParamSlice param(String paramName) {
        for (ParamSlice p : params) {
            if (p.name().equals(paramName)) {
                return p;
            }
        }
        throw new IllegalArgumentException("model '" + name + "' has no parameter '" + paramName + "'");
    }

    /** Analytic forward FLOPs per image (2 x multiply-adds of conv and dense layers). */
    public long forwardFlops() {
        long f = 0;
        for (int i = 0; i < layers.size(); i++) {
            f += layers.get(i).forwardFlops(nodeInputShape(i, 0));
        }
        return f;
    }

    /** A fresh network replica that runs batches of up to {@code maxBatch} examples. */
    public Network newNetwork(int maxBatch) {
        return new Network(this, maxBatch);
    }

    /** Fluent construction of a chain; see {@link ModelBuilder}. */
    public static ModelBuilder builder(String name, Shape input) {
        return new ModelBuilder(name, input);
    }

    // ---- JSON ----

    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        boolean v1 = chain && layers.stream().noneMatch(l -> GRAPH_TYPES.contains(l.type()));
        root.put("format", v1 ? FORMAT : FORMAT_GRAPH);
        root.put("name", name);
        root.putArray("input").add(input.channels()).add(input.height()).add(input.width());
        ArrayNode arr = root.putArray(v1 ? "layers" : "nodes");
        for (int i = 0; i < layers.size(); i++) {
            ObjectNode node = arr.addObject();
            Layers.toJson(layers.get(i), node);
            int[] in = inputs.get(i);
            if (!(in.length == 1 && in[0] == i - 1)) {  // the default (the previous node) is left out
                ArrayNode names = node.putArray("inputs");
                for (int p : in) {
                    names.add(p < 0 ? ModelGraph.INPUT : layers.get(p).name());
                }
            }
        }
        loss.toJson(root.putObject("loss"));
        return root;
    }

    public String toJsonString() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelDefinition fromJson(String json) {
        try {
            return fromJson(JSON.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException("model definition is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Parses a model definition (either format); errors name the key, layer or node (see {@link ModelJson}). */
    public static ModelDefinition fromJson(JsonNode root) {
        return ModelJson.parse(root);
    }

    /** See {@link ModelJson#parseNodes}. */
    public static List<Node> parseNodes(JsonNode arr) {
        return ModelJson.parseNodes(arr);
    }

    /** See {@link ModelJson#parseLayers}. */
    public static List<Layer> parseLayers(JsonNode arr) {
        return ModelJson.parseLayers(arr);
    }

    public static ModelDefinition read(InputStream in) throws IOException {
        return fromJson(JSON.readTree(in));
    }

    /** A shipped model by name or a model JSON file (see {@link ModelJson#load}). */
    public static ModelDefinition load(String nameOrPath) throws IOException {
        return ModelJson.load(nameOrPath);
    }

    /** The names of the models bundled from {@code conf/models/}. */
    public static List<String> shippedModels() throws IOException {
        return ModelJson.shippedModels();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelDefinition m && toJson().equals(m.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return "ModelDefinition(" + name + ", " + input + " -> " + outputShape() + ", " + paramCount + " parameters)";
    }
}
