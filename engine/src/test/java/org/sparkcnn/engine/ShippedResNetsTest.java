package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.Conv2d;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.Merge;
import org.sparkcnn.engine.layers.Pass;

/**
 * conf/models/resnet8.json and resnet20.json against ../shared/peers/pytorch/models.py (_ResNet(n), n = 1 and 3):
 * the parameter counts and tensor shapes in PyTorch's parameters() order, the state size, the BN settings,
 * the stage shapes and an output of 10.
 */
class ShippedResNetsTest {

    // Per block (cin -> cout): conv1 cout*cin*9, bn1 2*cout, conv2 cout*cout*9, bn2 2*cout,
    // plus, when stride 2 or cin != cout, the projection cout*cin + 2*cout.
    //   stem conv 16*1*9 = 144, bn 32                            ->    176
    //   16->16 block: 2304 + 32 + 2304 + 32                      ->  4,672
    //   16->32 stride 2: 4608 + 64 + 9216 + 64 + 512 + 64        -> 14,528
    //   32->32 block: 9216 + 64 + 9216 + 64                      -> 18,560
    //   32->64 stride 2: 18432 + 128 + 36864 + 128 + 2048 + 128  -> 57,728
    //   64->64 block: 36864 + 128 + 36864 + 128                  -> 73,984
    //   fc 64*10 + 10                                            ->    650
    // resnet8:  176 + 4,672 + 14,528 + 57,728 + 650                                   =  77,754
    // resnet20: 176 + 3*4,672 + 14,528 + 2*18,560 + 57,728 + 2*73,984 + 650          = 272,186
    // BN channels: resnet8 16 + 2*16 + 3*32 + 3*64 = 336; resnet20 16 + 6*16 + 7*32 + 7*64 = 784
    @ParameterizedTest(name = "{0}")
    @CsvSource({"resnet8, 1, 77754, 336", "resnet20, 3, 272186, 784"})
    void matchesThePyTorchPeer(String name, int n, int params, int bnChannels) throws IOException {
        ModelDefinition def = ModelDefinition.load(name);
        assertEquals(name, def.name());
        assertEquals(new Shape(1, 28, 28), def.inputShape());
        assertEquals(params, def.paramCount());
        assertEquals(Shape.vector(10), def.outputShape());
        assertEquals(10, def.outputSize());
        assertEquals(2 * bnChannels, def.bufferCount());
        assertEquals(expectedShapes(n), def.params().stream().map(s -> shape(s.tensor().shape())).toList());

        int bn = 0, channels = 0, adds = 0, convs = 0;
        for (int i = 0; i < def.layers().size(); i++) {
            Layer l = def.layers().get(i);
            if (l instanceof BatchNorm2d b) {
                bn++;
                channels += def.nodeInputShape(i, 0).channels();
                assertEquals(1e-5, b.eps(), l.name());
                assertEquals(0.1, b.momentum(), l.name());
            } else if (l instanceof Conv2d c) {
                convs++;
                assertFalse(c.bias(), l.name() + " has no bias (a batch norm follows)");
                assertTrue(def.layers().get(i + 1) instanceof BatchNorm2d, l.name() + " is followed by its batch norm");
            } else if (l instanceof Merge m) {
                adds++;
                assertFalse(m.concat(), l.name());
                assertEquals(2, def.nodeInputs(i).length, l.name());
            }
        }
        assertEquals(bnChannels, channels);
        assertEquals(convs, bn);
        assertEquals(3 * n, adds, "one residual add per basic block");
        // stages end at 16x28x28, 32x14x14 and 64x7x7
        assertEquals(new Shape(16, 28, 28), def.nodeOutputShape(index(def, "s1b" + n + "_relu2")));
        assertEquals(new Shape(32, 14, 14), def.nodeOutputShape(index(def, "s2b" + n + "_relu2")));
        assertEquals(new Shape(64, 7, 7), def.nodeOutputShape(index(def, "s3b" + n + "_relu2")));
        assertEquals(Shape.vector(64), def.nodeOutputShape(index(def, "gap")));
    }

    /** What models.py's resnet8 gives: {@code " ".join("x".join(map(str, p.shape)) for p in m.parameters())}. */
    @Test
    void resnet8TensorShapesAreThoseTorchPrinted() {
        String torch = "16x1x3x3 16 16 16x16x3x3 16 16 16x16x3x3 16 16 32x16x3x3 32 32 32x32x3x3 32 32 32x16x1x1 32 32 "
                + "64x32x3x3 64 64 64x64x3x3 64 64 64x32x1x1 64 64 10x64 10";
        assertEquals(Arrays.asList(torch.split(" ")), expectedShapes(1));
    }

    @Test
    void runsForwardInTrainingAndInference() throws IOException {
        ModelDefinition def = ModelDefinition.load("resnet8");
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
        float[] buffers = def.initialBuffers();
        SplittableRandom rng = new SplittableRandom(2);
        float[] x = new float[2 * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        Network net = def.newNetwork(2);
        float[] train = Arrays.copyOf(net.forward(params, buffers, x, 2, Pass.training(1, 0, 2)), 20);
        assertFalse(Arrays.equals(def.initialBuffers(), buffers), "a training pass updates the running statistics");
        float[] infer = Arrays.copyOf(net.forward(params, buffers, x, 2, Pass.INFERENCE), 20);
        for (int i = 0; i < 20; i++) {
            assertTrue(Float.isFinite(train[i]) && Float.isFinite(infer[i]), "output " + i);
        }
        assertFalse(Arrays.equals(train, infer), "inference normalizes with the running statistics, not the batch's");
    }

    /** The parameter shapes of models.py's _ResNet(n), in parameters() order. */
    static List<String> expectedShapes(int n) {
        List<String> s = new ArrayList<>(List.of("16x1x3x3", "16", "16"));
        int cin = 16;
        for (int[] stage : new int[][]{{16, 1}, {32, 2}, {64, 2}}) {
            int width = stage[0];
            for (int i = 0; i < n; i++) {
                int stride = i == 0 ? stage[1] : 1;
                s.addAll(List.of(width + "x" + cin + "x3x3", "" + width, "" + width, width + "x" + width + "x3x3", "" + width, "" + width));
                if (stride != 1 || cin != width) {
                    s.addAll(List.of(width + "x" + cin + "x1x1", "" + width, "" + width));
                }
                cin = width;
            }
        }
        s.addAll(List.of("10x64", "10"));
        return s;
    }

    private static String shape(int[] dims) {
        return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining("x"));
    }

    private static int index(ModelDefinition def, String node) {
        for (int i = 0; i < def.layers().size(); i++) {
            if (def.layers().get(i).name().equals(node)) {
                return i;
            }
        }
        throw new AssertionError(def.name() + " has no node '" + node + "'");
    }
}
