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

    private static final int UNSIGNED_BYTE = 0x08;
    private static final int IMAGES_RANK = 3;
    private static final int LABELS_RANK = 1;
    private static final int BUFFER = 1 << 16;

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
        try (IdxFile f = IdxFile.open(conf, imagesUri, IMAGES_RANK)) {
            images = f.uri;
            imageCount = f.dims[0];
            rows = f.dims[1];
            cols = f.dims[2];
        }
        try (IdxFile f = IdxFile.open(conf, labelsUri, LABELS_RANK)) {
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
        try (BlockReader reader = new BlockReader(conf, from, to, blockSize)) {
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
                .mapPartitions(numbers -> dataset.readPartition(conf.value().value(), numbers, blockSize));
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

    private Iterator<ExampleBlock> readPartition(Configuration conf, Iterator<Long> blockNumbers, int blockSize)
            throws IOException {
        List<long[]> runs = new ArrayList<>();
        while (blockNumbers.hasNext()) {
            long from = blockNumbers.next() * blockSize;
            long to = Math.min(count, from + blockSize);
            long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last[1] == from) {
                last[1] = to;
            } else {
                runs.add(new long[] {from, to});
            }
        }
        PartitionIterator it = new PartitionIterator(conf, runs, blockSize);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> it.close());
        }
        it.advance(); // open errors surface here, as a checked exception
        return it;
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

    /** Lazily reads the blocks of a partition's contiguous runs, one reader open at a time. */
    private final class PartitionIterator implements Iterator<ExampleBlock> {
        private final Configuration conf;
        private final List<long[]> runs;
        private final int blockSize;
        private int nextRun;
        private BlockReader reader;
        private ExampleBlock next;

        PartitionIterator(Configuration conf, List<long[]> runs, int blockSize) {
            this.conf = conf;
            this.runs = runs;
            this.blockSize = blockSize;
        }

        void advance() throws IOException {
            while (next == null) {
                if (reader == null) {
                    if (nextRun == runs.size()) {
                        return;
                    }
                    long[] run = runs.get(nextRun++);
                    reader = new BlockReader(conf, run[0], run[1], blockSize);
                }
                next = reader.next();
                if (next == null) {
                    BlockReader done = reader;
                    reader = null;
                    done.close();
                }
            }
        }

        @Override
        public boolean hasNext() {
            try {
                advance();
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(e.getMessage(), e);
            }
            return next != null;
        }

        @Override
        public ExampleBlock next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ExampleBlock b = next;
            next = null;
            return b;
        }

        void close() {
            if (reader != null) {
                try {
                    reader.close();
                } catch (IOException ignored) {
                    // only input streams; nothing was written
                }
                reader = null;
            }
        }
    }

    /** Reads examples [from, to) from both files in step, block by block. */
    private final class BlockReader implements Closeable {
        private final IdxFile images;
        private final IdxFile labels;
        private final long to;
        private final int blockSize;
        private long position;

        BlockReader(Configuration conf, long from, long to, int blockSize) throws IOException {
            long recordBytes = (long) rows * cols;
            if (recordBytes * Math.min(blockSize, to - from) > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a block of " + blockSize + " examples of " + shape()
                        + " bytes does not fit in one array; use a smaller blockSize");
            }
            this.to = to;
            this.blockSize = blockSize;
            this.position = from;
            IdxFile img = null;
            IdxFile lab = null;
            try {
                img = IdxFile.open(conf, imagesUri, IMAGES_RANK);
                if (img.dims[0] != count || img.dims[1] != rows || img.dims[2] != cols) {
                    throw new BadDataException(imagesUri + ": header now announces " + img.announced()
                            + " but the dataset was opened with " + count + " x " + rows + " x " + cols);
                }
                lab = IdxFile.open(conf, labelsUri, LABELS_RANK);
                if (lab.dims[0] != count) {
                    throw new BadDataException(labelsUri + ": header now announces " + lab.dims[0]
                            + " labels but the dataset was opened with " + count);
                }
                img.seekData(from * recordBytes);
                lab.seekData(from);
            } catch (IOException | RuntimeException e) {
                closeQuietly(img, e);
                closeQuietly(lab, e);
                throw e;
            }
            this.images = img;
            this.labels = lab;
        }

        /** The next block, or null after {@code to}. */
        ExampleBlock next() throws IOException {
            if (position >= to) {
                return null;
            }
            long end = Math.min(to, (position / blockSize + 1) * blockSize);
            int n = (int) (end - position);
            int recordBytes = rows * cols;
            byte[] pixels = new byte[n * recordBytes];
            images.readData(pixels);
            byte[] labelBytes = new byte[n];
            labels.readData(labelBytes);
            float[] features = new float[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                features[i] = (pixels[i] & 0xff) / 255f;
            }
            int[] labelInts = new int[n];
            for (int i = 0; i < n; i++) {
                int label = labelBytes[i] & 0xff;
                if (label >= numClasses) {
                    throw new BadDataException(labelsUri + ": record " + (position + i) + " has label " + label
                            + ", outside [0, " + numClasses + ")");
                }
                labelInts[i] = label;
            }
            ExampleBlock block = new ExampleBlock(position, shape(), features, labelInts);
            position = end;
            if (position == count) {
                images.checkAtEnd();
                labels.checkAtEnd();
            }
            return block;
        }

        @Override
        public void close() throws IOException {
            try {
                images.close();
            } finally {
                labels.close();
            }
        }
    }

    private static void closeQuietly(Closeable c, Exception primary) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                primary.addSuppressed(e);
            }
        }
    }

    /** One open IDX file positioned in its payload; all messages name the file. */
    private static final class IdxFile implements Closeable {
        final String uri;
        final int[] dims;
        final long headerBytes;
        final long dataBytes;
        final boolean gzip;
        private final FSDataInputStream raw;
        private final InputStream in;
        /** Payload bytes consumed so far. */
        private long dataPosition;

        private IdxFile(String uri, int[] dims, boolean gzip, FSDataInputStream raw, InputStream in) {
            this.uri = uri;
            this.dims = dims;
            this.headerBytes = 4L + 4L * dims.length;
            long product = 1;
            for (int d : dims) {
                product *= d;
            }
            this.dataBytes = product;
            this.gzip = gzip;
            this.raw = raw;
            this.in = in;
        }

        /** Opens {@code location}, reads and checks the header; the stream is left at the payload. */
        static IdxFile open(Configuration conf, String location, int expectedRank) throws IOException {
            Path path;
            FileSystem fs;
            try {
                path = new Path(location);
                fs = path.getFileSystem(conf);
                path = fs.makeQualified(path);
            } catch (IllegalArgumentException e) {
                throw new IOException(location + ": not a valid path (" + e.getMessage() + ")", e);
            } catch (IOException e) {
                throw new IOException(location + ": cannot access (" + e.getMessage() + ")", e);
            }
            String uri = path.toString();
            FileStatus status;
            try {
                status = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw new IOException(uri + ": no such file", e);
            } catch (IOException e) {
                throw accessError(uri, e);
            }
            if (status.isDirectory()) {
                throw new BadDataException(uri + ": is a directory, not an IDX file");
            }
            FSDataInputStream stream;
            try {
                stream = fs.open(path);
            } catch (IOException e) {
                throw accessError(uri, e);
            }
            InputStream in = stream;
            try {
                byte[] start = new byte[2];
                int got;
                try {
                    got = readUpTo(stream, start, 0, 2); // object stores report access problems here
                } catch (IOException e) {
                    throw accessError(uri, e);
                }
                boolean gzip = got == 2 && (start[0] & 0xff) == 0x1f && (start[1] & 0xff) == 0x8b;
                stream.seek(0);
                if (gzip) {
                    in = new GZIPInputStream(stream, BUFFER);
                }
                int[] dims = readHeader(uri, in, expectedRank);
                IdxFile f = new IdxFile(uri, dims, gzip, stream, in);
                if (!gzip) {
                    long have = status.getLen() - f.headerBytes;
                    if (have < f.dataBytes) {
                        throw new BadDataException(uri + ": truncated: header announces " + f.announced()
                                + " data bytes but the file ends after " + have);
                    }
                    if (have > f.dataBytes) {
                        throw new BadDataException(uri + ": trailing data: header announces " + f.announced()
                                + " data bytes but the file has " + have);
                    }
                }
                return f;
            } catch (EOFException e) {
                IOException error = new IOException(uri + ": truncated: the gzip stream is cut off inside the IDX header", e);
                closeQuietly(in, error);
                closeQuietly(stream, error);
                throw error;
            } catch (ZipException e) {
                IOException error = new IOException(uri + ": corrupt gzip data in the IDX header (" + e.getMessage() + ")", e);
                closeQuietly(in, error);
                closeQuietly(stream, error);
                throw error;
            } catch (IOException | RuntimeException e) {
                closeQuietly(in, e);
                closeQuietly(stream, e);
                throw e;
            }
        }

        private static IOException accessError(String uri, IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            if (e instanceof AccessControlException || e instanceof AccessDeniedException
                    || msg.contains("Permission denied") || msg.contains("Access Denied")) {
                return new IOException(uri + ": permission denied (" + msg + ")", e);
            }
            if (e instanceof FileNotFoundException) {
                return new IOException(uri + ": no such file (" + msg + ")", e);
            }
            return new IOException(uri + ": cannot read (" + msg + ")", e);
        }

        private static int[] readHeader(String uri, InputStream in, int expectedRank) throws IOException {
            byte[] magic = new byte[4];
            int got = readUpTo(in, magic, 0, 4);
            if (got < 4) {
                throw new BadDataException(uri + ": not an IDX file (only " + got + " bytes, the IDX magic needs 4)");
            }
            if (magic[0] != 0 || magic[1] != 0) {
                int m = ((magic[0] & 0xff) << 24) | ((magic[1] & 0xff) << 16) | ((magic[2] & 0xff) << 8) | (magic[3] & 0xff);
                throw new BadDataException(uri + ": not an IDX file (magic " + String.format("0x%08x", m)
                        + ", expected 0x0000 then type and rank)");
            }
            int type = magic[2] & 0xff;
            if (type != UNSIGNED_BYTE) {
                throw new BadDataException(uri + ": IDX element type " + String.format("0x%02X", type) + typeName(type)
                        + " is not supported (only 0x08 unsigned byte)");
            }
            int rank = magic[3] & 0xff;
            if (rank != expectedRank) {
                String expected = expectedRank == IMAGES_RANK
                        ? "an images file needs 3 dimensions (count, rows, cols)"
                        : "a labels file needs 1 dimension (count)";
                String hint = rank == IMAGES_RANK + LABELS_RANK - expectedRank ? "; images and labels swapped?" : "";
                throw new BadDataException(uri + ": IDX rank " + rank + " but " + expected + hint);
            }
            byte[] dimBytes = new byte[4 * rank];
            got = readUpTo(in, dimBytes, 0, dimBytes.length);
            if (got < dimBytes.length) {
                throw new BadDataException(uri + ": truncated: the IDX header needs " + (4 + dimBytes.length)
                        + " bytes but the file ends after " + (4 + got));
            }
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                long d = ((dimBytes[4 * i] & 0xffL) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
                        | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
                if (d > Integer.MAX_VALUE) {
                    throw new BadDataException(uri + ": IDX dimension " + i + " is " + d + ", larger than supported");
                }
                dims[i] = (int) d;
            }
            if (rank == IMAGES_RANK) {
                if (dims[1] == 0 || dims[2] == 0) {
                    throw new BadDataException(uri + ": images of " + dims[1] + " x " + dims[2] + " pixels are empty");
                }
                if ((long) dims[1] * dims[2] > Integer.MAX_VALUE) {
                    throw new BadDataException(uri + ": images of " + dims[1] + " x " + dims[2] + " pixels are too large");
                }
            }
            return dims;
        }

        private static String typeName(int type) {
            switch (type) {
                case 0x09: return " (signed byte)";
                case 0x0B: return " (int16)";
                case 0x0C: return " (int32)";
                case 0x0D: return " (float32)";
                case 0x0E: return " (float64)";
                default: return "";
            }
        }

        /** "10 x 4 x 3 = 120" or "10". */
        String announced() {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < dims.length; i++) {
                s.append(i == 0 ? "" : " x ").append(dims[i]);
            }
            return dims.length > 1 ? s + " = " + dataBytes : s.toString();
        }

        /** Moves forward to payload byte {@code offset}: a seek for raw files, a streaming skip for gzip. */
        void seekData(long offset) throws IOException {
            if (offset > dataBytes) {
                throw new IllegalStateException(uri + ": seek to data byte " + offset + " of " + dataBytes);
            }
            if (!gzip) {
                raw.seek(headerBytes + offset);
                dataPosition = offset;
                return;
            }
            byte[] scratch = new byte[(int) Math.min(BUFFER, Math.max(1, offset - dataPosition))];
            while (dataPosition < offset) {
                int n = (int) Math.min(scratch.length, offset - dataPosition);
                readData(scratch, n);
            }
        }

        void readData(byte[] buffer) throws IOException {
            readData(buffer, buffer.length);
        }

        /** Fills {@code buffer[0, len)} from the payload, or says where the file ends. */
        private void readData(byte[] buffer, int len) throws IOException {
            int got;
            try {
                got = readUpTo(in, buffer, 0, len);
            } catch (EOFException e) {
                // GZIPInputStream: the compressed stream is cut off. Where exactly is not known.
                throw new BadDataException(uri + ": truncated: header announces " + announced()
                        + " data bytes but the gzip stream is cut off after at least " + dataPosition, e);
            } catch (ZipException e) {
                throw new BadDataException(uri + ": corrupt gzip data after " + dataPosition + " data bytes ("
                        + e.getMessage() + ")", e);
            } catch (IOException e) {
                throw new IOException(uri + ": read error after " + dataPosition + " data bytes ("
                        + e.getMessage() + ")", e);
            }
            dataPosition += got;
            if (got < len) {
                throw new BadDataException(uri + ": truncated: header announces " + announced()
                        + " data bytes but the file ends after " + dataPosition);
            }
        }

        /** After the whole payload: a gzipped file must end here (a raw one was checked by length). */
        void checkAtEnd() throws IOException {
            if (!gzip) {
                return;
            }
            int b;
            try {
                b = in.read();
            } catch (EOFException e) {
                throw new BadDataException(uri + ": truncated: the gzip stream is cut off after its " + dataBytes
                        + " data bytes", e);
            } catch (IOException e) {
                throw new BadDataException(uri + ": corrupt gzip data after the " + dataBytes + " data bytes ("
                        + e.getMessage() + ")", e);
            }
            if (b != -1) {
                throw new BadDataException(uri + ": trailing data: header announces " + announced()
                        + " data bytes but the file has more");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
            raw.close();
        }

        private static int readUpTo(InputStream in, byte[] b, int off, int len) throws IOException {
            int total = 0;
            while (total < len) {
                int n = in.read(b, off + total, len - total);
                if (n < 0) {
                    break;
                }
                total += n;
            }
            return total;
        }
    }
}
