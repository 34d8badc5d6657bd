package org.sparkcnn.jobs.data;

import java.io.Closeable;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;
import org.sparkcnn.engine.Shape;

/**
 * An MNIST-family dataset stored as a pair of IDX files (images and labels), read through Hadoop's
 * {@link FileSystem} so the same code serves {@code file:}, {@code hdfs://}, {@code s3a://} and plain
 * paths (a path without a scheme resolves against {@code fs.defaultFS}, as everywhere in Hadoop and
 * Spark; {@link #open} qualifies it on the driver so executors read the same file). The driver reads
 * only the headers; executors read the payload, each a contiguous run of blocks, so a raw file is
 * read with one seek and a gzipped one with one streaming pass per partition.
 *
 * <p>IDX layout (integers big-endian):
 * <pre>
 *   bytes 0-1   0x00 0x00
 *   byte  2     element type: 0x08 unsigned byte (the only type supported here; 0x09 byte,
 *               0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64 exist)
 *   byte  3     rank n
 *   n x int32   dimension sizes: images (count, rows, cols), labels (count)
 *   payload     the elements in row-major order: count x rows x cols pixels / count labels
 * </pre>
 * Either file may be gzip-compressed; that is detected from the magic bytes {@code 1f 8b}, not the
 * name. Pixels become {@code v / 255f} in shape {@code 1 x rows x cols}.
 *
 * <p>Errors: every problem with a file or its contents (missing, unreadable, not IDX, unsupported
 * type or rank, truncated, trailing data, record counts that disagree, a label outside
 * {@code [0, numClasses)}) is an {@link IOException} whose message starts with the file's qualified
 * URI and says what is wrong, and where it applies which record; the underlying exception, if any,
 * is its cause. Bad arguments (ranges, block sizes, class counts) are
 * {@link IllegalArgumentException}s. In {@link #load}, a read error surfaces from the Spark action
 * as the task failure, carrying the same message.
 */
public final class IdxDataset implements LabeledData {

    private static final long serialVersionUID = 1L;


    private final String imagesUri;
    private final String labelsUri;
    private final long count;
    private final int rows;
    private final int cols;
    private final int numClasses;

    private IdxDataset(String imagesUri, String labelsUri, long count, int rows, int cols, int numClasses) {
        this.imagesUri = imagesUri;
        this.labelsUri = labelsUri;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.numClasses = numClasses;
    }

