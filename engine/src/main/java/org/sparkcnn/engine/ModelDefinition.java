package org.sparkcnn.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkcnn.engine.layers.Activation;
import org.sparkcnn.engine.layers.Conv2d;
import org.sparkcnn.engine.layers.Dense;
import org.sparkcnn.engine.layers.Dropout;
import org.sparkcnn.engine.layers.Flatten;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.Layers;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.ParamTensor;
import org.sparkcnn.engine.layers.Pool2d;

/**
 * A model: an input shape, an ordered list of layers and a loss. Construction infers and checks every
 * layer's shape and lays out all parameters in one flat buffer, layer by layer, weights then bias.
 * A mistake is an {@link IllegalArgumentException} naming the layer, e.g.
 * {@code layer 4 (conv2d 'conv2'): 5x5 kernel does not fit the 4x4 padded input}.
 */
public final class ModelDefinition {

    /** The format tag of model-definition JSON. */
    public static final String FORMAT = "sparkcnn-model/1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP_KEYS = Set.of("format", "name", "description", "input", "layers", "loss");

    private final String name;
    private final Shape input;
    private final List<Layer> layers;
    private final Loss loss;
    private final List<Shape> shapes = new ArrayList<>();
    private final List<ParamSlice> params = new ArrayList<>();
    private final int[] layerParamOffsets;
    private final int paramCount;

    /** A named parameter tensor ({@code conv1.w}) at {@code offset} in the flat buffer. */
    public record ParamSlice(String name, int layer, ParamTensor tensor, int offset) {
        public int size() {
            return tensor.size();
        }
    }

