package org.sparkcnn.jobs.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkcnn.engine.Shape;

/**
 * Images as CSV rows: a label cell and C*H*W pixel cells, comma-separated, plain or gzipped
 * ({@code .csv}, {@code .csv.gz}), one file or a directory of them (read in name order), with an
 * optional header line. Pixels are divided by {@code pixelScale} (255 for 8-bit values). The shape is
 * given, or inferred as 1 x s x s from a square pixel count.
 *
 * <p>Each file is read whole by one task, so errors name the file and line. Two passes: the first
 * validates and counts the good rows of every file (so the dataset index of a row, its position among
 * all good rows in file order, is known everywhere), the second parses into blocks on the index grid.
 */
public final class CsvDataset implements LabeledData {

    private static final long serialVersionUID = 1L;
    private static final int REPORTED = 5;

    /** Reading options; {@code labelColumn} is 0-based. */
    public record Options(boolean header, int labelColumn, double pixelScale, BadRecords badRecords) implements Serializable {
    }

    private final String uri;
    private final List<String> files;
    private final List<String> hiddenFiles;
    private final Shape shape;
    private final int numClasses;
    private final Options options;

    private CsvDataset(String uri, List<String> files, List<String> hiddenFiles, Shape shape, int numClasses, Options options) {
        this.uri = uri;
        this.files = files;
        this.hiddenFiles = hiddenFiles;
        this.shape = shape;
        this.numClasses = numClasses;
        this.options = options;
    }

