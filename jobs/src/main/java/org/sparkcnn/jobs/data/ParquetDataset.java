package org.sparkcnn.jobs.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.engine.Shape;
import scala.Tuple2;

/**
 * Images in Parquet: a label column (whole numbers) and a features column that is an array of
 * C*H*W numbers (divided by {@code pixelScale}) or a binary tensor (C*H*W unsigned bytes, or
 * little-endian float32; see {@link Pixels}). SparkCNN's shards ({@code sparkcnn convert}) add an
 * {@code index} column and a {@code _manifest.json} (shape, classes, count, normalization); with both,
 * and the index checked to number the rows 0..N-1, the rows are placed by it, otherwise by (file path, row position in the file), so a
 * row's dataset index never depends on how the files are split into tasks.
 */
public final class ParquetDataset implements LabeledData {

    private static final long serialVersionUID = 1L;
    /** Underscored, so Spark's Parquet reader skips it as it skips _SUCCESS. */
    public static final String MANIFEST = "_manifest.json";
    public static final String INDEX = "index";

    private final String uri;
    private final Shape shape;
    private final int numClasses;
    private final String labelColumn;
    private final String featuresColumn;
    private final boolean indexed;
    private final double pixelScale;
    private final BadRecords badRecords;
    /** Our shards' files with their index ranges, from the manifest and checked against the listing; else null. */
    private final List<ShardFile> shardFiles;
    /** Files left out (skip policy). */
    private final DroppedFiles dropped;

    /** A shard file holding the rows with index first .. first+count-1, in order. */
    record ShardFile(String path, long first, long count) implements java.io.Serializable {
    }

    private ParquetDataset(String uri, Shape shape, int numClasses, String labelColumn, String featuresColumn, boolean indexed,
                           double pixelScale, BadRecords badRecords, List<ShardFile> shardFiles, DroppedFiles dropped) {
        this.badRecords = badRecords;
        this.dropped = dropped;
        this.shardFiles = shardFiles;
        this.uri = uri;
        this.shape = shape;
        this.numClasses = numClasses;
        this.labelColumn = labelColumn;
        this.featuresColumn = featuresColumn;
        this.indexed = indexed;
        this.pixelScale = pixelScale;
    }

    /**
     * Checks the columns (present, of a usable type). With a {@code _manifest.json} beside the files,
     * its shape and columns are used and must agree with the given ones.
     *
     * @param shape null to take it from the manifest
     */
    public static ParquetDataset open(SparkSession spark, String uri, Shape shape, int numClasses, String labelColumn,
                                      String featuresColumn, double pixelScale, BadRecords badRecords) throws IOException {
        Path path = new Path(uri);
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        FileSystem fs = path.getFileSystem(conf);
        String qualified = fs.makeQualified(path).toString();
        if (!fs.exists(path)) {
            throw new IOException(qualified + ": no such file or directory");
        }
        Path manifestPath = new Path(path, MANIFEST);
        boolean hasManifest = fs.isDirectory(path) && fs.exists(manifestPath);
        List<ShardFile> shardFiles = null;
        if (hasManifest) {
            JsonNode m;
            try (InputStream in = fs.open(manifestPath)) {
                m = new ObjectMapper().readTree(in);
            }
            JsonNode dims = m.path("shape");
            Shape fromManifest = new Shape(dims.path(0).asInt(), dims.path(1).asInt(), dims.path(2).asInt());
            if (shape != null && !shape.equals(fromManifest)) {
                throw new IOException(qualified + ": the manifest says shape " + fromManifest + " but " + shape + " is configured");
            }
            if (m.path("classes").asInt() != numClasses) {
                throw new IOException(qualified + ": the manifest says " + m.path("classes").asInt() + " classes but "
                        + numClasses + " are configured (data.classes)");
            }
            shape = fromManifest;
            labelColumn = m.path("columns").path("label").asText(labelColumn);
            featuresColumn = m.path("columns").path("features").asText(featuresColumn);
            shardFiles = shardFiles(fs, fs.makeQualified(path), m);
        }
        if (shape == null) {
            throw new IOException(qualified + ": no _manifest.json; set the shape (data.shape = [C, H, W])");
        }
        // A shard directory needs no such listing: its files must be exactly its manifest's.
        DroppedFiles dropped = DroppedFiles.under(fs, path, name -> !hasManifest && name.endsWith(".parquet"), "Parquet file");
        if (badRecords == BadRecords.FAIL) {
            dropped.failIfAny();
        }
        StructType schema;
        try {
            schema = spark.read().parquet(qualified).schema();
        } catch (RuntimeException e) {  // Spark's AnalysisException and friends, unchecked from Java
            throw new IOException(qualified + ": not readable as Parquet: " + e.getMessage(), e);
        }
        List<String> names = Arrays.asList(schema.fieldNames());
        check(qualified, schema, names, labelColumn, "label", t -> t instanceof IntegralType || t instanceof NumericType,
                "a numeric type");
        check(qualified, schema, names, featuresColumn, "features",
                t -> t instanceof BinaryType || (t instanceof ArrayType a && a.elementType() instanceof NumericType),
                "binary (a tensor) or an array of numbers");
        // Only our shards' index is trusted to place rows, and only once it is checked to be 0..N-1.
        boolean indexed = hasManifest && names.contains(INDEX) && schema.apply(INDEX).dataType() instanceof IntegralType;
        if (!indexed || !(schema.apply(featuresColumn).dataType() instanceof BinaryType)) {
            shardFiles = null;  // the direct reader takes our shards' binary tensors only
        }
        if (indexed && shardFiles == null) {  // with file ranges, each file's rows are checked as they are read
            checkIndex(spark, qualified);
        }
        return new ParquetDataset(qualified, shape, numClasses, labelColumn, featuresColumn, indexed, pixelScale, badRecords,
                shardFiles, dropped);
    }

