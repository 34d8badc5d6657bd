package org.sparkcnn.jobs.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;
import scala.Tuple2;

/**
 * Writes a dataset as SparkCNN shards: Parquet files with columns {@code index} (long),
 * {@code label} (int) and {@code tensor} (binary: C*H*W unsigned bytes when every value is an 8-bit
 * pixel k/255, else little-endian float32), cut on the index into {@code shards} files of whole
 * blocks, balanced to within one block, plus {@code _manifest.json} (shape, classes, class names,
 * count, dtype, normalization, and each file's first index and count). Written under
 * {@code <out>.inprogress} and renamed into place when complete.
 */
public final class Shards {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Shards() {
    }

    /** What was written. */
    public record Written(String uri, long count, int files, String dtype, long bytes) {
    }

    /**
     * @param blocks    the dataset on the grid of {@code blockSize} (as every reader gives it)
     * @param blockSize the grid the shard boundaries fall on: each file holds whole blocks of it
     */
    public static Written write(SparkSession spark, JavaRDD<ExampleBlock> blocks, int blockSize, Shape shape, int classes,
                                List<String> classNames, Normalization norm, String out, int shards, boolean overwrite)
            throws IOException {
        Path target = new Path(out);
        FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
        target = fs.makeQualified(target);
        if (fs.exists(target) && !overwrite) {
            throw new IOException(target + " already exists; pass --overwrite to replace it");
        }
        boolean bytes = blocks.map(Shards::allEightBit).fold(true, Boolean::logicalAnd);
        long count = blocks.map(ExampleBlock::size).fold(0, Integer::sum);
        // Shard k holds grid cells [firstCell[k], firstCell[k+1]): whole blocks, balanced to within one
        // block, so a reader with a block size dividing this one needs no shuffle to rebuild blocks.
        long cells = (count + blockSize - 1) / blockSize;
        int files = (int) Math.max(1, Math.min(shards, cells));
        long[] firstCell = new long[files + 1];
        for (int k = 0; k <= files; k++) {
            firstCell[k] = cells * k / files;
        }
        JavaRDD<Row> rows = blocks.mapToPair(b -> new Tuple2<>(b.firstIndex() / blockSize, b))
                .partitionBy(new CellRanges(firstCell))
                .mapPartitionsWithIndex((k, it) -> {
                    List<ExampleBlock> mine = new ArrayList<>();
                    it.forEachRemaining(t -> mine.add(t._2()));
                    mine.sort(Comparator.comparingLong(ExampleBlock::firstIndex));
                    // The manifest states shard k's range: its blocks must fill it exactly.
                    long next = shardStart(firstCell, k, blockSize, count), end = shardStart(firstCell, k + 1, blockSize, count);
                    for (ExampleBlock b : mine) {
                        if (b.firstIndex() != next) {
                            throw new IllegalStateException("shard " + k + ": a block starts at example " + b.firstIndex()
                                    + ", expected " + next + " (the blocks must be on the grid of " + blockSize + ", without gaps)");
                        }
                        next += b.size();
                    }
                    if (next != end) {
                        throw new IllegalStateException("shard " + k + ": its blocks end at example " + next + ", expected " + end);
                    }
                    List<Row> r = new ArrayList<>();
                    for (ExampleBlock b : mine) {
                        int size = b.shape().size();
                        for (int i = 0; i < b.size(); i++) {
                            r.add(RowFactory.create(b.firstIndex() + i, b.labels()[i], tensor(b.features(), i * size, size, bytes)));
                        }
                    }
                    return r.iterator();
                }, true);
        StructType schema = new StructType().add(ParquetDataset.INDEX, DataTypes.LongType, false)
                .add("label", DataTypes.IntegerType, false).add("tensor", DataTypes.BinaryType, false);
        Path staging = new Path(target.getParent(), target.getName() + ".inprogress");
        // One file per partition, named part-<partition>: the file of shard k holds its cells' rows in order.
        spark.createDataFrame(rows, schema).write().mode(SaveMode.Overwrite).parquet(staging.toString());

        ObjectNode m = JSON.createObjectNode();
        m.put("format", "sparkcnn-shards/1");
        m.putArray("shape").add(shape.channels()).add(shape.height()).add(shape.width());
        m.put("classes", classes);
        ArrayNode names = m.putArray("class_names");
        classNames.forEach(names::add);
        m.put("count", count);
        m.put("dtype", bytes ? "uint8" : "float32");
        ObjectNode columns = m.putObject("columns");
        columns.put("index", ParquetDataset.INDEX);
        columns.put("label", "label");
        columns.put("features", "tensor");
        ObjectNode n = m.putObject("normalization");
        for (float v : norm.mean()) {
            n.withArray("mean").add(v);
        }
        for (float v : norm.std()) {
            n.withArray("std").add(v);
        }
        m.put("aligned_to", blockSize);
        List<ObjectNode> entries = new ArrayList<>();
        long total = 0;
        int fileCount = 0;
        for (FileStatus f : fs.listStatus(staging)) {
            String name = f.getPath().getName();
            if (name.endsWith(".parquet")) {
                Matcher part = PART.matcher(name);
                if (!part.lookingAt() || Integer.parseInt(part.group(1)) >= files) {
                    throw new IOException(f.getPath() + ": not a file of one of the " + files + " shards Spark was asked to write");
                }
                int k = Integer.parseInt(part.group(1));
                long first = shardStart(firstCell, k, blockSize, count), end = shardStart(firstCell, k + 1, blockSize, count);
                entries.add(JSON.createObjectNode().put("name", name).put("bytes", f.getLen()).put("first", first)
                        .put("count", end - first));
                total += f.getLen();
                fileCount++;
            }
        }
        if (fileCount != files) {
            throw new IOException(staging + ": " + fileCount + " Parquet files written, expected " + files);
        }
        entries.sort(Comparator.comparingLong(e -> e.get("first").asLong()));
        m.putArray("files").addAll(entries);
        try (OutputStream o = fs.create(new Path(staging, ParquetDataset.MANIFEST), true)) {
            o.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        }
        if (fs.exists(target)) {
            fs.delete(target, true);
        }
        if (!fs.rename(staging, target)) {
            throw new IOException("could not rename " + staging + " to " + target);
        }
        return new Written(target.toString(), count, fileCount, bytes ? "uint8" : "float32", total);
    }

