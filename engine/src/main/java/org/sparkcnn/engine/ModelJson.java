package org.sparkcnn.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.Layers;
import org.sparkcnn.engine.layers.Loss;

/**
 * Reading model definitions: the JSON of both formats ({@code sparkcnn-model/1} chains,
 * {@code sparkcnn-model/2} graphs), the shipped models and model files. Writing is
 * {@link ModelDefinition#toJson}. Every mistake names the key, layer or node.
 */
final class ModelJson {

    private static final Set<String> TOP_KEYS = Set.of("format", "name", "description", "input", "layers", "nodes", "loss");

    private ModelJson() {
    }

    /** Parses a model definition of either format; a mistake names the key, layer or node. */
    static ModelDefinition parse(JsonNode root) {
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
        String format = root.path("format").asText(root.has("nodes") ? ModelDefinition.FORMAT_GRAPH : ModelDefinition.FORMAT);
        if (!ModelDefinition.FORMAT.equals(format) && !ModelDefinition.FORMAT_GRAPH.equals(format)) {
            throw new IllegalArgumentException("model definition: unsupported format '" + format
                    + "', expected '" + ModelDefinition.FORMAT + "' or '" + ModelDefinition.FORMAT_GRAPH + "'");
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
        String key = format.equals(ModelDefinition.FORMAT) ? "layers" : "nodes";
        JsonNode arr = root.get(key);
        if (arr == null || !arr.isArray()) {
            throw new IllegalArgumentException("model definition '" + name + "': '" + key + "' must be a list"
                    + (root.has(key.equals("nodes") ? "layers" : "nodes") ? " (format " + format + " takes '" + key + "')" : ""));
        }
        if (format.equals(ModelDefinition.FORMAT)) {
            return new ModelDefinition(name, input, parseLayers(arr), Loss.fromJson(root.get("loss")));
        }
        return ModelDefinition.graph(name, input, parseNodes(arr), Loss.fromJson(root.get("loss")));
    }

    /**
     * Parses a JSON list of graph nodes: layer objects with an optional {@code inputs} list of node
     * names ("input" is the network input; without it a node takes the previous node). Unnamed nodes are
     * named type + ordinal ({@code relu2}).
     */
    static List<ModelDefinition.Node> parseNodes(JsonNode arr) {
        List<ModelDefinition.Node> nodes = new ArrayList<>();
        Map<String, Integer> ordinals = new HashMap<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode node = arr.get(i);
            String type = node.path("type").asText("layer");
            int ordinal = ordinals.merge(type, 1, Integer::sum);
            String label = node.has("name") ? "node '" + node.get("name").asText() + "' (" + type + ")"
                    : "node " + (i + 1) + " (" + type + ")";
            try {
                List<String> in = new ArrayList<>();
                if (node.isObject() && node.has("inputs")) {
                    JsonNode names = node.get("inputs");
                    if (!names.isArray() || names.isEmpty()) {
                        throw new IllegalArgumentException("'inputs' must be a non-empty list of node names, got " + names);
                    }
                    for (JsonNode n : names) {
                        if (!n.isTextual()) {
                            throw new IllegalArgumentException("'inputs' must be a list of node names, got " + names);
                        }
                        in.add(n.asText());
                    }
                    node = ((ObjectNode) node).deepCopy();
                    ((ObjectNode) node).remove("inputs");
                }
                nodes.add(new ModelDefinition.Node(Layers.fromJson(node, type + ordinal), in));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(label + ": " + e.getMessage(), e);
            }
        }
        return nodes;
    }

    /** Parses a JSON list of layer objects; unnamed layers are named type + ordinal ({@code relu2}). */
    static List<Layer> parseLayers(JsonNode arr) {
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

    /**
     * A shipped model by name ({@code lenet5}, {@code small}, {@code tfconv}, ...; bundled from
     * {@code conf/models/}), or a path to a model JSON file.
     */
    static ModelDefinition load(String nameOrPath) throws IOException {
        Path path = Path.of(nameOrPath);
        if (Files.isRegularFile(path)) {
            try (InputStream in = Files.newInputStream(path)) {
                return ModelDefinition.read(in);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(nameOrPath + ": " + e.getMessage(), e);
            }
        }
        try (InputStream in = ModelJson.class.getResourceAsStream("/org/sparkcnn/models/" + nameOrPath + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no model named '" + nameOrPath + "' (shipped: " + shippedModels()
                        + ") and no file at " + path.toAbsolutePath());
            }
            return ModelDefinition.read(in);
        }
    }

    /** The names of the models bundled from {@code conf/models/}. */
    static List<String> shippedModels() throws IOException {
        try (InputStream in = ModelJson.class.getResourceAsStream("/org/sparkcnn/models/index.txt")) {
            if (in == null) {
                return List.of();
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
    }
}
