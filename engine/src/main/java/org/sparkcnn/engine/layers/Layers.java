package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.ops.Conv2dOps;

/**
 * Reads and writes layer objects of model files. Strict: an unknown type or key, or a value of the
 * wrong type, is an {@link IllegalArgumentException} that names it. The keys {@code formula} and
 * {@code description} are documentation and are ignored.
 */
public final class Layers {

    private static final Set<String> DOC_KEYS = Set.of("formula", "description");
    private static final Map<String, Set<String>> KEYS = Map.ofEntries(
            Map.entry("conv2d", Set.of("in_channels", "out_channels", "kernel", "stride", "padding", "bias")),
            Map.entry("maxpool2d", Set.of("kernel", "stride", "padding")),
            Map.entry("avgpool2d", Set.of("kernel", "stride", "padding", "count_include_pad")),
            Map.entry("dense", Set.of("in_features", "out_features", "bias")),
            Map.entry("relu", Set.of()),
            Map.entry("leaky_relu", Set.of("slope")),
            Map.entry("sigmoid", Set.of()),
            Map.entry("tanh", Set.of()),
            Map.entry("flatten", Set.of()),
            Map.entry("dropout", Set.of("p")),
            Map.entry("batchnorm2d", Set.of("num_features", "eps", "momentum")),
            Map.entry("global_avgpool2d", Set.of()),
            Map.entry("add", Set.of()),
            Map.entry("concat", Set.of()));

    private Layers() {
    }

    /** The layer types a model file may use. */
    public static Set<String> types() {
        return new TreeSet<>(KEYS.keySet());
    }

