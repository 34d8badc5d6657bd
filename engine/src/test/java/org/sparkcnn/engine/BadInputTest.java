package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.layers.Layers;
import org.sparkcnn.engine.layers.Pass;

/** Mistakes get an IllegalArgumentException whose message names the layer or field. */
class BadInputTest {

    private static String error(String json) {
        return assertThrows(IllegalArgumentException.class, () -> ModelDefinition.fromJson(json)).getMessage();
    }

    private static String model(String input, String layers) {
        return "{\"name\": \"m\", \"input\": " + input + ", \"layers\": [" + layers + "], \"loss\": {\"type\": \"softmax_cross_entropy\"}}";
    }

    private static String graph(String input, String nodes) {
        return "{\"format\": \"sparkcnn-model/2\", \"name\": \"g\", \"input\": " + input + ", \"nodes\": [" + nodes
                + "], \"loss\": {\"type\": \"softmax_cross_entropy\"}}";
    }

    @Test
    void graphWithACycleNamesANodeOnIt() {
        String msg = error(graph("[1, 4, 4]",
                "{\"name\": \"a\", \"type\": \"relu\", \"inputs\": [\"input\"]},"
                        + "{\"name\": \"b\", \"type\": \"add\", \"inputs\": [\"a\", \"c\"]},"
                        + "{\"name\": \"c\", \"type\": \"relu\", \"inputs\": [\"b\"]},"
                        + "{\"name\": \"gap\", \"type\": \"global_avgpool2d\", \"inputs\": [\"c\"]}"));
        assertEquals("node 'b' (add): the graph has a cycle (b <- c <- b, each node taking the next as input)", msg);
    }

    @Test
    void graphWithAnUnknownInputNamesTheNodeAndTheInput() {
        String msg = error(graph("[1, 4, 4]",
                "{\"name\": \"a\", \"type\": \"relu\"},"
                        + "{\"name\": \"sum\", \"type\": \"add\", \"inputs\": [\"a\", \"shortcut\"]},"
                        + "{\"type\": \"flatten\"}"));
        assertTrue(msg.startsWith("node 'sum' (add): unknown input 'shortcut'"), msg);
    }

    @Test
    void addOfDifferentShapesNamesTheNodeAndBothShapes() {
        String msg = error(graph("[3, 14, 14]",
                "{\"name\": \"c1\", \"type\": \"conv2d\", \"out_channels\": 16, \"kernel\": 3, \"padding\": 1},"
                        + "{\"name\": \"c2\", \"type\": \"conv2d\", \"out_channels\": 32, \"kernel\": 2, \"stride\": 2},"
                        + "{\"name\": \"add1\", \"type\": \"add\", \"inputs\": [\"c1\", \"c2\"]},"
                        + "{\"type\": \"global_avgpool2d\"}"));
        assertEquals("node 'add1' (add): input shapes 16x14x14 and 32x7x7 differ", msg);
        String cat = error(graph("[3, 14, 14]",
                "{\"name\": \"c1\", \"type\": \"conv2d\", \"out_channels\": 16, \"kernel\": 3, \"padding\": 1},"
                        + "{\"name\": \"c2\", \"type\": \"conv2d\", \"out_channels\": 32, \"kernel\": 2, \"stride\": 2},"
                        + "{\"name\": \"cat\", \"type\": \"concat\", \"inputs\": [\"c1\", \"c2\"]},"
                        + "{\"type\": \"global_avgpool2d\"}"));
        assertTrue(cat.startsWith("node 'cat' (concat): input shapes 16x14x14 and 32x7x7 differ in height or width"), cat);
    }

    @Test
    void batchNormWithTheWrongChannelCountNamesTheNode() {
        String msg = error(graph("[3, 8, 8]",
                "{\"name\": \"conv\", \"type\": \"conv2d\", \"out_channels\": 16, \"kernel\": 3},"
                        + "{\"name\": \"bn1\", \"type\": \"batchnorm2d\", \"num_features\": 8},"
                        + "{\"type\": \"global_avgpool2d\"}"));
        assertEquals("node 'bn1' (batchnorm2d): num_features is 8 but the input 16x6x6 has 16 channels", msg);
    }

