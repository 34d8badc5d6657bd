package org.sparkcnn.jobs.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.optim.OptimizerState;
import org.sparkcnn.engine.optim.ScheduleState;

/**
 * The complete state of a training run after {@code step} optimizer updates: enough to continue it
 * bit-identically. The data cursor is the step itself (epochs have a fixed number of steps, and the
 * examples of every step are a function of the seed), and so are the RNG streams (dropout masks are
 * drawn from (seed, step)); the seed is kept to check that.
 *
 * <p>{@code trainerState} and {@code trainerArrays} carry what the caller tracks beyond the job
 * (early stopping: best value, patience counter, best weights). Arrays are owned by the checkpoint:
 * callers pass copies.
 *
 * <p>{@code buffers} is the model's state (batch norm's running statistics), or null for a model
 * without: stored as the array {@code buffers} with its {@code buffers_sha256} in the header. Format
 * version 1 is unchanged otherwise: a checkpoint without state reads and writes as before, and a
 * reader ignores array names it does not know.
 */
public record Checkpoint(long step, int epoch, int stepInEpoch, long seed, String modelJson, String config,
                         Map<String, String> dataFingerprint, float[] params, OptimizerState optimizer,
                         ScheduleState schedule, Map<String, Double> trainerState,
                         Map<String, float[]> trainerArrays, float[] buffers) {

    /** A checkpoint of a model without state. */
    public Checkpoint(long step, int epoch, int stepInEpoch, long seed, String modelJson, String config,
                      Map<String, String> dataFingerprint, float[] params, OptimizerState optimizer,
                      ScheduleState schedule, Map<String, Double> trainerState, Map<String, float[]> trainerArrays) {
        this(step, epoch, stepInEpoch, seed, modelJson, config, dataFingerprint, params, optimizer, schedule, trainerState,
                trainerArrays, null);
    }

    static final int VERSION = 1;
    private static final byte[] MAGIC = "SPCNNCKP".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER = 64 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    public Checkpoint {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
        if (step < 0) {
            throw new IllegalArgumentException("checkpoint step must be >= 0, got " + step);
        }
        dataFingerprint = Map.copyOf(dataFingerprint);
        trainerState = new LinkedHashMap<>(trainerState);
        trainerArrays = new LinkedHashMap<>(trainerArrays);
        if (buffers != null && buffers.length == 0) {
            buffers = null;
        }
    }

    public String weightsSha256() {
        return ModelFile.sha256(params);
    }

    public String configSha256() {
        return sha256(config.getBytes(StandardCharsets.UTF_8));
    }

    /** The checkpoint's bytes: magic, version, a JSON header, then every float array. */
    public byte[] toBytes() {
        ObjectNode h = JSON.createObjectNode();
        h.put("step", step);
        h.put("epoch", epoch);
        h.put("step_in_epoch", stepInEpoch);
        h.put("seed", seed);
        h.put("model", modelJson);
        h.put("config", config);
        h.put("config_sha256", configSha256());
        h.put("weights_sha256", weightsSha256());
        if (buffers != null) {
            h.put("buffers_sha256", ModelFile.sha256(buffers));
        }
        ObjectNode fp = h.putObject("data_fingerprint");
        dataFingerprint.forEach(fp::put);
        ObjectNode opt = h.putObject("optimizer");
        opt.put("type", optimizer.type());
        opt.put("step", optimizer.step());
        ObjectNode sched = h.putObject("schedule");
        sched.put("type", schedule.type());
        ObjectNode values = sched.putObject("values");
        schedule.values().forEach(values::put);
        ObjectNode trainer = h.putObject("trainer_state");
        trainerState.forEach(trainer::put);

        List<String> names = new ArrayList<>();
        List<float[]> arrays = new ArrayList<>();
        names.add("params");
        arrays.add(params);
        if (buffers != null) {
            names.add("buffers");
            arrays.add(buffers);
        }
        optimizer.buffers().forEach((k, v) -> {
            names.add("optimizer/" + k);
            arrays.add(v);
        });
        trainerArrays.forEach((k, v) -> {
            names.add("trainer/" + k);
            arrays.add(v);
        });
        names.forEach(h.putArray("arrays")::add);
        try {
            byte[] header = JSON.writeValueAsBytes(h);
            long size = MAGIC.length + 8L + header.length;
            for (float[] a : arrays) {
                size += 4L + 4L * a.length;
            }
            if (size > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("checkpoint of " + size + " bytes is too large for one file");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) size);
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(header.length);
            out.write(header);
            for (float[] a : arrays) {
                ModelFile.writeFloats(out, a);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize a checkpoint in memory", e);
        }
    }

    /** Parses {@link #toBytes()}; {@code source} names the file in errors. */
    public static Checkpoint fromBytes(byte[] data, String source) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        try {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException(source + ": not a SparkCNN checkpoint (it does not start with \"SPCNNCKP\")");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException(source + ": checkpoint format version " + version + " is not supported (this build reads "
                        + VERSION + ")");
            }
            int headerLength = in.readInt();
            if (headerLength <= 0 || headerLength > MAX_HEADER) {
                throw new IOException(source + ": corrupt checkpoint (header length " + headerLength + ")");
            }
            byte[] headerBytes = new byte[headerLength];
            in.readFully(headerBytes);
            JsonNode h = JSON.readTree(headerBytes);
            Map<String, float[]> arrays = new LinkedHashMap<>();
            for (JsonNode name : h.get("arrays")) {
                int n = in.readInt();
                if (n < 0 || 4L * n > in.available()) {
                    throw new IOException(source + ": corrupt checkpoint (array '" + name.asText() + "' of length " + n + ")");
                }
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.readFloat();
                }
                arrays.put(name.asText(), a);
            }
            if (in.available() != 0) {
                throw new IOException(source + ": corrupt checkpoint (" + in.available() + " bytes after the last array)");
            }
            LinkedHashMap<String, float[]> optimizerBuffers = new LinkedHashMap<>();
            Map<String, float[]> trainerArrays = new LinkedHashMap<>();
            arrays.forEach((k, v) -> {
                if (k.startsWith("optimizer/")) {
                    optimizerBuffers.put(k.substring("optimizer/".length()), v);
                } else if (k.startsWith("trainer/")) {
                    trainerArrays.put(k.substring("trainer/".length()), v);
                }
            });
            JsonNode opt = h.get("optimizer");
            JsonNode sched = h.get("schedule");
            LinkedHashMap<String, Double> scheduleValues = new LinkedHashMap<>();
            fields(sched.get("values")).forEachRemaining(e -> scheduleValues.put(e.getKey(), e.getValue().asDouble()));
            Map<String, Double> trainerState = new LinkedHashMap<>();
            fields(h.get("trainer_state")).forEachRemaining(e -> trainerState.put(e.getKey(), e.getValue().asDouble()));
            Map<String, String> fingerprint = new LinkedHashMap<>();
            fields(h.get("data_fingerprint")).forEachRemaining(e -> fingerprint.put(e.getKey(), e.getValue().asText()));
            float[] params = arrays.get("params");
            if (params == null) {
                throw new IOException(source + ": corrupt checkpoint (no weights)");
            }
            Checkpoint c = new Checkpoint(h.get("step").asLong(), h.get("epoch").asInt(), h.get("step_in_epoch").asInt(),
                    h.get("seed").asLong(), h.get("model").asText(), h.get("config").asText(), fingerprint, params,
                    new OptimizerState(opt.get("type").asText(), opt.get("step").asLong(), optimizerBuffers),
                    new ScheduleState(sched.get("type").asText(), scheduleValues), trainerState, trainerArrays,
                    arrays.get("buffers"));
            if (!c.weightsSha256().equals(h.get("weights_sha256").asText())) {
                throw new IOException(source + ": corrupt checkpoint (the weights do not match their sha256)");
            }
            if (c.buffers() != null && (h.get("buffers_sha256") == null
                    || !ModelFile.sha256(c.buffers()).equals(h.get("buffers_sha256").asText()))) {
                throw new IOException(source + ": corrupt checkpoint (the state does not match its sha256)");
            }
            return c;
        } catch (EOFException e) {
            throw new IOException(source + ": truncated checkpoint", e);
        } catch (RuntimeException e) {
            throw new IOException(source + ": corrupt checkpoint (" + e + ")", e);
        }
    }

    private static Iterator<Map.Entry<String, JsonNode>> fields(JsonNode node) {
        return node == null ? java.util.Collections.emptyIterator() : node.fields();
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
