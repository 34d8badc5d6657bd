package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelFileTest {

    private static ModelFile.SavedModel lenet() throws IOException {
        ModelDefinition def = ModelDefinition.load("lenet5");
        return new ModelFile.SavedModel(def, Initializer.PYTORCH_DEFAULT.initialize(def, 42),
                new Normalization(new float[]{0.2860f}, new float[]{0.3530f}), Map.of("seed", "42", "epochs", "2"));
    }

    private static byte[] bytes(ModelFile.SavedModel m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelFile.write(out, m);
        return out.toByteArray();
    }

    @Test
    void roundTripKeepsArchitectureWeightsNormalizationAndMetadata() throws IOException {
        ModelFile.SavedModel saved = lenet();
        ModelFile.SavedModel loaded = ModelFile.read(new ByteArrayInputStream(bytes(saved)), "mem");
        assertEquals(saved.definition(), loaded.definition());
        assertArrayEquals(saved.params(), loaded.params());
        assertEquals(saved.normalization(), loaded.normalization());
        assertEquals(saved.metadata(), loaded.metadata());
    }

    @Test
    void everyTruncationFailsWithAClearMessage() throws IOException {
        byte[] full = bytes(lenet());
        for (int cut : new int[]{0, 4, 10, 14, 100, full.length / 2, full.length - 9, full.length - 1}) {
            IOException e = assertThrows(IOException.class,
                    () -> ModelFile.read(new ByteArrayInputStream(Arrays.copyOf(full, cut)), "model.bin"), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("model.bin: "), e.getMessage());
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("corrupt")
                    || e.getMessage().contains("not a SparkCNN model file"), "cut at " + cut + ": " + e.getMessage());
        }
    }

    @Test
    void foreignAndCorruptFilesAreRejected() throws IOException {
        IOException foreign = assertThrows(IOException.class,
                () -> ModelFile.read(new ByteArrayInputStream("PK\u0003\u0004 this is a zip".getBytes()), "x.zip"));
        assertEquals("x.zip: not a SparkCNN model file (it does not start with \"SPCNNMDL\")", foreign.getMessage());

        byte[] flipped = bytes(lenet());
        flipped[flipped.length - 100] ^= 0x10;  // a weight bit
        assertTrue(assertThrows(IOException.class, () -> ModelFile.read(new ByteArrayInputStream(flipped), "m"))
                .getMessage().contains("checksum mismatch"));

        byte[] future = bytes(lenet());
        future[11] = 9;  // version 9
        assertTrue(assertThrows(IOException.class, () -> ModelFile.read(new ByteArrayInputStream(future), "m"))
                .getMessage().contains("format version 9 is not supported"));
    }

    @Test
    void shippedModelsHaveThePeerParameterCounts() throws IOException {
        assertEquals(61_706, ModelDefinition.load("lenet5").paramCount());
        assertEquals(20_490, ModelDefinition.load("small").paramCount());
        assertEquals(3_274_634, ModelDefinition.load("tfconv").paramCount());
        // 2 x MACs: conv1 6*28*28*25 + conv2 16*10*10*150 + 400*120 + 120*84 + 84*10 = 416,520 MACs (0.83 MFLOP, as models.py says)
        assertEquals(833_040, ModelDefinition.load("lenet5").forwardFlops());
        ModelDefinition vgg = ModelDefinition.load("vgg-cifar");
        assertEquals(new Shape(3, 32, 32), vgg.inputShape());
        assertEquals(10, vgg.outputSize());
        assertEquals(java.util.List.of("lenet5", "small", "tfconv", "vgg-cifar"), ModelDefinition.shippedModels());
    }

    @Test
    void definitionJsonRoundTrips() throws IOException {
        for (String name : ModelDefinition.shippedModels()) {
            ModelDefinition def = ModelDefinition.load(name);
            ModelDefinition again = ModelDefinition.fromJson(def.toJsonString());
            assertEquals(def, again, name);
            assertEquals(def.paramCount(), again.paramCount());
        }
    }

    @Test
    void weightsHashChangesWithAnySingleBit() {
        float[] w = {1f, 2f, 3f};
        String h = ModelFile.sha256(w);
        assertEquals(64, h.length());
        w[1] = Math.nextUp(w[1]);
        assertTrue(!h.equals(ModelFile.sha256(w)));
        assertEquals(ModelFile.sha256(new float[]{0f}), ModelFile.sha256(new float[]{0f}));
        assertTrue(!ModelFile.sha256(new float[]{0f}).equals(ModelFile.sha256(new float[]{-0f})));
    }
}
