package org.sparkcnn.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The model file: architecture, weights, state (batch norm's running statistics), normalization and
 * free-form metadata, through plain {@code java.io} streams (the jobs module passes Hadoop FileSystem
 * streams). Version 2, big-endian:
 * <pre>
 *   8 bytes  magic "SPCNNMDL"
 *   int32    format version (2)
 *   int32    header length H, then H bytes of UTF-8 JSON:
 *            {"definition": {model JSON}, "normalization": {"mean": [..], "std": [..]},
 *             "metadata": {string: string}, "param_count": P, "weights_sha256": hex,
 *             "buffer_count": B, "buffers_sha256": hex}
 *   int32    P, then P float32 weights in the model's flat layout
 *   int32    B, then B float32 state values in the model's state layout (B = 0 for most models)
 *   int64    CRC-32 of every preceding byte
 * </pre>
 * Version 1 is the same without the state fields and section; it still loads (its models have no state).
 * Reading checks the magic, the version, the lengths, the CRC and the hashes, so a truncated or
 * foreign file fails with a message, never as garbage weights.
 */
public final class ModelFile {

    public static final int VERSION = 2;
    private static final byte[] MAGIC = "SPCNNMDL".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER = 64 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a model file holds; {@code buffers} is the model's state ({@link ModelDefinition#bufferCount()} floats). */
    public record SavedModel(ModelDefinition definition, float[] params, Normalization normalization,
                             Map<String, String> metadata, float[] buffers) {

        /** A model with its initial state (running means 0, variances 1); for models without state, the only state. */
        public SavedModel(ModelDefinition definition, float[] params, Normalization normalization, Map<String, String> metadata) {
            this(definition, params, normalization, metadata, definition.initialBuffers());
        }
    }

    private ModelFile() {
    }

    public static void write(OutputStream out, SavedModel model) throws IOException {
        ModelDefinition def = model.definition();
        if (model.params().length != def.paramCount()) {
            throw new IllegalArgumentException("model '" + def.name() + "' has " + def.paramCount()
                    + " parameters but " + model.params().length + " weights were given");
        }
        if (model.buffers().length != def.bufferCount()) {
            throw new IllegalArgumentException("model '" + def.name() + "' has " + def.bufferCount()
                    + " values of state but " + model.buffers().length + " were given");
        }
        ObjectNode header = JSON.createObjectNode();
        header.set("definition", def.toJson());
        ObjectNode norm = header.putObject("normalization");
        Normalization n = model.normalization() == null ? Normalization.IDENTITY : model.normalization();
        for (float m : n.mean()) {
            norm.withArray("mean").add(m);
        }
        for (float s : n.std()) {
            norm.withArray("std").add(s);
        }
        ObjectNode meta = header.putObject("metadata");
        model.metadata().forEach(meta::put);
        header.put("param_count", def.paramCount());
        header.put("weights_sha256", sha256(model.params()));
        header.put("buffer_count", def.bufferCount());
        header.put("buffers_sha256", sha256(model.buffers()));
        byte[] headerBytes = JSON.writeValueAsBytes(header);

        CRC32 crc = new CRC32();
        DataOutputStream data = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(out, 1 << 16), crc));
        data.write(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(headerBytes.length);
        data.write(headerBytes);
        writeFloats(data, model.params());
        writeFloats(data, model.buffers());
        data.flush();
        new DataOutputStream(out).writeLong(crc.getValue());
        out.flush();
    }

    /** Writes the length of {@code values}, then the values big-endian (as {@link java.io.DataInput#readFloat} reads them). */
    public static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        for (float v : values) {
            if (!buf.hasRemaining()) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putFloat(v);
        }
        out.write(buf.array(), 0, buf.position());
    }

    /**
     * Reads a model file. {@code source} names the file in error messages.
     *
     * @throws IOException naming {@code source} and what is wrong (foreign, truncated, corrupt)
     */
    public static SavedModel read(InputStream in, String source) throws IOException {
        CRC32 crc = new CRC32();
        DataInputStream data = new DataInputStream(new CheckedInputStream(new BufferedInputStream(in, 1 << 16), crc));
        try {
            byte[] magic = new byte[MAGIC.length];
            data.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IOException(source + ": not a SparkCNN model file (it does not start with \"SPCNNMDL\")");
            }
            int version = data.readInt();
            if (version != 1 && version != VERSION) {
                throw new IOException(source + ": model file format version " + version + " is not supported (this build reads versions 1 to " + VERSION + ")");
            }
            int headerLength = data.readInt();
            if (headerLength <= 0 || headerLength > MAX_HEADER) {
                throw new IOException(source + ": corrupt model file (header length " + headerLength + ")");
            }
            byte[] headerBytes = new byte[headerLength];
            data.readFully(headerBytes);
            int count = data.readInt();
            JsonNode header;
            try {
                header = JSON.readTree(headerBytes);
            } catch (IOException e) {
                throw new IOException(source + ": corrupt model file (header is not JSON)", e);
            }
            ModelDefinition def;
            Normalization norm;
            try {
                def = ModelDefinition.fromJson(header.path("definition"));
                norm = new Normalization(floats(header.path("normalization").path("mean")), floats(header.path("normalization").path("std")));
            } catch (IllegalArgumentException e) {
                throw new IOException(source + ": corrupt model file: " + e.getMessage(), e);
            }
            if (count != def.paramCount() || header.path("param_count").asInt(-1) != count) {
                throw new IOException(source + ": corrupt model file: " + count + " weights stored but model '" + def.name()
                        + "' has " + def.paramCount() + " parameters");
            }
            float[] params = readFloats(data, count);
            float[] buffers;
            if (version == 1) {
                buffers = def.initialBuffers();
                if (buffers.length != 0) {
                    throw new IOException(source + ": corrupt model file: version 1 cannot hold model '" + def.name() + "', which has state");
                }
            } else {
                int bufferCount = data.readInt();
                if (bufferCount != def.bufferCount() || header.path("buffer_count").asInt(-1) != bufferCount) {
                    throw new IOException(source + ": corrupt model file: " + bufferCount + " values of state stored but model '"
                            + def.name() + "' has " + def.bufferCount());
                }
                buffers = readFloats(data, bufferCount);
            }
            long expectedCrc = crc.getValue();
            long storedCrc = new DataInputStream(data).readLong();
            if (storedCrc != expectedCrc) {
                throw new IOException(source + ": corrupt model file (checksum mismatch)");
            }
            if (!sha256(params).equals(header.path("weights_sha256").asText())) {
                throw new IOException(source + ": corrupt model file (weights hash mismatch)");
            }
            if (version > 1 && !sha256(buffers).equals(header.path("buffers_sha256").asText())) {
                throw new IOException(source + ": corrupt model file (state hash mismatch)");
            }
            Map<String, String> meta = new LinkedHashMap<>();
            header.path("metadata").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
            return new SavedModel(def, params, norm, meta, buffers);
        } catch (EOFException e) {
            throw new IOException(source + ": truncated model file (it ends before the data its header announces)", e);
        }
    }

    private static float[] readFloats(DataInputStream data, int count) throws IOException {
        float[] values = new float[count];
        byte[] chunk = new byte[1 << 16];
        for (int done = 0; done < count; ) {
            int floats = Math.min(chunk.length / 4, count - done);
            data.readFully(chunk, 0, floats * 4);
            ByteBuffer.wrap(chunk, 0, floats * 4).asFloatBuffer().get(values, done, floats);
            done += floats;
        }
        return values;
    }

    private static float[] floats(JsonNode arr) {
        if (!arr.isArray()) {
            throw new IllegalArgumentException("normalization mean/std must be lists");
        }
        float[] out = new float[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) arr.get(i).asDouble();
        }
        return out;
    }

    /** SHA-256 of the weights' IEEE-754 bits, big-endian: equal hashes mean bit-identical weights. */
    public static String sha256(float[] params) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        for (float p : params) {
            if (!buf.hasRemaining()) {
                md.update(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putInt(Float.floatToRawIntBits(p));
        }
        md.update(buf.array(), 0, buf.position());
        return HexFormat.of().formatHex(md.digest());
    }
}