    /**
     * Reads and validates both headers (a few bytes each; for a raw file also its length). Labels
     * themselves are checked when read.
     *
     * @throws IOException if a file is missing, unreadable or not a matching IDX file
     * @throws IllegalArgumentException if {@code numClasses < 1} or an argument is null
     */
    public static IdxDataset open(Configuration conf, String imagesUri, String labelsUri, int numClasses)
            throws IOException {
        requireNonNull(conf, "conf");
        requireNonNull(imagesUri, "imagesUri");
        requireNonNull(labelsUri, "labelsUri");
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        }
        int rows;
        int cols;
        long imageCount;
        String images;
        try (IdxFile f = IdxFile.open(conf, imagesUri, IdxFile.IMAGES_RANK)) {
            images = f.uri;
            imageCount = f.dims[0];
            rows = f.dims[1];
            cols = f.dims[2];
        }
        try (IdxFile f = IdxFile.open(conf, labelsUri, IdxFile.LABELS_RANK)) {
            if (f.dims[0] != imageCount) {
                throw new BadDataException("images (" + images + ") have " + imageCount + " records but labels ("
                        + f.uri + ") have " + f.dims[0]);
            }
            return new IdxDataset(images, f.uri, imageCount, rows, cols, numClasses);
        }
    }

    /**
     * Opens the IDX pair that {@code uri} names: either a directory holding
     * {@code <prefix>-images-idx3-ubyte} and {@code <prefix>-labels-idx1-ubyte} (each optionally
     * {@code .gz}) for the first of {@code prefixes} present, as Fashion-MNIST and MNIST ship
     * ({@code train}, {@code t10k}); or an images file, whose labels file has the same name with
     * {@code images-idx3} replaced by {@code labels-idx1}.
     *
     * @throws IOException naming the URI and the file names looked for, when nothing matches
     */
    public static IdxDataset locate(Configuration conf, String uri, List<String> prefixes, int numClasses)
            throws IOException {
        requireNonNull(uri, "uri");
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        FileStatus status;
        try {
            status = fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            throw new IOException(fs.makeQualified(path) + ": no such file or directory", e);
        }
        if (!status.isDirectory()) {
            String name = path.getName();
            if (!name.contains("images-idx3")) {
                throw new IOException(status.getPath() + ": expected an IDX images file named *images-idx3* "
                        + "(its labels in *labels-idx1*) or a directory holding such a pair");
            }
            Path labels = labelsFile(fs, new Path(status.getPath().getParent(), name.replace("images-idx3", "labels-idx1")));
            return open(conf, status.getPath().toString(), labels.toString(), numClasses);
        }
        List<String> tried = new ArrayList<>();
        for (String prefix : prefixes) {
            for (String suffix : new String[]{"", ".gz"}) {
                Path images = new Path(status.getPath(), prefix + "-images-idx3-ubyte" + suffix);
                tried.add(images.getName());
                if (fs.exists(images)) {
                    Path labels = labelsFile(fs, new Path(status.getPath(), prefix + "-labels-idx1-ubyte" + suffix));
                    return open(conf, images.toString(), labels.toString(), numClasses);
                }
            }
        }
        throw new IOException(status.getPath() + ": no IDX images file in this directory; looked for " + String.join(", ", tried));
    }

    /**
     * The labels file: {@code named} if it exists, else the same name with or without {@code .gz}
     * (one file of a pair may be compressed and the other not).
     *
     * @throws IOException naming both names when neither exists
     */
    private static Path labelsFile(FileSystem fs, Path named) throws IOException {
        if (fs.exists(named)) {
            return named;
        }
        String name = named.getName();
        Path other = new Path(named.getParent(), name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name + ".gz");
        if (fs.exists(other)) {
            return other;
        }
        throw new IOException(fs.makeQualified(named) + ": no such file (nor " + other.getName()
                + "); the labels of an IDX images file sit beside it, named *labels-idx1*");
    }

    /** Number of examples. */
    public long count() {
        return count;
    }

    /** Shape of one example: {@code 1 x rows x cols}. */
    public Shape shape() {
        return new Shape(1, rows, cols);
    }

    /** The images file, qualified. */
    public String imagesUri() {
        return imagesUri;
    }

    /** The labels file, qualified. */
    public String labelsUri() {
        return labelsUri;
    }

    public int numClasses() {
        return numClasses;
    }

    /**
     * Examples {@code [from, to)} as blocks of {@code blockSize} examples whose boundaries are
     * multiples of {@code blockSize} in dataset index; the first and last block may be shorter when
     * the range starts or ends mid-block. Reads only up to {@code to} (a gzipped file is decompressed
     * as a stream up to there, once).
     *
     * @throws IOException on any read or format problem (see the class comment)
     * @throws IllegalArgumentException unless {@code 0 <= from <= to <= count()} and {@code blockSize >= 1}
     */
    public List<ExampleBlock> readBlocks(Configuration conf, long from, long to, int blockSize) throws IOException {
        requireNonNull(conf, "conf");
        checkBlockSize(blockSize);
        if (from < 0 || from > to || to > count) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") is not within [0, " + count + ")");
        }
        List<ExampleBlock> blocks = new ArrayList<>();
        if (from == to) {
            return blocks;
        }
        try (IdxBlocks.BlockReader reader = new IdxBlocks.BlockReader(this, conf, from, to, blockSize)) {
            for (ExampleBlock b = reader.next(); b != null; b = reader.next()) {
                blocks.add(b);
            }
        }
        return blocks;
    }

    /**
     * The whole dataset as an RDD of blocks (boundaries as in {@link #readBlocks}), read on the
     * executors. The driver only lists block numbers; {@code parallelize} gives each partition a
     * contiguous run of them, which is read with one open per file. The Hadoop configuration is
     * {@code sc.hadoopConfiguration()} at call time, broadcast once. Not cached: the caller decides.
     *
     * @throws IllegalArgumentException if {@code blockSize < 1} or {@code partitions < 1}
     */
    public JavaRDD<ExampleBlock> load(JavaSparkContext sc, int blockSize, int partitions) {
        requireNonNull(sc, "sc");
        checkBlockSize(blockSize);
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        long numBlocks = (count + blockSize - 1) / blockSize;
        List<Long> blockNumbers = new ArrayList<>((int) numBlocks);
        for (long b = 0; b < numBlocks; b++) {
            blockNumbers.add(b);
        }
        // Spark's own wrapper: public (@DeveloperApi) in Spark 4.x, and KryoSerializer registers it
        // with Java serialization, so it survives Kryo broadcasts (a plain Serializable wrapper with a
        // transient Configuration would not).
        Broadcast<SerializableConfiguration> conf = sc.broadcast(new SerializableConfiguration(sc.hadoopConfiguration()));
        IdxDataset dataset = this;
        return sc.parallelize(blockNumbers, partitions)
                .mapPartitions(numbers -> IdxBlocks.readPartition(dataset, conf.value().value(), numbers, blockSize));
    }

    @Override
    public Loaded read(JavaSparkContext sc, int blockSize, int partitions) {
        return new Loaded(load(sc, blockSize, partitions), 0, List.of());
    }

    @Override
    public String uri() {
        return imagesUri();
    }

    @Override
    public java.util.Map<String, String> fingerprint(Configuration conf) throws IOException {
        java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
        for (String file : List.of(imagesUri(), labelsUri())) {
            Path p = new Path(file);
            f.put(p.getName() + " bytes", String.valueOf(p.getFileSystem(conf).getFileStatus(p).getLen()));
        }
        return f;
    }

    private static void checkBlockSize(int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize must be at least 1, got " + blockSize);
        }
    }

    private static void requireNonNull(Object o, String name) {
        if (o == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

}