    /**
     * The manifest's files with their index ranges (shards written since ranges were recorded), or
     * null when it has none. The ranges must tile 0..count-1, and the listed files must be exactly
     * the Parquet files in the directory.
     */
    private static List<ShardFile> shardFiles(FileSystem fs, Path dir, JsonNode m) throws IOException {
        JsonNode files = m.path("files");
        if (!files.isArray() || files.isEmpty()) {
            return null;
        }
        List<ShardFile> out = new java.util.ArrayList<>();
        for (JsonNode f : files) {
            if (!f.path("first").canConvertToLong() || !f.path("count").canConvertToLong() || !f.path("name").isTextual()) {
                return null;  // older shards: no ranges
            }
            out.add(new ShardFile(new Path(dir, f.path("name").asText()).toString(), f.path("first").asLong(),
                    f.path("count").asLong()));
        }
        out.sort(java.util.Comparator.comparingLong(ShardFile::first));
        long next = 0;
        for (ShardFile f : out) {
            if (f.first() != next || f.count() < 1) {
                throw new IOException(dir + "/" + MANIFEST + ": file " + new Path(f.path()).getName() + " holds indices "
                        + f.first() + ".." + (f.first() + f.count() - 1) + "; expected it to start at " + next
                        + " with at least one row");
            }
            next += f.count();
        }
        if (m.has("count") && m.path("count").asLong() != next) {
            throw new IOException(dir + "/" + MANIFEST + ": the files hold " + next + " rows but the count is "
                    + m.path("count").asLong());
        }
        java.util.Set<String> listed = new java.util.TreeSet<>();
        for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(dir)) {
            if (st.getPath().getName().endsWith(".parquet")) {
                listed.add(st.getPath().getName());
            }
        }
        java.util.Set<String> named = new java.util.TreeSet<>();
        out.forEach(f -> named.add(new Path(f.path()).getName()));
        if (!listed.equals(named)) {
            java.util.Set<String> missing = new java.util.TreeSet<>(named), extra = new java.util.TreeSet<>(listed);
            missing.removeAll(listed);
            extra.removeAll(named);
            throw new IOException(dir + ": the files do not match " + MANIFEST + " (missing: " + missing + "; not in it: "
                    + extra + ")");
        }
        return out;
    }

    /** The index column must number the rows 0..N-1, each once. */
    private static void checkIndex(SparkSession spark, String uri) throws IOException {
        Row r = spark.read().parquet(uri).agg(min(INDEX), max(INDEX), count(lit(1)), countDistinct(col(INDEX))).first();
        long rows = r.getLong(2);
        if (rows == 0) {
            throw new IOException(uri + ": the dataset is empty (no rows)");
        }
        long lo = r.isNullAt(0) ? -1 : ((Number) r.get(0)).longValue();
        long hi = r.isNullAt(1) ? -1 : ((Number) r.get(1)).longValue();
        if (lo != 0 || hi != rows - 1 || r.getLong(3) != rows) {
            throw new IOException(uri + ": the '" + INDEX + "' column must number the " + rows + " rows 0.." + (rows - 1)
                    + " once each, but it runs from " + lo + " to " + hi + " with " + r.getLong(3) + " distinct values");
        }
    }

    private static void check(String uri, StructType schema, List<String> names, String column, String role,
                              java.util.function.Predicate<DataType> ok, String expected) throws IOException {
        if (!names.contains(column)) {
            throw new IOException(uri + ": the " + role + " column '" + column + "' is missing (columns: " + String.join(", ", names) + ")");
        }
        DataType t = schema.apply(column).dataType();
        if (!ok.test(t)) {
            throw new IOException(uri + ": the " + role + " column '" + column + "' has type " + t.simpleString() + "; expected "
                    + expected);
        }
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

    @Override
    public Map<String, String> fingerprint(Configuration conf) throws IOException {
        Path p = new Path(uri);
        Map<String, String> f = new LinkedHashMap<>();
        f.put("bytes", String.valueOf(p.getFileSystem(conf).getContentSummary(p).getLength()));
        return f;
    }

    @Override
    public Loaded read(JavaSparkContext sc, int blockSize, int partitions) throws IOException {
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        if (shardFiles != null && badRecords == BadRecords.FAIL && onGrid(shardFiles, blockSize)) {
            return new Loaded(ShardReader.read(sc, shardFiles, new ShardReader.Columns(INDEX, labelColumn, featuresColumn,
                    shape, numClasses), blockSize, partitions), 0, List.of());
        }
        if (shardFiles != null) {  // placed by the index below: check it as open() would have
            checkIndex(spark, uri);
        }
        Dataset<Row> df = spark.read().parquet(uri);
        JavaRDD<Tuple2<Row, Long>> rows;
        if (indexed) {
            rows = df.select(col(labelColumn), col(featuresColumn), col(INDEX).cast("long")).javaRDD()
                    .map(r -> new Tuple2<>(r, r.getLong(2)));
        } else {
            rows = df.select(col(labelColumn), col(featuresColumn), col("_metadata.file_path").as("file"),
                    col("_metadata.row_index").as("row")).orderBy("file", "row").javaRDD().zipWithIndex().rdd().toJavaRDD();
        }
        Shape s = shape;
        int classes = numClasses;
        double scale = pixelScale;
        String label = labelColumn, features = featuresColumn, where = uri;
        long skipped = 0;
        List<String> firstSkipped = List.of();
        if (badRecords == BadRecords.SKIP) {
            JavaRDD<Tuple2<Row, Long>> ordered = indexed
                    ? rows.sortBy(Tuple2::_2, true, Math.max(1, rows.getNumPartitions())) : rows;
            SkipBadRecords.Kept<Row> kept = SkipBadRecords.keepGood(sc, uri, "rows", ordered, (r, i) -> {
                read(r, s, scale, new float[s.size()], 0, where + " row " + i);
                label(r, classes, where + " row " + i);
            });
            rows = kept.indexed();
            skipped = kept.skipped() + dropped.count();
            List<String> first = dropped.first(SkipBadRecords.REPORTED);
            first.addAll(kept.firstSkipped());
            firstSkipped = first;
        }
        JavaRDD<ExampleBlock> pieces = rows.mapPartitions((Iterator<Tuple2<Row, Long>> it) -> {
            List<Tuple2<Row, Long>> sorted = new java.util.ArrayList<>();
            it.forEachRemaining(sorted::add);
            sorted.sort((a, b) -> Long.compare(a._2(), b._2()));
            Blocks.PieceBuilder b = new Blocks.PieceBuilder(s, blockSize);
            for (Tuple2<Row, Long> r : sorted) {
                String at = where + " row " + r._2();
                int off = b.start(r._2());
                read(r._1(), s, scale, b.features(), off, at + ", column '" + features + "'");
                b.end(label(r._1(), classes, at + ", column '" + label + "'"));
            }
            return b.finish().iterator();
        });
        return new Loaded(Blocks.onGrid(pieces, blockSize, partitions), skipped, firstSkipped);
    }

    /** Whether every file starts on the grid and holds whole blocks (the last file excepted): no block spans two files. */
    static boolean onGrid(List<ShardFile> files, int blockSize) {
        for (int i = 0; i < files.size(); i++) {
            ShardFile f = files.get(i);
            if (f.first() % blockSize != 0 || (i < files.size() - 1 && f.count() % blockSize != 0)) {
                return false;
            }
        }
        return true;
    }

    private static void read(Row r, Shape s, double scale, float[] out, int off, String where) {
        if (r.isNullAt(1)) {
            throw new BadRecordException(where + ": null");
        }
        Object v = r.get(1);
        if (v instanceof byte[] bytes) {
            Pixels.fromBytes(bytes, s, out, off, where);
            return;
        }
        List<Object> values = r.getList(1);
        if (values.size() != s.size()) {
            throw new BadRecordException(where + ": " + values.size() + " values; the shape " + s + " needs " + s.size());
        }
        for (int i = 0; i < values.size(); i++) {
            Object x = values.get(i);
            double d = x == null ? Double.NaN : ((Number) x).doubleValue();
            if (!Double.isFinite(d)) {
                throw new BadRecordException(where + ": value " + i + " is " + x + " (not finite)");
            }
            out[off + i] = (float) (d / scale);
        }
    }

    private static int label(Row r, int classes, String where) {
        return label(r.isNullAt(0) ? null : (Number) r.get(0), classes, where);
    }

    /** A label that must be a whole number in [0, classes). */
    static int label(Number value, int classes, String where) {
        if (value == null) {
            throw new BadRecordException(where + ": null label");
        }
        double v = value.doubleValue();
        if (v != Math.rint(v) || v < 0 || v >= classes) {
            throw new BadRecordException(where + ": label " + v + " is not a whole number in [0, " + classes + ")");
        }
        return (int) v;
    }
}