    @Test
    void graphStructureMistakesNameTheNode() {
        assertTrue(error(graph("[1, 4, 4]", "{\"name\": \"a\", \"type\": \"relu\"}, {\"name\": \"a\", \"type\": \"flatten\"}"))
                .startsWith("node 'a' (flatten): duplicate node name"));
        assertTrue(error(graph("[1, 4, 4]", "{\"name\": \"a\", \"type\": \"relu\"}, {\"name\": \"b\", \"type\": \"relu\", \"inputs\": [\"input\"]},"
                + "{\"type\": \"flatten\"}")).startsWith("node 'a' (relu): its output is not used"));
        assertTrue(error(graph("[1, 4, 4]", "{\"name\": \"a\", \"type\": \"relu\", \"inputs\": [\"input\", \"input\"]}, {\"type\": \"flatten\"}"))
                .startsWith("node 'a' (relu): takes 1 input, got 2"));
        assertTrue(error(graph("[1, 4, 4]", "{\"name\": \"s\", \"type\": \"add\"}, {\"type\": \"flatten\"}"))
                .startsWith("node 's' (add): needs at least 2 inputs, got 1"));
    }

    @Test
    void batchNormNeedsItsStateAndMoreThanOneValuePerChannel() {
        ModelDefinition def = ModelDefinition.fromJson(graph("[2, 1, 1]", "{\"name\": \"bn\", \"type\": \"batchnorm2d\"}, {\"type\": \"flatten\"}"));
        Network net = def.newNetwork(2);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> net.forward(params, new float[2], 1, Pass.INFERENCE))
                .getMessage().contains("has state"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> net.forward(params, def.initialBuffers(), new float[2], 1, Pass.training(0, 0, 1)))
                .getMessage().startsWith("batchnorm2d 'bn': training needs more than 1 value per channel, got 1"));
    }

    @Test
    void kernelThatDoesNotFitNamesTheLayer() {
        // LeNet-5 on 12x12 input: conv1 5x5 p2 -> 12x12, pool -> 6x6, conv2 5x5 -> 2x2, pool -> 1x1 ... use 8x8 instead:
        // 8x8 -> conv1 8x8 -> pool 4x4 -> conv2 5x5 does not fit 4x4
        String msg = error(model("[1, 8, 8]",
                "{\"type\": \"conv2d\", \"name\": \"conv1\", \"out_channels\": 6, \"kernel\": 5, \"padding\": 2},"
                        + "{\"type\": \"relu\"}, {\"type\": \"maxpool2d\", \"kernel\": 2},"
                        + "{\"type\": \"conv2d\", \"name\": \"conv2\", \"out_channels\": 16, \"kernel\": 5},"
                        + "{\"type\": \"flatten\"}"));
        assertEquals("layer 4 (conv2d 'conv2'): 5x5 kernel does not fit the 4x4 padded input", msg);
    }

    @Test
    void unknownLayerTypeIsNamed() {
        String msg = error(model("[1, 4, 4]", "{\"type\": \"flatten\"}, {\"type\": \"batchnorm\", \"name\": \"bn\"}"));
        assertTrue(msg.startsWith("layer 2 (batchnorm 'bn'): unknown layer type 'batchnorm'"), msg);
        assertTrue(msg.contains("conv2d"), "lists the known types: " + msg);
    }

    @Test
    void negativeSizesNameTheField() {
        assertTrue(error(model("[1, 4, 4]", "{\"type\": \"conv2d\", \"name\": \"c\", \"out_channels\": -3, \"kernel\": 3}"))
                .startsWith("layer 1 (conv2d 'c'): out_channels must be positive, got -3"));
        assertTrue(error(model("[1, 4, 4]", "{\"type\": \"conv2d\", \"out_channels\": 3, \"kernel\": [3, -1]}"))
                .startsWith("layer 1 (conv2d): kernel must be positive, got -1"));
        assertTrue(error(model("[1, 4, 4]", "{\"type\": \"maxpool2d\", \"kernel\": 2, \"padding\": -1}, {\"type\": \"flatten\"}"))
                .contains("padding must not be negative, got -1"));
        assertTrue(error(model("[1, -4, 4]", "{\"type\": \"flatten\"}")).contains("input"));
        assertTrue(error(model("[1, 4, 4]", "{\"type\": \"flatten\"}, {\"type\": \"dense\", \"name\": \"fc\", \"out_features\": 0}"))
                .startsWith("layer 2 (dense 'fc'): out_features must be positive, got 0"));
    }

    @Test
    void unknownKeysAndWrongTypesNameTheKey() {
        assertTrue(error(model("[1, 4, 4]", "{\"type\": \"conv2d\", \"out_channels\": 3, \"kernal\": 3}"))
                .contains("unknown key 'kernal'"));
        assertTrue(error(model("[1, 4, 4]", "{\"type\": \"conv2d\", \"out_channels\": 3, \"kernel\": \"big\"}"))
                .contains("'kernel' must be an integer or a pair"));
        assertTrue(error(model("[1, 4, 4]", "{\"type\": \"conv2d\", \"out_channels\": 3}")).contains("missing required field 'kernel'"));
        assertTrue(error("{\"input\": [1,4,4], \"layers\": [{\"type\": \"flatten\"}], \"loss\": {\"type\": \"hinge\"}}")
                .contains("loss: unknown type 'hinge'"));
        assertTrue(error("{\"input\": [1,4,4], \"layerz\": []}").contains("unknown key 'layerz'"));
    }

    @Test
    void wrongShapesNameTheLayer() {
        assertTrue(error(model("[3, 8, 8]", "{\"type\": \"conv2d\", \"name\": \"c\", \"in_channels\": 1, \"out_channels\": 2, \"kernel\": 3}, {\"type\": \"flatten\"}"))
                .startsWith("layer 1 (conv2d 'c'): expects 1 input channels but the input is 3x8x8"));
        assertTrue(error(model("[1, 8, 8]", "{\"type\": \"dense\", \"name\": \"fc\", \"out_features\": 2}"))
                .startsWith("layer 1 (dense 'fc'): expects a vector input but got 1x8x8; add a flatten layer before it"));
        assertTrue(error(model("[1, 8, 8]", "{\"type\": \"flatten\"}, {\"type\": \"dense\", \"name\": \"fc\", \"in_features\": 60, \"out_features\": 2}"))
                .contains("layer 2 (dense 'fc'): expects 60 input features but the input has 64"));
    }

    @Test
    void wrongInputLengthAndBatchSizeAreRejected() throws IOException {
        ModelDefinition lenet = ModelDefinition.load("lenet5");
        Network net = lenet.newNetwork(4);
        float[] params = new float[lenet.paramCount()];
        String msg = assertThrows(IllegalArgumentException.class,
                () -> net.forward(params, new float[1000], 2, Pass.INFERENCE)).getMessage();
        assertTrue(msg.contains("input has 1000 floats; 2 examples of shape 1x28x28 need 1568"), msg);
        assertEquals("model 'lenet5' expects input of shape 1x28x28, got 3x32x32", assertThrows(IllegalArgumentException.class,
                () -> lenet.checkInput(new Shape(3, 32, 32))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> net.forward(params, new float[5 * 784], 5, Pass.INFERENCE)).getMessage().contains("takes 1 to 4"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> net.forward(new float[10], new float[784], 1, Pass.INFERENCE)).getMessage().contains("params has 10 floats"));
    }

    @Test
    void labelOutOfRangeNamesTheExampleAndTheRange() throws IOException {
        ModelDefinition lenet = ModelDefinition.load("lenet5");
        Network net = lenet.newNetwork(2);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(lenet, 1);
        String msg = assertThrows(IllegalArgumentException.class, () -> net.lossAndGradient(params,
                new float[params.length], new float[2 * 784], new int[]{3, 10}, null, 2, 2, Pass.INFERENCE)).getMessage();
        assertTrue(msg.contains("label 10 of example 1 is out of range [0, 10)"), msg);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> net.lossAndGradient(params,
                new float[params.length], new float[2 * 784], new int[]{-1, 0}, null, 2, 2, Pass.INFERENCE)).getMessage()
                .contains("label -1 of example 0"));
    }

    @Test
    void unknownModelNameListsTheShippedOnes() {
        String msg = assertThrows(IllegalArgumentException.class, () -> ModelDefinition.load("resnet50")).getMessage();
        assertTrue(msg.contains("no model named 'resnet50'") && msg.contains("lenet5"), msg);
    }

    @Test
    void layerTypesAreTheDocumentedOnes() {
        assertEquals("[add, avgpool2d, batchnorm2d, concat, conv2d, dense, dropout, flatten, global_avgpool2d, leaky_relu, maxpool2d, relu, sigmoid, tanh]",
                Layers.types().toString());
    }
}
