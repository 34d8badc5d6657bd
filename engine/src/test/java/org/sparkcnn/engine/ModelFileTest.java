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

    /** A residual block with batch norm: its running statistics are state, saved beside the weights. */
    private static ModelFile.SavedModel resblock() {
        ModelDefinition def = ModelDefinition.fromJson("""
                {"format": "sparkcnn-model/2", "name": "res", "input": [2, 6, 6], "nodes": [
                  {"name": "stem", "type": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1, "bias": false},
                  {"name": "bn1", "type": "batchnorm2d", "num_features": 4},
                  {"name": "r1", "type": "relu"},
                  {"name": "conv", "type": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1, "bias": false},
                  {"name": "bn2", "type": "batchnorm2d", "momentum": 0.2},
                  {"name": "sum", "type": "add", "inputs": ["bn2", "r1"]},
                  {"name": "gap", "type": "global_avgpool2d"},
                  {"name": "fc", "type": "dense", "out_features": 3}],
                 "loss": {"type": "softmax_cross_entropy"}}""");
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 7);
        float[] buffers = def.initialBuffers();
        def.newNetwork(2).forward(params, buffers, GradientCheckTest.randomFloats(new java.util.SplittableRandom(3), 2 * 72, 1),
                2, org.sparkcnn.engine.layers.Pass.training(1, 0, 2));  // moves the running statistics off 0 and 1
        return new ModelFile.SavedModel(def, params, Normalization.IDENTITY, Map.of("seed", "7"), buffers);
    }

    @Test
    void graphWithBatchNormRoundTripsWithItsState() throws IOException {
        ModelFile.SavedModel saved = resblock();
        assertEquals(16, saved.definition().bufferCount());
        assertEquals(java.util.List.of("bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var"),
                saved.definition().buffers().stream().map(ModelDefinition.ParamSlice::name).toList());
        assertTrue(saved.buffers()[0] != 0f && saved.buffers()[4] != 1f, "the training pass updated the state");
        assertEquals(ModelDefinition.FORMAT_GRAPH, saved.definition().toJson().path("format").asText());
        byte[] b = bytes(saved);
        assertEquals(2, java.nio.ByteBuffer.wrap(b, 8, 4).getInt(), "written as version 2");
        ModelFile.SavedModel loaded = ModelFile.read(new ByteArrayInputStream(b), "mem");
        assertEquals(saved.definition(), loaded.definition());
        assertArrayEquals(saved.params(), loaded.params());
        assertArrayEquals(saved.buffers(), loaded.buffers());
        assertEquals(saved.definition().toJson(), ModelDefinition.fromJson(loaded.definition().toJsonString()).toJson());
        // corrupting one state value is caught
        b[b.length - 8 - 1] ^= 1;
        IOException e = assertThrows(IOException.class, () -> ModelFile.read(new ByteArrayInputStream(b), "bad"));
        assertTrue(e.getMessage().startsWith("bad: corrupt model file"), e.getMessage());
    }

    /** A file of format version 1 (no state section), as the previous release wrote it, still loads. */
    @Test
    void versionOneFileStillLoads() throws IOException {
        ModelFile.SavedModel m = lenet();
        com.fasterxml.jackson.databind.node.ObjectNode header = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        header.set("definition", m.definition().toJson());
        header.putObject("normalization").putArray("mean").add(0.2860f);
        ((com.fasterxml.jackson.databind.node.ObjectNode) header.get("normalization")).putArray("std").add(0.3530f);
        header.putObject("metadata").put("seed", "42");
        header.put("param_count", m.params().length);
        header.put("weights_sha256", ModelFile.sha256(m.params()));
        byte[] h = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(header);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        java.io.DataOutputStream data = new java.io.DataOutputStream(new java.util.zip.CheckedOutputStream(out, crc));
        data.write("SPCNNMDL".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        data.writeInt(1);
        data.writeInt(h.length);
        data.write(h);
        ModelFile.writeFloats(data, m.params());
        data.flush();
        new java.io.DataOutputStream(out).writeLong(crc.getValue());
        assertEquals(ModelDefinition.FORMAT, m.definition().toJson().path("format").asText(), "a chain is still written as /1");

        ModelFile.SavedModel loaded = ModelFile.read(new ByteArrayInputStream(out.toByteArray()), "v1");
        assertEquals(m.definition(), loaded.definition());
        assertArrayEquals(m.params(), loaded.params());
        assertEquals(0, loaded.buffers().length);
        assertEquals("42", loaded.metadata().get("seed"));
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
        assertEquals(java.util.List.of("lenet5", "small", "tfconv", "vgg-cifar", "resnet8", "resnet20"),
                ModelDefinition.shippedModels());
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