    /**
     * Lists the files (one directory listing) and reads the first row to check or infer the shape.
     *
     * @param shape null to infer 1 x s x s from the pixel count
     */
    public static CsvDataset open(Configuration conf, String uri, Shape shape, int numClasses, Options options) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        Path qualified = fs.makeQualified(path);
        List<String> files = new ArrayList<>();
        List<String> hiddenFiles = new ArrayList<>();
        try {
            if (!fs.exists(path)) {
                throw new IOException(qualified + ": no such file or directory");
            }
            FileStatus status = fs.getFileStatus(path);
            if (status.isFile()) {
                files.add(qualified.toString());
            } else {
                for (FileStatus f : fs.listStatus(path)) {
                    String name = f.getPath().getName();
                    if (f.isFile() && (name.endsWith(".csv") || name.endsWith(".csv.gz"))) {
                        (DroppedFiles.hidden(name) ? hiddenFiles : files).add(f.getPath().toString());
                    }
                }
                files.sort(null);
                hiddenFiles.sort(null);
                if (!hiddenFiles.isEmpty() && options.badRecords() == BadRecords.FAIL) {
                    throw new BadDataException(hiddenFiles.get(0) + ": a hidden CSV file (its name starts with '.' or '_'), "
                            + "which Hadoop tools skip; rename or remove it, or set data.bad-records=skip to leave it out");
                }
                if (files.isEmpty()) {
                    throw new IOException(qualified + ": no .csv or .csv.gz files in this directory");
                }
            }
        } catch (AccessControlException | AccessDeniedException e) {
            throw new IOException(qualified + ": permission denied (" + e.getMessage() + ")", e);
        }
        int cells = -1;
        String first = null;
        for (int f = 0; f < files.size() && cells < 0; f++) {  // an empty file is reported when the data is read
            first = files.get(f);
            cells = firstRowCells(conf, first, options);
        }
        if (cells < 0) {
            throw new BadDataException(files.size() == 1 ? files.get(0) + ": no data rows"
                    : qualified + ": no data rows in any of its " + files.size() + " CSV files");
        }
        int pixels = cells - 1;
        if (shape == null) {
            int side = (int) Math.round(Math.sqrt(pixels));
            if (pixels <= 0 || side * side != pixels) {
                throw new IOException(first + ": cannot infer the image shape from " + pixels
                        + " pixel cells (not a square); set the shape (data.shape = [C, H, W])");
            }
            shape = new Shape(1, side, side);
        } else if (shape.size() != pixels) {
            throw new IOException(first + ": rows have " + pixels + " pixel cells but the shape " + shape + " needs "
                    + shape.size());
        }
        return new CsvDataset(qualified.toString(), files, hiddenFiles, shape, numClasses, options);
    }


    /** The cell count of the file's first data row, or -1 if it has none. */
    private static int firstRowCells(Configuration conf, String file, Options options) throws IOException {
        try (BufferedReader in = reader(conf, file)) {
            String line = in.readLine();
            if (options.header() && line != null) {
                line = in.readLine();
            }
            while (line != null && line.isBlank()) {
                line = in.readLine();
            }
            return line == null ? -1 : line.split(",", -1).length;
        }
    }

    private static BufferedReader reader(Configuration conf, String file) throws IOException {
        Path p = new Path(file);
        InputStream raw;
        try {
            raw = p.getFileSystem(conf).open(p);
        } catch (AccessControlException | AccessDeniedException e) {
            throw new IOException(file + ": permission denied (" + e.getMessage() + ")", e);
        }
        InputStream in = file.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    public List<String> files() {
        return files;
    }

    @Override
    public Map<String, String> fingerprint(Configuration conf) throws IOException {
        Map<String, String> f = new LinkedHashMap<>();
        long bytes = 0;
        for (String file : files) {
            Path p = new Path(file);
            bytes += p.getFileSystem(conf).getFileStatus(p).getLen();
        }
        f.put("files", String.valueOf(files.size()));
        f.put("file bytes", String.valueOf(bytes));
        return f;
    }

    /** One file's scan: its good rows, and its bad ones (skip policy). A class, not a record: Kryo ships it. */
    public static final class Scan implements Serializable {
        private static final long serialVersionUID = 1L;
        int file;
        long good;
        long bad;
        String[] firstBad;

        Scan() {
        }

        Scan(int file, long good, long bad, List<String> firstBad) {
            this.file = file;
            this.good = good;
            this.bad = bad;
            this.firstBad = firstBad.toArray(new String[0]);
        }

        int file() {
            return file;
        }

        long good() {
            return good;
        }

        long bad() {
            return bad;
        }

        List<String> firstBad() {
            return List.of(firstBad);
        }
    }

    @Override
    public Loaded read(JavaSparkContext sc, int blockSize, int partitions) throws IOException {
        Broadcast<SerializableConfiguration> conf = sc.broadcast(new SerializableConfiguration(sc.hadoopConfiguration()));
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            ids.add(i);
        }
        JavaRDD<Integer> perFile = sc.parallelize(ids, Math.max(1, Math.min(files.size(), partitions)));
        CsvDataset ds = this;
        List<Scan> scans = new ArrayList<>(perFile.map(i -> ds.scan(conf.value().value(), i)).collect());
        scans.sort((a, b) -> Integer.compare(a.file(), b.file()));
        long[] offsets = new long[files.size()];
        long total = 0, skipped = 0;
        List<String> firstSkipped = new ArrayList<>();
        for (String h : hiddenFiles) {  // only under skip: open() refused them under fail
            skipped++;
            if (firstSkipped.size() < REPORTED) {
                firstSkipped.add(h + ": a hidden CSV file, not read");
            }
        }
        for (Scan s : scans) {
            offsets[s.file()] = total;
            total += s.good();
            skipped += s.bad();
            if (s.good() + s.bad() == 0) {  // a file without rows would vanish without a word
                String empty = files.get(s.file()) + ": no data rows (an empty CSV file)";
                if (options.badRecords() == BadRecords.FAIL) {
                    throw new BadDataException(empty + "; remove it, or set data.bad-records=skip");
                }
                skipped++;
                if (firstSkipped.size() < REPORTED) {
                    firstSkipped.add(empty);
                }
            }
            for (String b : s.firstBad()) {
                if (firstSkipped.size() < REPORTED) {
                    firstSkipped.add(b);
                }
            }
        }
        if (total == 0) {
            throw new IOException(uri + ": the dataset is empty (no good data rows)");
        }
        Broadcast<long[]> starts = sc.broadcast(offsets);
        JavaRDD<ExampleBlock> pieces = perFile.mapPartitions((Iterator<Integer> it) -> {
            Blocks.PieceBuilder b = new Blocks.PieceBuilder(shape, blockSize);
            while (it.hasNext()) {
                int file = it.next();
                ds.parse(conf.value().value(), file, starts.value()[file], b);
            }
            return b.finish().iterator();
        });
        return new Loaded(Blocks.onGrid(pieces, blockSize, partitions), skipped, firstSkipped);
    }

    private Scan scan(Configuration conf, int file) throws IOException {
        long[] counts = new long[2];
        List<String> firstBad = new ArrayList<>();
        float[] row = new float[shape.size() + 1];
        forEachRow(conf, file, (line, text) -> {
            String problem = parseRow(text, row, 0);
            if (problem == null) {
                counts[0]++;
            } else {
                counts[1]++;
                if (firstBad.size() < REPORTED) {
                    firstBad.add(files.get(file) + ":" + line + ": " + problem);
                }
            }
        });
        return new Scan(file, counts[0], counts[1], firstBad);
    }

    private void parse(Configuration conf, int file, long first, Blocks.PieceBuilder blocks) throws IOException {
        long[] next = {first};
        float[] row = new float[shape.size() + 1];
        forEachRow(conf, file, (line, text) -> {
            if (parseRow(text, row, 0) == null) {
                int off = blocks.start(next[0]++);
                System.arraycopy(row, 1, blocks.features(), off, shape.size());
                blocks.end((int) row[0]);
            }
        });
    }

    private interface RowHandler {
        void row(long line, String text);
    }

    /** Calls {@code handler} for every data row; under the fail policy a bad row throws, naming file and line. */
    private void forEachRow(Configuration conf, int file, RowHandler handler) throws IOException {
        String name = files.get(file);
        float[] check = new float[shape.size() + 1];
        try (BufferedReader in = reader(conf, name)) {
            long line = 0;
            for (String text = in.readLine(); text != null; text = in.readLine()) {
                line++;
                if ((line == 1 && options.header()) || text.isBlank()) {
                    continue;
                }
                if (options.badRecords() == BadRecords.FAIL) {
                    String problem = parseRow(text, check, 0);
                    if (problem != null) {
                        throw new BadDataException(name + ":" + line + ": " + problem);
                    }
                }
                handler.row(line, text);
            }
        }
    }

    /**
     * Parses one row into {@code out}: the label at {@code out[off]}, then the scaled pixels. Returns
     * null, or what is wrong with the row.
     */
    String parseRow(String text, float[] out, int off) {
        String[] cells = text.split(",", -1);
        int pixels = shape.size();
        if (cells.length != pixels + 1) {
            return "expected " + (pixels + 1) + " cells (a label and " + pixels + " pixels), got " + cells.length;
        }
        int p = 1;
        for (int c = 0; c < cells.length; c++) {
            String cell = cells[c].trim();
            double v;
            try {
                v = Double.parseDouble(cell);
            } catch (NumberFormatException e) {
                return "cell " + (c + 1) + " '" + cell + "' is not a number";
            }
            if (!Double.isFinite(v)) {
                return "cell " + (c + 1) + " is " + cell + " (not finite)";
            }
            if (c == options.labelColumn()) {
                if (v != Math.rint(v) || v < 0 || v >= numClasses) {
                    return "label '" + cell + "' is not a whole number in [0, " + numClasses + ")";
                }
                out[off] = (float) v;
            } else {
                out[off + p++] = (float) (v / options.pixelScale());
            }
        }
        return null;
    }
}
