package org.sparkcnn.jobs.data;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;

/**
 * Writes a dataset as SparkCNN shards: Parquet files with columns {@code index} (long),
 * {@code label} (int) and {@code tensor} (binary: C*H*W unsigned bytes when every value is an 8-bit
 * pixel k/255, else little-endian float32), range-partitioned on the index into {@code shards}
 * files of balanced size, plus {@code _manifest.json} (shape, classes, class names, count, dtype,
 * normalization, files). Written under {@code <out>.inprogress} and renamed into place when complete.
 */
public final class Shards {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Shards() {
    }

    /** What was written. */
    public record Written(String uri, long count, int files, String dtype, long bytes) {
    }

    public static Written write(SparkSession spark, JavaRDD<ExampleBlock> blocks, Shape shape, int classes,
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
        JavaRDD<Row> rows = blocks.flatMap(b -> {
            List<Row> r = new ArrayList<>(b.size());
            int size = b.shape().size();
            for (int i = 0; i < b.size(); i++) {
                r.add(RowFactory.create(b.firstIndex() + i, b.labels()[i], tensor(b.features(), i * size, size, bytes)));
            }
            return r.iterator();
        });
        StructType schema = new StructType().add(ParquetDataset.INDEX, DataTypes.LongType, false)
                .add("label", DataTypes.IntegerType, false).add("tensor", DataTypes.BinaryType, false);
        Path staging = new Path(target.getParent(), target.getName() + ".inprogress");
        spark.createDataFrame(rows, schema).repartitionByRange(Math.max(1, shards), col(ParquetDataset.INDEX))
                .sortWithinPartitions(ParquetDataset.INDEX).write().mode(SaveMode.Overwrite).parquet(staging.toString());

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
        ArrayNode files = m.putArray("files");
        long total = 0;
        int fileCount = 0;
        for (FileStatus f : fs.listStatus(staging)) {
            if (f.getPath().getName().endsWith(".parquet")) {
                files.addObject().put("name", f.getPath().getName()).put("bytes", f.getLen());
                total += f.getLen();
                fileCount++;
            }
        }
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
