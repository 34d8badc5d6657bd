package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.LayerModel;
import org.sparkcnn.engine.layers.Layers;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.LossOps;

/**
 * Runs the PyTorch reference cases ({@code gradcases/1}, see {@code refcases/FORMAT.md}) through the
 * engine's public API and compares every forward value and gradient within each case's tolerance.
 * By default the bundled copy runs; {@code -Drefcases.dir=DIR} runs every {@code *.json} case in DIR.
 */
class ReferenceCasesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor of a case: its shape and its values in row-major order. */
    record Tensor(int[] shape, double[] data) {
        int dim(int i) {
            return shape[i];
        }

        float[] floats() {
            float[] f = new float[data.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) data[i];
            }
            return f;
        }

        int[] ints() {
            return Arrays.stream(data).mapToInt(d -> (int) d).toArray();
        }

        /** The shape of one example: the dimensions after the batch dimension, as C x H x W. */
        Shape exampleShape() {
            return switch (shape.length) {
                case 2 -> Shape.vector(shape[1]);
                case 4 -> new Shape(shape[1], shape[2], shape[3]);
                default -> throw new IllegalArgumentException("unsupported tensor rank " + shape.length);
            };
        }

        static Tensor of(JsonNode node) {
            int[] shape = new int[node.path("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = node.path("shape").get(i).asInt();
            }
            JsonNode d = node.path("data");
            double[] data = new double[d.size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = d.get(i).asDouble();
            }
            return new Tensor(shape, data);
        }
    }

    /** Collects the mismatches of one case. */
    static final class Checker {
        final String caseId;
        final double rtol;
        final double atol;
        final List<String> failures = new ArrayList<>();

        Checker(String caseId, JsonNode tolerance) {
            this.caseId = caseId;
            this.rtol = tolerance.path("rtol").asDouble(1e-4);
            this.atol = tolerance.path("atol").asDouble(1e-4);
        }

        void check(String tensor, float[] got, int gotOffset, Tensor want) {
            int bad = 0;
            String first = null;
            for (int i = 0; i < want.data.length; i++) {
                double g = got[gotOffset + i], w = want.data[i];
                if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
                    if (first == null) {
                        first = caseId + ": " + tensor + "[" + i + "] = " + g + ", expected " + w
                                + " (rtol " + rtol + ", atol " + atol + ")";
                    }
                    bad++;
                }
            }
            if (first != null) {
                failures.add(first + (bad > 1 ? "; " + bad + " of " + want.data.length + " values differ" : ""));
            }
        }

        void check(String tensor, double got, Tensor want) {
            double w = want.data[0];
            if (!(Math.abs(got - w) <= atol + rtol * Math.abs(w))) {
                failures.add(caseId + ": " + tensor + "[0] = " + got + ", expected " + w + " (rtol " + rtol + ", atol " + atol + ")");
            }
        }
    }

    @Test
    void everyReferenceCaseMatchesPyTorch() throws IOException {
        Map<String, JsonNode> cases = loadCases();
        assertFalse(cases.isEmpty(), "no reference cases found");
        int passed = 0;
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : cases.entrySet()) {
            List<String> caseFailures;
            try {
                caseFailures = run(e.getValue());
            } catch (RuntimeException ex) {
                caseFailures = List.of(e.getKey() + ": " + ex);
            }
            if (caseFailures.isEmpty()) {
                passed++;
            } else {
                failures.addAll(caseFailures);
            }
        }
        int failed = cases.size() - passed;
        System.out.println("reference cases: " + passed + " passed, " + failed + " failed");
        if (!failures.isEmpty()) {
            fail("reference cases: " + passed + " passed, " + failed + " failed\n" + String.join("\n", failures));
        }
    }

    /** The cases by file name: from {@code refcases.dir} if set, else the bundled copy (listed by its index). */
    static Map<String, JsonNode> loadCases() throws IOException {
        Map<String, JsonNode> cases = new LinkedHashMap<>();
        String dir = System.getProperty("refcases.dir");
        if (dir != null && !dir.isBlank()) {
            Path path = resolve(dir);
            try (Stream<Path> files = Files.list(path)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                    JsonNode node = JSON.readTree(f.toFile());
                    if (node.has("cases") && !node.has("kind")) {
                        continue; // the index (cases.json), not a case
                    }
                    cases.put(f.getFileName().toString(), node);
                }
            }
            return cases;
        }
        JsonNode index;
        try (InputStream in = resource("refcases/cases.json")) {
            index = JSON.readTree(in);
        }
        for (JsonNode entry : index.path("cases")) {
            try (InputStream in = resource("refcases/" + entry.path("file").asText())) {
                cases.put(entry.path("file").asText(), JSON.readTree(in));
            }
        }
        return cases;
    }

    /** A relative {@code refcases.dir} is taken from where Maven was started (the repository root), else as is. */
    private static Path resolve(String dir) {
        Path p = Path.of(dir);
        String root = System.getProperty("sparkcnn.invocation.dir");
        if (!p.isAbsolute() && root != null && Files.isDirectory(Path.of(root).resolve(p))) {
            p = Path.of(root).resolve(p);
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException("refcases.dir " + dir + " is not a directory (resolved to " + p.toAbsolutePath() + ")");
        }
        return p;
    }

    private static InputStream resource(String name) {
        InputStream in = ReferenceCasesTest.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("missing test resource " + name);
        }
        return in;
    }

    static List<String> run(JsonNode c) {
        String id = c.path("id").asText();
        if (!"gradcases/1".equals(c.path("format").asText())) {
            return List.of(id + ": unsupported format '" + c.path("format").asText() + "'");
        }
        Checker check = new Checker(id, c.path("tolerance"));
        JsonNode params = c.path("params"), in = c.path("inputs"), exp = c.path("expected");
        String kind = c.path("kind").asText();
        switch (kind) {
            case "conv2d", "maxpool2d", "avgpool2d", "dense", "relu", "sigmoid", "tanh" -> runLayer(kind, params, in, exp, check);
            case "softmax_cross_entropy" -> {
                Tensor logits = Tensor.of(in.path("logits"));
                int n = logits.dim(0), k = logits.dim(1);
                float[] dlogits = new float[n * k], probs = new float[n * k];
                double loss = LossOps.softmaxCrossEntropy(logits.floats(), Tensor.of(in.path("labels")).ints(), n, k, n, dlogits, probs);
                double viaLoss = Loss.fromJson(lossNode(kind, params)).lossAndGradient(logits.floats(), n, k,
                        Tensor.of(in.path("labels")).ints(), null, n, new float[n * k]);
                check.check("loss", loss, Tensor.of(exp.path("loss")));
                check.check("loss (Loss API)", viaLoss, Tensor.of(exp.path("loss")));
                check.check("dlogits", dlogits, 0, Tensor.of(exp.path("dlogits")));
                check.check("softmax", probs, 0, Tensor.of(exp.path("softmax")));
            }
            case "mse" -> {
                Tensor pred = Tensor.of(in.path("prediction"));
                int n = pred.dim(0), k = pred.data.length / n;
                float[] dpred = new float[pred.data.length];
                double loss = Loss.fromJson(lossNode(kind, params)).lossAndGradient(pred.floats(), n, k, null,
                        Tensor.of(in.path("target")).floats(), n, dpred);
                check.check("loss", loss, Tensor.of(exp.path("loss")));
                check.check("dprediction", dpred, 0, Tensor.of(exp.path("dprediction")));
            }
            case "network" -> runNetwork(c, check);
            case "batchnorm2d" -> runBatchNorm(params, in, exp, check);
            case "global_avgpool2d" -> {
                Tensor x = Tensor.of(in.path("x"));
                int n = x.dim(0);
                Layer layer = Layers.fromJson(JSON.createObjectNode().put("type", kind), kind);
                LayerModel model = layer.bind(x.exampleShape(), 0, n);
                float[] y = new float[n * layer.outputShape(x.exampleShape()).size()], dx = new float[x.data.length];
                model.forward(new float[0], x.floats(), y, n, Pass.INFERENCE);
                model.backward(new float[0], new float[0], x.floats(), y, Tensor.of(in.path("dy")).floats(), dx, n);
                check.check("y", y, 0, Tensor.of(exp.path("y")));
                check.check("dx", dx, 0, Tensor.of(exp.path("dx")));
            }
            case "graph_network" -> runGraph(c, check);
            default -> check.failures.add(id + ": unknown case kind '" + kind + "'");
        }
        return check.failures;
    }

    /** The loss object of a loss case, for the public {@link Loss#fromJson} parser. */
    private static JsonNode lossNode(String type, JsonNode params) {
        return JSON.createObjectNode().put("type", type).put("reduction", params.path("reduction").asText("mean"));
    }

    /** A single-layer case: the layer is built from the case's params through the model-file parser. */
    private static void runLayer(String kind, JsonNode params, JsonNode in, JsonNode exp, Checker check) {
        ObjectNode spec = JSON.createObjectNode().put("type", kind);
        for (String key : List.of("in_channels", "out_channels", "kernel", "stride", "padding", "bias",
                "count_include_pad", "in_features", "out_features")) {
            if (params.has(key)) {
                spec.set(key, params.get(key));
            }
        }
        if (params.path("ceil_mode").asBoolean(false)) {
            check.failures.add(check.caseId + ": ceil_mode is not supported");
            return;
        }
        Layer layer = Layers.fromJson(spec, kind);
        Tensor x = Tensor.of(in.path("x")), dy = Tensor.of(in.path("dy"));
        int n = x.dim(0);
        Shape inShape = x.exampleShape();
        Shape outShape = layer.outputShape(inShape);
        if (params.has("output_hw") && (outShape.height() != params.path("output_hw").get(0).asInt()
                || outShape.width() != params.path("output_hw").get(1).asInt())) {
            check.failures.add(check.caseId + ": output " + outShape + ", expected output_hw " + params.path("output_hw"));
            return;
        }
        if (params.has("divisor") && params.path("count_include_pad").asBoolean(true)
                && params.path("divisor").asInt() != params.path("kernel").get(0).asInt() * params.path("kernel").get(1).asInt()) {
            check.failures.add(check.caseId + ": divisor " + params.path("divisor") + " is not kh*kw");
            return;
        }
        int paramCount = layer.paramCount(inShape);
        float[] weights = new float[paramCount];
        if (paramCount > 0) {
            float[] w = Tensor.of(in.path("w")).floats();
            System.arraycopy(w, 0, weights, 0, w.length);
            if (in.has("b")) {
                float[] b = Tensor.of(in.path("b")).floats();
                System.arraycopy(b, 0, weights, w.length, b.length);
            }
        }
        LayerModel model = layer.bind(inShape, 0, n);
        float[] y = new float[n * outShape.size()];
        model.forward(weights, x.floats(), y, n, Pass.INFERENCE);
        float[] grads = new float[paramCount];
        float[] dx = new float[n * inShape.size()];
        model.backward(weights, grads, x.floats(), y, dy.floats(), dx, n);
        check.check("y", y, 0, Tensor.of(exp.path("y")));
        check.check("dx", dx, 0, Tensor.of(exp.path("dx")));
        if (exp.has("dw")) {
            check.check("dw", grads, 0, Tensor.of(exp.path("dw")));
        }
        if (exp.has("db")) {
            check.check("db", grads, Tensor.of(exp.path("dw")).data.length, Tensor.of(exp.path("db")));
        }
    }

    /** A batch-norm case: the layer from the model-file parser, parameters [gamma, beta], state [running_mean, running_var]. */
    private static void runBatchNorm(JsonNode params, JsonNode in, JsonNode exp, Checker check) {
        ObjectNode spec = JSON.createObjectNode().put("type", "batchnorm2d");
        for (String key : List.of("num_features", "eps", "momentum")) {
            spec.set(key, params.get(key));
        }
        Layer layer = Layers.fromJson(spec, "bn");
        Tensor x = Tensor.of(in.path("x"));
        int n = x.dim(0), c = x.dim(1);
        Shape shape = x.exampleShape();
        float[] weights = concat(Tensor.of(in.path("gamma")).floats(), Tensor.of(in.path("beta")).floats());
        float[] buffers = concat(Tensor.of(in.path("running_mean")).floats(), Tensor.of(in.path("running_var")).floats());
        boolean train = params.path("mode").asText().equals("train");
        LayerModel model = layer.bind(shape, 0, 0, n);
        float[] y = new float[x.data.length], dx = new float[x.data.length], grads = new float[2 * c];
        model.forward(weights, buffers, x.floats(), y, n, train ? Pass.training(0, 0, n) : Pass.INFERENCE);
        model.backward(weights, grads, x.floats(), y, Tensor.of(in.path("dy")).floats(), dx, n);
        check.check("y", y, 0, Tensor.of(exp.path("y")));
        check.check("dx", dx, 0, Tensor.of(exp.path("dx")));
        check.check("dgamma", grads, 0, Tensor.of(exp.path("dgamma")));
        check.check("dbeta", grads, c, Tensor.of(exp.path("dbeta")));
        check.check("running_mean", buffers, 0, Tensor.of(exp.path("running_mean")));
        check.check("running_var", buffers, c, Tensor.of(exp.path("running_var")));
    }

    private static float[] concat(float[] a, float[] b) {
        float[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /**
     * A graph case: built from its {@code nodes} through {@link ModelDefinition#parseNodes} and
     * {@link ModelDefinition#graph}. A node's {@code mode} is the pass (train: a training pass), not
     * configuration, so it is taken off the node; the case's loss names its type {@code kind}.
     */
    private static void runGraph(JsonNode c, Checker check) {
        JsonNode params = c.path("params"), in = c.path("inputs"), exp = c.path("expected");
        Tensor x = Tensor.of(in.path("x"));
        int n = x.dim(0);
        com.fasterxml.jackson.databind.node.ArrayNode nodes = params.path("nodes").deepCopy();
        boolean train = false, eval = false;
        for (JsonNode node : nodes) {
            if (node.has("mode")) {
                train |= node.path("mode").asText().equals("train");
                eval |= !node.path("mode").asText().equals("train");
                ((ObjectNode) node).remove("mode");
            }
        }
        if (train && eval) {
            check.failures.add(check.caseId + ": mixes train and eval batch norms in one pass");
            return;
        }
        ObjectNode lossSpec = params.path("loss").deepCopy();
        if (lossSpec.has("kind")) {
            lossSpec.set("type", lossSpec.remove("kind"));
        }
        lossSpec.remove("num_classes");
        ModelDefinition def = ModelDefinition.graph(check.caseId, x.exampleShape(), ModelDefinition.parseNodes(nodes),
                Loss.fromJson(lossSpec));
        String output = params.path("output").asText();
        if (!def.layers().get(def.layers().size() - 1).name().equals(output)) {
            check.failures.add(check.caseId + ": the model's output is " + def.layers().get(def.layers().size() - 1).name()
                    + ", the case's " + output);
            return;
        }
        List<String> order = new ArrayList<>(), bufferOrder = new ArrayList<>();
        params.path("parameter_order").forEach(p -> order.add(p.asText()));
        params.path("buffer_order").forEach(p -> bufferOrder.add(p.asText()));
        List<String> ours = def.params().stream().map(ModelDefinition.ParamSlice::name).toList();
        List<String> ourBuffers = def.buffers().stream().map(ModelDefinition.ParamSlice::name).toList();
        if (!order.equals(ours) || !bufferOrder.equals(ourBuffers)) {
            check.failures.add(check.caseId + ": parameter order " + ours + " and state order " + ourBuffers + ", expected "
                    + order + " and " + bufferOrder);
            return;
        }
        float[] weights = slices(c.path("parameters"), def.params(), def.paramCount(), check);
        float[] buffers = slices(c.path("buffers"), def.buffers(), def.bufferCount(), check);
        if (weights == null || buffers == null) {
            return;
        }
        Network net = def.newNetwork(n);
        float[] buffersBefore = buffers.clone();
        float[] out = net.forward(weights, buffers, x.floats(), n, train ? Pass.training(0, 0, n) : Pass.INFERENCE);
        int k = def.outputSize();
        float[] dout = new float[n * k];
        double loss = def.loss().lossAndGradient(out, n, k, Tensor.of(in.path("labels")).ints(), null, n, dout);
        float[] grads = new float[def.paramCount()];
        float[] dx = net.backward(weights, grads, dout, true);

        check.check("loss", loss, Tensor.of(exp.path("loss")));
        JsonNode acts = exp.path("activations");
        Network plain = null;  // the layers one by one, for the outputs a node whose ReLU ran inside it does not keep
        for (int i = 0; i < def.layers().size(); i++) {
            String name = def.layers().get(i).name();
            if (!acts.has(name)) {
                check.failures.add(check.caseId + ": no expected activation for " + def.describe(i));
                continue;
            }
            float[] a = net.activation(i);
            if (a == null) {
                if (plain == null) {
                    plain = new Network(def, n, false, true, false);
                    plain.forward(weights, buffersBefore, x.floats(), n, train ? Pass.training(0, 0, n) : Pass.INFERENCE);
                }
                a = plain.activation(i);
            }
            check.check("activations." + name, a, 0, Tensor.of(acts.get(name)));
        }
        check.check("dx", dx, 0, Tensor.of(exp.path("dx")));
        for (ModelDefinition.ParamSlice slice : def.params()) {
            float[] g = Arrays.copyOfRange(grads, slice.offset(), slice.offset() + slice.size());
            check.check("param_grads." + slice.name(), g, 0, Tensor.of(exp.path("param_grads").path(slice.name())));
        }
        for (ModelDefinition.ParamSlice slice : def.buffers()) {
            float[] b = Arrays.copyOfRange(buffers, slice.offset(), slice.offset() + slice.size());
            check.check("buffers_after." + slice.name(), b, 0, Tensor.of(exp.path("buffers_after").path(slice.name())));
        }
    }

    /** A flat buffer from the case's tensors by name, or null (with a failure) when one has the wrong size. */
    private static float[] slices(JsonNode tensors, List<ModelDefinition.ParamSlice> layout, int size, Checker check) {
        float[] flat = new float[size];
        for (ModelDefinition.ParamSlice slice : layout) {
            Tensor t = Tensor.of(tensors.path(slice.name()));
            if (t.data.length != slice.size()) {
                check.failures.add(check.caseId + ": " + slice.name() + " has " + slice.size() + " values, case gives " + t.data.length);
                return null;
            }
            System.arraycopy(t.floats(), 0, flat, slice.offset(), slice.size());
        }
        return flat;
    }

    /** A network case: built from its {@code layers} list through the public model-definition API. */
    private static void runNetwork(JsonNode c, Checker check) {
        JsonNode params = c.path("params"), in = c.path("inputs"), exp = c.path("expected");
        Tensor x = Tensor.of(in.path("x"));
        int n = x.dim(0);
        ModelDefinition def = new ModelDefinition(check.caseId, x.exampleShape(),
                ModelDefinition.parseLayers(params.path("layers")), Loss.fromJson(params.path("loss")));
        List<String> order = new ArrayList<>();
        params.path("parameter_order").forEach(p -> order.add(p.asText()));
        List<String> ours = def.params().stream().map(ModelDefinition.ParamSlice::name).toList();
        if (!order.equals(ours)) {
            check.failures.add(check.caseId + ": parameter order " + ours + ", expected " + order);
            return;
        }
        float[] weights = new float[def.paramCount()];
        for (ModelDefinition.ParamSlice slice : def.params()) {
            Tensor t = Tensor.of(c.path("parameters").path(slice.name()));
            if (t.data.length != slice.size()) {
                check.failures.add(check.caseId + ": parameter " + slice.name() + " has " + slice.size() + " values, case gives " + t.data.length);
                return;
            }
            System.arraycopy(t.floats(), 0, weights, slice.offset(), slice.size());
        }
        Network net = def.newNetwork(n);
        float[] out = net.forward(weights, x.floats(), n, Pass.training(0, 0, n));
        int k = def.outputSize();
        float[] dout = new float[n * k];
        int[] labels = in.has("labels") ? Tensor.of(in.path("labels")).ints() : null;
        float[] targets = in.has("target") ? Tensor.of(in.path("target")).floats() : null;
        double loss = def.loss().lossAndGradient(out, n, k, labels, targets, n, dout);
        float[] grads = new float[def.paramCount()];
        float[] dx = net.backward(weights, grads, dout, true);

        check.check("loss", loss, Tensor.of(exp.path("loss")));
        JsonNode acts = exp.path("activations");
        if (acts.size() != def.layers().size()) {
            check.failures.add(check.caseId + ": " + acts.size() + " expected activations for " + def.layers().size() + " layers");
        }
        for (int i = 0; i < Math.min(acts.size(), def.layers().size()); i++) {
            check.check("activations[" + i + "] (" + ModelDefinition.describe(i, def.layers().get(i)) + ")",
                    net.activation(i), 0, Tensor.of(acts.get(i)));
        }
        check.check("dx", dx, 0, Tensor.of(exp.path("dx")));
        for (ModelDefinition.ParamSlice slice : def.params()) {
            float[] g = Arrays.copyOfRange(grads, slice.offset(), slice.offset() + slice.size());
            check.check("param_grads." + slice.name(), g, 0, Tensor.of(exp.path("param_grads").path(slice.name())));
        }
    }
}
