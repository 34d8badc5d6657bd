package org.sparkcnn.jobs.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

/**
 * The executor side of an {@link IdxDataset}: a partition's blocks, read from both files in step,
 * each contiguous run of blocks with one open per file (one seek for a raw file, one streaming pass
 * for a gzipped one).
 */
final class IdxBlocks {

    private IdxBlocks() {
    }

    /** The blocks numbered {@code blockNumbers} (ascending), lazily; the readers close with the task. */
    static Iterator<ExampleBlock> readPartition(IdxDataset dataset, Configuration conf, Iterator<Long> blockNumbers, int blockSize)
            throws IOException {
        List<long[]> runs = new ArrayList<>();
        while (blockNumbers.hasNext()) {
            long from = blockNumbers.next() * blockSize;
            long to = Math.min(dataset.count(), from + blockSize);
            long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last[1] == from) {
                last[1] = to;
            } else {
                runs.add(new long[] {from, to});
            }
        }
        PartitionIterator it = new PartitionIterator(dataset, conf, runs, blockSize);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> it.close());
        }
        it.advance(); // open errors surface here, as a checked exception
        return it;
    }

    /** Lazily reads the blocks of a partition's contiguous runs, one reader open at a time. */
    private static final class PartitionIterator implements Iterator<ExampleBlock> {
        private final IdxDataset dataset;
        private final Configuration conf;
        private final List<long[]> runs;
        private final int blockSize;
        private int nextRun;
        private BlockReader reader;
        private ExampleBlock next;

        PartitionIterator(IdxDataset dataset, Configuration conf, List<long[]> runs, int blockSize) {
            this.dataset = dataset;
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
                    reader = new BlockReader(dataset, conf, run[0], run[1], blockSize);
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
    static final class BlockReader implements Closeable {
        private final IdxDataset d;
        private final IdxFile images;
        private final IdxFile labels;
        private final long to;
        private final int blockSize;
        private long position;

        BlockReader(IdxDataset d, Configuration conf, long from, long to, int blockSize) throws IOException {
            this.d = d;
            int rows = d.shape().height(), cols = d.shape().width();
            long count = d.count();
            long recordBytes = (long) rows * cols;
            if (recordBytes * Math.min(blockSize, to - from) > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a block of " + blockSize + " examples of " + d.shape()
                        + " bytes does not fit in one array; use a smaller blockSize");
            }
            this.to = to;
            this.blockSize = blockSize;
            this.position = from;
            IdxFile img = null;
            IdxFile lab = null;
            try {
                img = IdxFile.open(conf, d.imagesUri(), IdxFile.IMAGES_RANK);
                if (img.dims[0] != count || img.dims[1] != rows || img.dims[2] != cols) {
                    throw new BadDataException(d.imagesUri() + ": header now announces " + img.announced()
                            + " but the dataset was opened with " + count + " x " + rows + " x " + cols);
                }
                lab = IdxFile.open(conf, d.labelsUri(), IdxFile.LABELS_RANK);
                if (lab.dims[0] != count) {
                    throw new BadDataException(d.labelsUri() + ": header now announces " + lab.dims[0]
                            + " labels but the dataset was opened with " + count);
                }
                img.seekData(from * recordBytes);
                lab.seekData(from);
            } catch (IOException | RuntimeException e) {
                IdxFile.closeQuietly(img, e);
                IdxFile.closeQuietly(lab, e);
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
            int recordBytes = d.shape().height() * d.shape().width();
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
                if (label >= d.numClasses()) {
                    throw new BadDataException(d.labelsUri() + ": record " + (position + i) + " has label " + label
                            + ", outside [0, " + d.numClasses() + ")");
                }
                labelInts[i] = label;
            }
            ExampleBlock block = new ExampleBlock(position, d.shape(), features, labelInts);
            position = end;
            if (position == d.count()) {
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
}
