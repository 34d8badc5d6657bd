package org.sparkcnn.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A JSON-lines metrics file on any Hadoop URI: one object per line, flushed line by line where the
 * filesystem allows ({@code hflush}; on S3 the object appears when the log is closed).
 */
public final class MetricsLog implements Closeable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String uri;
    private final FSDataOutputStream out;

    private MetricsLog(String uri, FSDataOutputStream out) {
        this.uri = uri;
        this.out = out;
    }

    /** Creates the file; fails if it exists. */
    public static MetricsLog create(Configuration conf, String uri) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        return new MetricsLog(fs.makeQualified(path).toString(), fs.create(path, false));
    }

    public String uri() {
        return uri;
    }

    /** A log that writes nothing (a run without a metrics file). */
    public static MetricsLog none() {
        return new MetricsLog(null, null);
    }

    /**
     * The metrics file of a resumed run: the records up to {@code step} are kept (later ones belong to
     * the interrupted attempt) and handed to {@code kept} in order, and new records follow. The old
     * file is moved aside first and deleted only once the kept records are written; a crash while
     * resuming leaves the aside file, which is then the complete old one. {@code warn} hears of a file
     * without step records (on S3 a file the interrupted run never closed does not exist).
     */
    public static MetricsLog continueAt(Configuration conf, String uri, long step, java.util.function.Consumer<Map<String, Object>> kept,
                                        java.util.function.Consumer<String> warn) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        Path aside = new Path(uri + ".before-resume");
        List<Map<String, Object>> records = List.of();
        if (fs.exists(aside)) {
            fs.delete(path, false);
        } else if (fs.exists(path) && !fs.rename(path, aside)) {
            throw new IOException("could not move " + path + " aside to resume");
        }
        if (fs.exists(aside)) {
            records = read(conf, aside.toString());
        }
        if (records.stream().noneMatch(r -> "step".equals(r.get("type")))) {
            warn.accept(uri + " holds no step records of the interrupted run, so the metrics and curves start at step "
                    + (step + 1) + " (an object store such as S3 shows a file only once it is closed, and the interrupted "
                    + "run never closed it)");
        }
        MetricsLog log = create(conf, uri);
        for (Map<String, Object> r : records) {
            if (r.get("step") instanceof Number n && n.longValue() <= step) {
                log.write(r);
                kept.accept(r);
            }
        }
        fs.delete(aside, false);
        return log;
    }

    /** Writes one record as a line. */
    public synchronized void write(Map<String, ?> record) throws IOException {
        if (out == null) {
            return;
        }
        out.write(JSON.writeValueAsBytes(record));
        out.write('\n');
        out.hflush();
    }

    /** A step's record: its position, loss, learning rate, time breakdown, throughput and task skew. */
    public static Map<String, Object> stepRecord(TrainingJob.StepMetrics m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "step");
        r.put("epoch", m.epoch() + 1);
        r.put("step", m.step() + 1);
        r.put("examples", m.examples());
        r.put("loss", m.loss());
        r.put("accuracy", m.trainAccuracy());
        r.put("lr", m.lr());
        r.put("broadcast_ms", m.broadcastMs());
        r.put("compute_ms", m.computeMs());
        r.put("max_task_ms", m.maxTaskMs());
        r.put("median_task_ms", m.medianTaskMs());
        r.put("update_ms", m.updateMs());
        r.put("tasks", m.tasks());
        r.put("task_skew", m.taskSkew());
        r.put("img_per_s", m.examplesPerSecond());
        if (m.skipped() != null) {
            r.put("skipped", m.skipped());
        }
        return r;
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }

    /** Reads a whole metrics file back, one map per line (for reports and tests). */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> read(Configuration conf, String uri) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        List<Map<String, Object>> records = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(path), StandardCharsets.UTF_8))) {
            int lineNumber = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                if (!line.isBlank()) {
                    try {
                        records.add(JSON.readValue(line, Map.class));
                    } catch (JsonProcessingException e) {
                        throw new IOException(uri + " line " + lineNumber + ": not a JSON object: " + e.getOriginalMessage(), e);
                    }
                }
            }
        }
        return records;
    }
}