    public ModelDefinition(String name, Shape input, List<Layer> layers, Loss loss) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("model '" + name + "' has no layers");
        }
        this.name = name;
        this.input = input;
        this.layers = List.copyOf(layers);
        this.loss = loss;
        this.layerParamOffsets = new int[layers.size()];
        Set<String> names = new HashSet<>();
        Shape shape = input;
        shapes.add(shape);
        long offset = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (!names.add(layer.name())) {
                throw new IllegalArgumentException(describe(i, layer) + ": duplicate layer name");
            }
            try {
                layerParamOffsets[i] = (int) offset;
                for (ParamTensor t : layer.params(shape)) {
                    params.add(new ParamSlice(layer.name() + "." + t.name(), i, t, (int) offset));
                    offset += t.size();
                }
                shape = layer.outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(describe(i, layer) + ": " + e.getMessage(), e);
            }
            if (offset > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(describe(i, layer) + ": the model exceeds 2^31 parameters");
            }
            shapes.add(shape);
        }
        if (!shape.isVector()) {
            throw new IllegalArgumentException("model '" + name + "': the last layer's output " + shape
                    + " is not a vector; end with flatten or dense");
        }
        this.paramCount = (int) offset;
    }

    /** "layer 4 (conv2d 'conv2')", 1-based, as errors print it. */
    public static String describe(int index, Layer layer) {
        return "layer " + (index + 1) + " (" + layer.type() + " '" + layer.name() + "')";
    }

    public String name() {
        return name;
    }

    /** Each convolution's kernels, for logs: "conv1 direct (Vector API, 8 lanes), conv2 im2col + GEMM". */
    public String convolutionKernels() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Conv2d conv) {
                parts.add(conv.name() + " " + conv.kernel(shapes.get(i)));
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

    /** Shape before layer i is {@code shapes().get(i)}; the output is the last entry. */
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
            f += layers.get(i).forwardFlops(shapes.get(i));
        }
        return f;
    }

    /** A fresh network replica that runs batches of up to {@code maxBatch} examples. */
    public Network newNetwork(int maxBatch) {
        return new Network(this, maxBatch);
    }

    public static Builder builder(String name, Shape input) {
        return new Builder(name, input);
    }

    // ---- JSON ----

    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("name", name);
        root.putArray("input").add(input.channels()).add(input.height()).add(input.width());
        ArrayNode arr = root.putArray("layers");
        for (Layer layer : layers) {
            Layers.toJson(layer, arr.addObject());
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

    public static ModelDefinition fromJson(JsonNode root) {
        if (!root.isObject()) {
            throw new IllegalArgumentException("model definition must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TOP_KEYS.contains(key)) {
                throw new IllegalArgumentException("model definition: unknown key '" + key + "'; valid keys: "
                        + new java.util.TreeSet<>(TOP_KEYS));
            }
        }
        if (root.has("format") && !FORMAT.equals(root.get("format").asText())) {
            throw new IllegalArgumentException("model definition: unsupported format '" + root.get("format").asText()
                    + "', expected '" + FORMAT + "'");
        }
        String name = root.path("name").asText("model");
        JsonNode in = root.get("input");
        if (in == null || !in.isArray() || in.size() != 3 || !in.get(0).isInt() || !in.get(1).isInt() || !in.get(2).isInt()) {
            throw new IllegalArgumentException("model definition '" + name + "': 'input' must be [channels, height, width], got " + in);
        }
        Shape input;
        try {
            input = new Shape(in.get(0).asInt(), in.get(1).asInt(), in.get(2).asInt());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model definition '" + name + "': input: " + e.getMessage(), e);
        }
        JsonNode arr = root.get("layers");
        if (arr == null || !arr.isArray()) {
            throw new IllegalArgumentException("model definition '" + name + "': 'layers' must be a list");
        }
        return new ModelDefinition(name, input, parseLayers(arr), Loss.fromJson(root.get("loss")));
    }

    /** Parses a JSON list of layer objects; unnamed layers are named type + ordinal ({@code relu2}). */
    public static List<Layer> parseLayers(JsonNode arr) {
        List<Layer> layers = new ArrayList<>();
        Map<String, Integer> ordinals = new HashMap<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode node = arr.get(i);
            String type = node.path("type").asText("layer");
            int ordinal = ordinals.merge(type, 1, Integer::sum);
            String label = "layer " + (i + 1) + " (" + type + (node.has("name") ? " '" + node.get("name").asText() + "'" : "") + ")";
            try {
                layers.add(Layers.fromJson(node, type + ordinal));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(label + ": " + e.getMessage(), e);
            }
        }
        return layers;
    }

    public static ModelDefinition read(InputStream in) throws IOException {
        return fromJson(JSON.readTree(in));
    }

    /**
     * A shipped model by name ({@code lenet5}, {@code small}, {@code tfconv}, ...; bundled from
     * {@code conf/models/}), or a path to a model JSON file.
     */
    public static ModelDefinition load(String nameOrPath) throws IOException {
        Path path = Path.of(nameOrPath);
        if (Files.isRegularFile(path)) {
            try (InputStream in = Files.newInputStream(path)) {
                return read(in);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(nameOrPath + ": " + e.getMessage(), e);
            }
        }
        try (InputStream in = ModelDefinition.class.getResourceAsStream("/org/sparkcnn/models/" + nameOrPath + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no model named '" + nameOrPath + "' (shipped: " + shippedModels()
                        + ") and no file at " + path.toAbsolutePath());
            }
            return read(in);
        }
    }

    /** The names of the models bundled from {@code conf/models/}. */
    public static List<String> shippedModels() throws IOException {
        try (InputStream in = ModelDefinition.class.getResourceAsStream("/org/sparkcnn/models/index.txt")) {
            if (in == null) {
                return List.of();
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
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

    /** Fluent construction: {@code builder("m", new Shape(1,28,28)).conv2d("conv1", 6, 5, 1, 2).relu()...build()}. */
    public static final class Builder {
        private final String name;
        private final Shape input;
        private final List<Layer> layers = new ArrayList<>();
        private final Map<String, Integer> ordinals = new HashMap<>();

        private Builder(String name, Shape input) {
            this.name = name;
            this.input = input;
        }

        private String auto(String type) {
            return type + ordinals.merge(type, 1, Integer::sum);
        }

        public Builder add(Layer layer) {
            layers.add(layer);
            return this;
        }

        /** Square kernel k, stride s, padding p, with bias. */
        public Builder conv2d(String layerName, int outChannels, int k, int s, int p) {
            return add(new Conv2d(layerName, 0, outChannels, k, k, s, s, p, p, true));
        }

        public Builder maxPool(int k, int s) {
            return add(new Pool2d(auto("maxpool2d"), true, k, k, s, s, 0, 0, true));
        }

        public Builder avgPool(int k, int s) {
            return add(new Pool2d(auto("avgpool2d"), false, k, k, s, s, 0, 0, true));
        }

        public Builder relu() {
            return add(new Activation(auto("relu"), Activation.Function.RELU, 0f));
        }

        public Builder tanh() {
            return add(new Activation(auto("tanh"), Activation.Function.TANH, 0f));
        }

        public Builder sigmoid() {
            return add(new Activation(auto("sigmoid"), Activation.Function.SIGMOID, 0f));
        }

        public Builder leakyRelu(float slope) {
            return add(new Activation(auto("leaky_relu"), Activation.Function.LEAKY_RELU, slope));
        }

        public Builder flatten() {
            return add(new Flatten(auto("flatten")));
        }

        public Builder dropout(float p) {
            return add(new Dropout(auto("dropout"), p));
        }

        public Builder dense(String layerName, int outFeatures) {
            return add(new Dense(layerName, 0, outFeatures, true));
        }

        public ModelDefinition build(Loss loss) {
            return new ModelDefinition(name, input, layers, loss);
        }
    }
}