    /** The first example index of shard k (k = the shard count gives the dataset's end). */
    private static long shardStart(long[] firstCell, int k, int blockSize, long count) {
        return Math.min(count, firstCell[k] * blockSize);
    }

    /** Spark's output file name: part-<partition>-<job>...; the partition is the shard. */
    private static final Pattern PART = Pattern.compile("part-(\\d+)");

    /** Sends grid cell c to the shard k with firstCell[k] <= c < firstCell[k+1]. */
    static final class CellRanges extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final long[] firstCell;

        CellRanges(long[] firstCell) {
            this.firstCell = firstCell;
        }

        @Override
        public int numPartitions() {
            return firstCell.length - 1;
        }

        @Override
        public int getPartition(Object cell) {
            long c = (Long) cell;
            if (c < 0 || c >= firstCell[firstCell.length - 1]) {
                throw new IllegalArgumentException("grid cell " + c + " is outside the dataset's " + firstCell[firstCell.length - 1]
                        + " cells");
            }
            int i = Arrays.binarySearch(firstCell, c);
            return i >= 0 ? i : -i - 2;  // the range starting at or before the cell (bounds strictly increase)
        }
    }

    private static boolean allEightBit(ExampleBlock b) {
        for (float v : b.features()) {
            if ((float) (Math.round(v * 255.0) / 255f) != v || v < 0 || v > 1) {
                return false;
            }
        }
        return true;
    }

    private static byte[] tensor(float[] x, int off, int size, boolean bytes) {
        if (bytes) {
            byte[] t = new byte[size];
            for (int i = 0; i < size; i++) {
                t[i] = (byte) Math.round(x[off + i] * 255.0);
            }
            return t;
        }
        ByteBuffer t = ByteBuffer.allocate(4 * size).order(ByteOrder.LITTLE_ENDIAN);
        t.asFloatBuffer().put(x, off, size);
        return t.array();
    }
}