    /**
     * Parses one layer object. {@code defaultName} is used when the object has no {@code name}.
     * Errors are not yet prefixed with the layer's position; {@code ModelDefinition} adds that.
     */
    public static Layer fromJson(JsonNode node, String defaultName) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("a layer must be a JSON object, got " + node);
        }
        JsonNode typeNode = node.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new IllegalArgumentException("missing string field 'type' (one of " + types() + ")");
        }
        String type = typeNode.asText();
        Set<String> keys = KEYS.get(type);
        if (keys == null) {
            throw new IllegalArgumentException("unknown layer type '" + type + "'; known types: " + types());
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("type") && !key.equals("name") && !keys.contains(key) && !DOC_KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key '" + key + "' for a " + type + " layer; valid keys: "
                        + new TreeSet<>(keys));
            }
        }
        String name = node.has("name") ? text(node, "name") : defaultName;
        switch (type) {
            case "conv2d": {
                int[] k = pair(node, "kernel", null);
                int[] s = pair(node, "stride", new int[]{1, 1});
                int[] p = padding(node, k, s);
                return new Conv2d(name, integer(node, "in_channels", 0), required(node, "out_channels"),
                        k[0], k[1], s[0], s[1], p[0], p[1], bool(node, "bias", true));
            }
            case "maxpool2d":
            case "avgpool2d": {
                int[] k = pair(node, "kernel", null);
                int[] s = pair(node, "stride", k);
                int[] p = pair(node, "padding", new int[]{0, 0});
                return new Pool2d(name, type.equals("maxpool2d"), k[0], k[1], s[0], s[1], p[0], p[1],
                        bool(node, "count_include_pad", true));
            }
            case "dense":
                return new Dense(name, integer(node, "in_features", 0), required(node, "out_features"), bool(node, "bias", true));
            case "relu":
                return new Activation(name, Activation.Function.RELU, 0f);
            case "leaky_relu":
                return new Activation(name, Activation.Function.LEAKY_RELU, (float) number(node, "slope", 0.01));
            case "sigmoid":
                return new Activation(name, Activation.Function.SIGMOID, 0f);
            case "tanh":
                return new Activation(name, Activation.Function.TANH, 0f);
            case "flatten":
                return new Flatten(name);
            case "dropout":
                return new Dropout(name, (float) number(node, "p", 0.5));
            case "batchnorm2d":
                return new BatchNorm2d(name, integer(node, "num_features", 0), number(node, "eps", 1e-5), number(node, "momentum", 0.1));
            case "global_avgpool2d":
                return new GlobalAvgPool2d(name);
            case "add":
                return new Merge(name, false);
            case "concat":
                return new Merge(name, true);
            default:
                throw new IllegalStateException(type);
        }
    }

    /** Writes a layer as a JSON object with {@code type}, {@code name} and its fields. */
    public static void toJson(Layer layer, ObjectNode node) {
        node.put("type", layer.type());
        node.put("name", layer.name());
        layer.writeJson(node);
    }

    /** Padding: an integer, a pair, or "same" (odd kernel, stride 1: pad (k-1)/2 on each side). */
    private static int[] padding(JsonNode node, int[] k, int[] s) {
        JsonNode v = node.get("padding");
        if (v != null && v.isTextual()) {
            if (!v.asText().equals("same")) {
                throw new IllegalArgumentException("'padding' must be an integer, a pair of integers or \"same\", got " + v);
            }
            if (k[0] % 2 == 0 || k[1] % 2 == 0 || s[0] != 1 || s[1] != 1) {
                throw new IllegalArgumentException("padding \"same\" needs an odd kernel and stride 1, got kernel "
                        + k[0] + "x" + k[1] + " stride " + s[0] + "x" + s[1]);
            }
            return new int[]{(k[0] - 1) / 2, (k[1] - 1) / 2};
        }
        return pair(node, "padding", new int[]{0, 0});
    }

    static int[] pair(JsonNode node, String key, int[] dflt) {
        JsonNode v = node.get(key);
        if (v == null) {
            if (dflt == null) {
                throw new IllegalArgumentException("missing required field '" + key + "'");
            }
            return dflt;
        }
        if (v.isInt()) {
            return new int[]{v.asInt(), v.asInt()};
        }
        if (v.isArray() && v.size() == 2 && v.get(0).isInt() && v.get(1).isInt()) {
            return new int[]{v.get(0).asInt(), v.get(1).asInt()};
        }
        throw new IllegalArgumentException("'" + key + "' must be an integer or a pair of integers [h, w], got " + v);
    }

    static int required(JsonNode node, String key) {
        if (!node.has(key)) {
            throw new IllegalArgumentException("missing required field '" + key + "'");
        }
        return integer(node, key, 0);
    }

    static int integer(JsonNode node, String key, int dflt) {
        JsonNode v = node.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isInt()) {
            throw new IllegalArgumentException("'" + key + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    static double number(JsonNode node, String key, double dflt) {
        JsonNode v = node.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("'" + key + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    static boolean bool(JsonNode node, String key, boolean dflt) {
        JsonNode v = node.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("'" + key + "' must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException("'" + key + "' must be a non-empty string, got " + v);
        }
        return v.asText();
    }

    /** Validates a sliding window: kernel kh x kw, stride (sh, sw), padding (ph, pw). */
    static void checkWindow(int kh, int kw, int sh, int sw, int ph, int pw) {
        positive("kernel", kh);
        positive("kernel", kw);
        positive("stride", sh);
        positive("stride", sw);
        nonNegative("padding", ph);
        nonNegative("padding", pw);
    }

    /** The output of a sliding window over {@code in}, {@code floor((H + 2p - k) / s) + 1} per axis, with {@code channels} channels. */
    static Shape windowOutput(String what, Shape in, int channels, int kh, int kw, int sh, int sw, int ph, int pw) {
        int hp = in.height() + 2 * ph, wp = in.width() + 2 * pw;
        if (kh > hp || kw > wp) {
            throw new IllegalArgumentException(kh + "x" + kw + " " + what + " does not fit the " + hp + "x" + wp + " padded input");
        }
        return new Shape(channels, Conv2dOps.outputSize(in.height(), kh, sh, ph), Conv2dOps.outputSize(in.width(), kw, sw, pw));
    }

    static void writeWindow(ObjectNode node, int kh, int kw, int sh, int sw, int ph, int pw) {
        node.putArray("kernel").add(kh).add(kw);
        node.putArray("stride").add(sh).add(sw);
        node.putArray("padding").add(ph).add(pw);
    }

    static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }

    static void nonNegative(String field, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must not be negative, got " + value);
        }
    }
}
