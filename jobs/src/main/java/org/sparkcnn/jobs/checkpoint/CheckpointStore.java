package org.sparkcnn.jobs.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;
import org.sparkcnn.jobs.TestFaults;

/**
 * Checkpoints in a directory on any Hadoop URI, one subdirectory per checkpoint:
 * {@code step-000000120/state.bin} (the {@link Checkpoint}) and {@code step-000000120/MANIFEST.json}
 * (the state file's size and sha256, the step, the weights and config hashes).
 *
 * <p>A checkpoint is complete only when its manifest is present and the state file matches it. The
 * manifest is written last. On filesystems with an atomic rename (local disk, HDFS) both files are
 * written in {@code .step-N.tmp} first, which is then renamed into place; on object stores (S3, GCS,
 * Azure), where a directory rename is a copy, they are written in place and the manifest's
 * appearance is the commit. Older checkpoints beyond the newest {@code keep} are deleted only after
 * a newer one is committed. Transient storage errors are retried with exponential backoff; a
 * permission error or a missing directory is not.
 */
public final class CheckpointStore {

    public static final String MANIFEST = "MANIFEST.json";
    public static final String STATE = "state.bin";
    private static final Pattern NAME = Pattern.compile("step-(\\d+)");
    /** Where a directory rename is a copy: the manifest commits instead. */
    private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "s3n", "gs", "oss", "cosn", "obs", "abfs",
            "abfss", "wasb", "wasbs");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Retries of a failed write: {@code attempts} in all, waiting {@code backoffMs}, then twice that, ... */
    public record Retry(int attempts, long backoffMs) {
        public static final Retry DEFAULT = new Retry(4, 500);
    }

    /** A checkpoint found on storage. */
    public record Found(Checkpoint checkpoint, String uri) {
    }

    /** Thrown when a checkpoint cannot be written; names the URI and the cause. */
    public static final class WriteFailed extends IOException {
        private static final long serialVersionUID = 1L;

        WriteFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final FileSystem fs;
    private final Path dir;
    private final int keep;
    private final Retry retry;

    public CheckpointStore(Configuration conf, String dirUri, int keep, Retry retry) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoints to keep must be at least 1, got " + keep);
        }
        Path p = new Path(dirUri);
        this.fs = p.getFileSystem(conf);
        this.dir = fs.makeQualified(p);
        this.keep = keep;
        this.retry = retry;
    }

    public String uri() {
        return dir.toString();
    }

    static String name(long step) {
        return String.format(Locale.ROOT, "step-%09d", step);
    }

    private boolean objectStore() {
        return OBJECT_STORES.contains(dir.toUri().getScheme() == null ? "" : dir.toUri().getScheme().toLowerCase(Locale.ROOT));
    }

    /**
     * Writes {@code c} and commits it, retrying transient errors; then deletes checkpoints beyond the
     * newest {@code keep}. Returns the committed checkpoint's URI.
     *
     * @throws WriteFailed naming the checkpoint's URI and the cause; earlier checkpoints are untouched
     */
    public String commit(Checkpoint c, byte[] state) throws WriteFailed {
        return commit(c, state, w -> System.err.println("warning: " + w));
    }

    /** As {@link #commit(Checkpoint, byte[])}; a failure to delete old checkpoints goes to {@code warn}. */
    public String commit(Checkpoint c, byte[] state, Consumer<String> warn) throws WriteFailed {
        Path target = new Path(dir, name(c.step()));
        IOException last = null;
        for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
            try {
                write(target, c, state);
                last = null;
                break;
            } catch (IOException e) {
                last = e;
                if (!transient_(e) || attempt == retry.attempts()) {
                    break;
                }
                try {
                    Thread.sleep(retry.backoffMs() << (attempt - 1));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (last != null) {
            throw new WriteFailed("could not write checkpoint " + target + ": " + last, last);
        }
        // Outside the retries: once committed, a failed clean-up must not rewrite or fail the checkpoint.
        try {
            prune(c.step());
        } catch (IOException e) {
            warn.accept("checkpoint " + target + " is committed, but removing older ones failed (they stay): " + e);
        }
        return target.toString();
    }

    /** Permission problems and missing parents do not heal by waiting; everything else may. */
    static boolean transient_(IOException e) {
        return !(e instanceof AccessControlException || e instanceof AccessDeniedException
                || e instanceof FileNotFoundException);
    }

    private void write(Path target, Checkpoint c, byte[] state) throws IOException {
        byte[] manifest = manifest(c, state);
        if (objectStore()) {
            // The manifest, written last, is the commit; a stale one from a crashed attempt goes first.
            fs.delete(new Path(target, MANIFEST), false);
            put(new Path(target, STATE), state);
            TestFaults.haltPoint(TestFaults.CHECKPOINT_BEFORE_MANIFEST, c.step());  // inert outside tests
            put(new Path(target, MANIFEST), manifest);
            return;
        }
        Path tmp = new Path(dir, "." + target.getName() + ".tmp");
        fs.delete(tmp, true);
        if (!fs.mkdirs(tmp)) {
            throw new IOException("could not create " + tmp);
        }
        put(new Path(tmp, STATE), state);
        TestFaults.haltPoint(TestFaults.CHECKPOINT_BEFORE_MANIFEST, c.step());  // inert outside tests
        put(new Path(tmp, MANIFEST), manifest);
        fs.delete(target, true);  // an incomplete one of the same step, left by a crash
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename " + tmp + " to " + target);
        }
    }

    private void put(Path path, byte[] data) throws IOException {
        try (OutputStream out = fs.create(path, true)) {
            out.write(data);
        }
    }

    private static byte[] manifest(Checkpoint c, byte[] state) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", "sparkcnn-checkpoint");
        m.put("version", Checkpoint.VERSION);
        m.put("step", c.step());
        m.put("epoch", c.epoch());
        m.put("step_in_epoch", c.stepInEpoch());
        m.put("weights_sha256", c.weightsSha256());
        m.put("config_sha256", c.configSha256());
        m.put("created", Instant.now().toString());
        ObjectNode f = m.putObject("files").putObject(STATE);
        f.put("bytes", state.length);
        f.put("sha256", Checkpoint.sha256(state));
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
    }

    /**
     * Deletes checkpoints beyond the newest {@code keep}, and stale temporary directories. Those of
     * later steps belong to an abandoned attempt (a run resumed from an earlier checkpoint) and go too.
     */
    private void prune(long committedStep) throws IOException {
        int kept = 0;
        for (long step : steps()) {
            if (step > committedStep || (step <= committedStep && ++kept > keep)) {
                fs.delete(new Path(dir, name(step)), true);
            }
        }
        for (FileStatus s : fs.listStatus(dir)) {
            String n = s.getPath().getName();
            if (n.startsWith(".step-") && n.endsWith(".tmp") && !n.equals("." + name(committedStep) + ".tmp")) {
                fs.delete(s.getPath(), true);
            }
        }
    }

    /** The steps of the checkpoint directories present (complete or not), newest first. */
    public List<Long> steps() throws IOException {
        List<Long> steps = new ArrayList<>();
        if (!fs.exists(dir)) {
            return steps;
        }
        for (FileStatus s : fs.listStatus(dir)) {
            Matcher m = NAME.matcher(s.getPath().getName());
            if (s.isDirectory() && m.matches()) {
                steps.add(Long.parseLong(m.group(1)));
            }
        }
        steps.sort(Comparator.reverseOrder());
        return steps;
    }

    /**
     * The newest complete checkpoint. Incomplete or corrupt ones (no manifest, a truncated state file,
     * a checksum mismatch) are skipped; {@code warn} gets one message per skipped checkpoint, naming it.
     */
    public Optional<Found> latest(Consumer<String> warn) throws IOException {
        for (long step : steps()) {
            Path p = new Path(dir, name(step));
            try {
                return Optional.of(new Found(load(p), p.toString()));
            } catch (IOException e) {
                warn.accept("skipping checkpoint " + p + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Reads and verifies one checkpoint directory against its manifest. */
    public Checkpoint load(Path p) throws IOException {
        Path manifestPath = new Path(p, MANIFEST);
        if (!fs.exists(manifestPath)) {
            throw new IOException("it has no " + MANIFEST + " (an incomplete write)");
        }
        JsonNode m;
        try (InputStream in = fs.open(manifestPath)) {
            m = JSON.readTree(in);
        } catch (IOException e) {
            throw new IOException("its " + MANIFEST + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        JsonNode f = m.path("files").path(STATE);
        if (!f.has("bytes") || !f.has("sha256")) {
            throw new IOException("its " + MANIFEST + " does not describe " + STATE);
        }
        Path statePath = new Path(p, STATE);
        if (!fs.exists(statePath)) {
            throw new IOException(STATE + " is missing");
        }
        long expected = f.get("bytes").asLong();
        long actual = fs.getFileStatus(statePath).getLen();
        if (actual != expected) {
            throw new IOException(STATE + " is truncated or overwritten: " + actual + " bytes, the manifest says " + expected);
        }
        byte[] state = new byte[(int) actual];
        try (InputStream in = fs.open(statePath)) {
            int off = 0;
            while (off < state.length) {
                int n = in.read(state, off, state.length - off);
                if (n < 0) {
                    throw new IOException(STATE + " ended after " + off + " of " + state.length + " bytes");
                }
                off += n;
            }
        }
        if (!Checkpoint.sha256(state).equals(f.get("sha256").asText())) {
            throw new IOException(STATE + " does not match the manifest's sha256 (corrupt)");
        }
        Checkpoint c = Checkpoint.fromBytes(state, statePath.toString());
        if (c.step() != m.path("step").asLong(-1)) {
            throw new IOException(STATE + " holds step " + c.step() + " but the manifest says " + m.path("step"));
        }
        return c;
    }
}
