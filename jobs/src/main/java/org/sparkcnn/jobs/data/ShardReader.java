package org.sparkcnn.jobs.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkcnn.engine.Shape;

/**
 * Reads SparkCNN shards whose files hold whole blocks ({@link ParquetDataset#onGrid}) straight
 * into blocks: each task reads its files (or cell-aligned slices of them) with Parquet's own reader,
 * so no block has pieces in two tasks and no shuffle joins them. Each file's rows must carry the
 * indices its manifest entry gives, in order; anything else fails naming the file and row.
 */
final class ShardReader {

    private ShardReader() {
    }

    /** Column names and what the rows must hold. */
    record Columns(String index, String label, String features, Shape shape, int classes)
            implements Serializable {
    }

    /** Rows with index in [from, to) of one file. */
    record Slice(ParquetDataset.ShardFile file, long from, long to) implements Serializable {
        boolean wholeFile() {
            return from == file.first() && to == file.first() + file.count();
        }
    }

    static JavaRDD<ExampleBlock> read(JavaSparkContext sc, List<ParquetDataset.ShardFile> files, Columns columns, int blockSize,
                                      int partitions) {
        List<List<Slice>> plan = plan(files, blockSize, Math.max(1, partitions));
        Broadcast<SerializableConfiguration> conf = sc.broadcast(new SerializableConfiguration(sc.hadoopConfiguration()));
        List<Integer> tasks = new ArrayList<>();
        for (int t = 0; t < plan.size(); t++) {
            tasks.add(t);
        }
        // Task numbers as the data (Kryo knows Integer); the small plan travels with the function.
        return sc.parallelize(tasks, plan.size()).mapPartitions(numbers -> {
            List<ExampleBlock> out = new ArrayList<>();
            while (numbers.hasNext()) {
                for (Slice slice : plan.get(numbers.next())) {
                    out.addAll(readSlice(conf.value().value(), slice, columns, blockSize));
                }
            }
            return out.iterator();
        });
    }

    /**
     * The slices each task reads. With at least as many files as tasks, whole files, in runs of
     * about equal row counts; with fewer, the grid cells are cut into {@code partitions} runs and
     * each run is read from the files holding it.
     */
    static List<List<Slice>> plan(List<ParquetDataset.ShardFile> files, int blockSize, int partitions) {
        long total = 0;
        for (ParquetDataset.ShardFile f : files) {
            total += f.count();
        }
        List<List<Slice>> plan = new ArrayList<>();
        if (files.size() >= partitions) {
            int group = -1;
            for (ParquetDataset.ShardFile f : files) {
                int g = (int) Math.min(partitions - 1, (2 * f.first() + f.count()) * partitions / (2 * total));  // by its middle row
                if (g != group) {
                    plan.add(new ArrayList<>());
                    group = g;
                }
                plan.get(plan.size() - 1).add(new Slice(f, f.first(), f.first() + f.count()));
            }
            return plan;
        }
        long cells = (total + blockSize - 1) / blockSize;
        for (int p = 0; p < partitions; p++) {
            long from = Math.min(total, cells * p / partitions * blockSize);
            long to = Math.min(total, cells * (p + 1) / partitions * blockSize);
            List<Slice> slices = new ArrayList<>();
            for (ParquetDataset.ShardFile f : files) {
                long a = Math.max(from, f.first()), b = Math.min(to, f.first() + f.count());
                if (a < b) {
                    slices.add(new Slice(f, a, b));
                }
            }
            if (!slices.isEmpty()) {
                plan.add(slices);
            }
        }
        return plan;
    }

    private static List<ExampleBlock> readSlice(Configuration conf, Slice slice, Columns c, int blockSize) throws IOException {
        ParquetDataset.ShardFile f = slice.file();
        String file = f.path();
        String range = "the manifest gives this file the indices " + f.first() + ".." + (f.first() + f.count() - 1) + " in order";
        Path path = new Path(file);
        // Every slice checks the file's row count, so rows outside the range, which a slice's filter
        // would pass over, fail the read however many tasks share the file.
        long rows;
        try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
            rows = footer.getRecordCount();
        }
        if (rows != f.count()) {
            throw new BadDataException(file + ": " + rows + " rows; " + range + " (" + f.count() + " rows)");
        }
        Configuration readConf = conf;
        FilterCompat.Filter filter = FilterCompat.NOOP;
        if (!slice.wholeFile()) {
            readConf = new Configuration(conf);
            readConf.setBoolean("parquet.filter.record-level.enabled", true);  // rows, not only row groups and pages
            filter = FilterCompat.get(FilterApi.and(FilterApi.gtEq(FilterApi.longColumn(c.index()), slice.from()),
                    FilterApi.lt(FilterApi.longColumn(c.index()), slice.to())));
        }
        ParquetReader.Builder<Group> builder = ParquetReader.builder(new GroupReadSupport(), path).withConf(readConf)
                .withFilter(filter);
        Blocks.PieceBuilder blocks = new Blocks.PieceBuilder(c.shape(), blockSize);
        long expected = slice.from();
        String at = file;
        try (ParquetReader<Group> reader = builder.build()) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                at = file + " row " + (expected - f.first()) + " (index " + expected + ")";
                long index = g.getFieldRepetitionCount(c.index()) == 0 ? -1 : g.getLong(c.index(), 0);
                if (expected >= slice.to() || index != expected) {
                    throw new BadDataException(at + ": the '" + c.index() + "' column is " + index + "; " + range);
                }
                int off = blocks.start(index);
                if (g.getFieldRepetitionCount(c.features()) == 0) {
                    throw new BadRecordException(at + ", column '" + c.features() + "': null");
                }
                Binary tensor = g.getBinary(c.features(), 0);
                Pixels.fromBytes(tensor.getBytes(), c.shape(), blocks.features(), off, at + ", column '" + c.features() + "'");
                blocks.end(ParquetDataset.label(number(g, c.label(), at), c.classes(), at + ", column '" + c.label() + "'"));
                expected++;
            }
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith(file)) {
                throw e;  // already names the file and row
            }
            throw new BadDataException(at + ": not readable as a SparkCNN shard: " + e, e);
        }
        if (expected != slice.to()) {
            throw new BadDataException(file + ": the rows with index " + expected + ".." + (slice.to() - 1) + " are missing; " + range);
        }
        return blocks.finish();
    }

    /** A numeric column's value, or null when the row has none. */
    private static Number number(Group g, String column, String at) {
        if (g.getFieldRepetitionCount(column) == 0) {
            return null;
        }
        PrimitiveType.PrimitiveTypeName t = g.getType().getType(column).asPrimitiveType().getPrimitiveTypeName();
        return switch (t) {
            case INT32 -> g.getInteger(column, 0);
            case INT64 -> g.getLong(column, 0);
            case FLOAT -> g.getFloat(column, 0);
            case DOUBLE -> g.getDouble(column, 0);
            default -> throw new BadRecordException(at + ", column '" + column + "' has Parquet type " + t + "; expected a number");
        };
    }
}
