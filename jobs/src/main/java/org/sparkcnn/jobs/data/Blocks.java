package org.sparkcnn.jobs.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.sparkcnn.engine.Shape;
import scala.Tuple2;

/**
 * Examples on a fixed grid of dataset indices: block b holds indices [b * size, (b + 1) * size).
 * Gradients are summed in float within chunks that follow blocks, so the grid (not how the input
 * happens to be split into files or partitions) must decide the blocks for the weights to be
 * bit-identical everywhere. Readers emit pieces of contiguous indices, cut at grid boundaries;
 * {@link #onGrid} joins the pieces of each cell.
 */
public final class Blocks {

    private Blocks() {
    }

    /** Collects consecutive examples into pieces cut at multiples of {@code blockSize}. */
    public static final class PieceBuilder {
        private final Shape shape;
        private final int blockSize;
        private final List<ExampleBlock> out = new ArrayList<>();
        private final float[] x;
        private final int[] y;
        private int n;
        private long first = -1;

        public PieceBuilder(Shape shape, int blockSize) {
            this.shape = shape;
            this.blockSize = blockSize;
            this.x = new float[blockSize * shape.size()];
            this.y = new int[blockSize];
        }

        /** The buffer the examples' features are written into, at the offsets {@link #start} returns. */
        public float[] features() {
            return x;
        }

        /** Starts example {@code index} and returns where its features go in {@link #features()}. */
        public int start(long index) {
            if (n > 0 && (index != first + n || index % blockSize == 0)) {  // a gap or a grid boundary
                flush();
            }
            if (n == 0) {
                first = index;
            }
            return n * shape.size();
        }

        /** Ends the example started last, with its label. */
        public void end(int label) {
            y[n++] = label;
            if (n == blockSize) {
                flush();
            }
        }

        private void flush() {
            if (n > 0) {
                out.add(new ExampleBlock(first, shape, Arrays.copyOf(x, n * shape.size()), Arrays.copyOf(y, n)));
                n = 0;
            }
        }

        /** The pieces, the last one flushed. */
        public List<ExampleBlock> finish() {
            flush();
            return out;
        }
    }

    /**
     * Holds out a seeded fraction of a dataset: example i goes to the held-out part when a draw from
     * (seed, i) is below {@code fraction}, so the split depends on nothing but the seed and the index.
     * Both parts are re-indexed 0, 1, ... in the original order and cut on the grid again. Returns
     * {kept, heldOut}.
     */
    @SuppressWarnings("unchecked")
    public static JavaRDD<ExampleBlock>[] split(JavaRDD<ExampleBlock> blocks, long seed, double fraction, int blockSize,
                                                int partitions) {
        // per block: its first index and how many of its examples are held out, in index order
        List<long[]> counts = new ArrayList<>(blocks.map(b -> {
            long held = 0;
            for (int i = 0; i < b.size(); i++) {
                held += heldOut(seed, b.firstIndex() + i, fraction) ? 1 : 0;
            }
            return new long[]{b.firstIndex(), b.size() - held, held};
        }).collect());
        counts.sort(Comparator.comparingLong(c -> c[0]));
        java.util.Map<Long, long[]> starts = new java.util.HashMap<>();  // first index -> {kept before, held before}
        long kept = 0, held = 0;
        for (long[] c : counts) {
            starts.put(c[0], new long[]{kept, held});
            kept += c[1];
            held += c[2];
        }
        if (kept == 0 || held == 0) {
            throw new IllegalArgumentException("a validation fraction of " + fraction + " leaves " + kept + " training and "
                    + held + " validation examples; both must be non-empty");
        }
        JavaRDD<ExampleBlock>[] parts = new JavaRDD[2];
        for (int part = 0; part < 2; part++) {
            boolean wantHeld = part == 1;
            JavaRDD<ExampleBlock> pieces = blocks.mapPartitions(it -> {
                List<ExampleBlock> out = new ArrayList<>();
                while (it.hasNext()) {
                    ExampleBlock b = it.next();
                    PieceBuilder pb = new PieceBuilder(b.shape(), blockSize);
                    long next = starts.get(b.firstIndex())[wantHeld ? 1 : 0];
                    int size = b.shape().size();
                    for (int i = 0; i < b.size(); i++) {
                        if (heldOut(seed, b.firstIndex() + i, fraction) == wantHeld) {
                            int off = pb.start(next++);
                            System.arraycopy(b.features(), i * size, pb.features(), off, size);
                            pb.end(b.labels()[i]);
                        }
                    }
                    out.addAll(pb.finish());
                }
                return out.iterator();
            });
            parts[part] = onGrid(pieces, blockSize, partitions);
        }
        return parts;
    }

    private static boolean heldOut(long seed, long index, double fraction) {
        return new java.util.SplittableRandom(seed * 0x9E3779B97F4A7C15L + index).nextDouble() < fraction;
    }

    /** The pieces joined into one block per grid cell, in {@code partitions} partitions. */
    public static JavaRDD<ExampleBlock> onGrid(JavaRDD<ExampleBlock> pieces, int blockSize, int partitions) {
        return pieces.mapToPair(b -> new Tuple2<>(b.firstIndex() / blockSize, b))
                .groupByKey(Math.max(1, partitions))
                .map(cell -> join(cell._2()));
    }

    /** The pieces of one grid cell, in index order, as one block. */
    static ExampleBlock join(Iterable<ExampleBlock> cell) {
        List<ExampleBlock> pieces = new ArrayList<>();
        cell.forEach(pieces::add);
        if (pieces.size() == 1) {
            return pieces.get(0);
        }
        pieces.sort(Comparator.comparingLong(ExampleBlock::firstIndex));
        int n = 0;
        for (ExampleBlock p : pieces) {
            n += p.size();
        }
        ExampleBlock first = pieces.get(0);
        int size = first.shape().size();
        float[] x = new float[n * size];
        int[] y = new int[n];
        int at = 0;
        for (ExampleBlock p : pieces) {
            if (p.firstIndex() != first.firstIndex() + at) {
                throw new IllegalStateException("block pieces are not contiguous at example " + p.firstIndex());
            }
            System.arraycopy(p.features(), 0, x, at * size, p.size() * size);
            System.arraycopy(p.labels(), 0, y, at, p.size());
            at += p.size();
        }
        return new ExampleBlock(first.firstIndex(), first.shape(), x, y);
    }
}
