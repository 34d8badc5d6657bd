package org.sparkcnn.jobs;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.sparkcnn.engine.train.BatchSampler;
import org.sparkcnn.engine.train.GradientWorker;
import org.sparkcnn.jobs.data.ExampleBlock;
import scala.runtime.AbstractFunction1;

/**
 * Which dataset indices each partition of a cached block RDD holds, learnt by one small job, so
 * that a step launches tasks only on the partitions that hold some of its examples: at small
 * batches most partitions hold none, and a task that would do nothing still costs its launch.
 */
final class PartitionLayout {

    /** Per partition, its blocks' index ranges as sorted pairs {first, end}. */
    private final long[][] ranges;

    private PartitionLayout(long[][] ranges) {
        this.ranges = ranges;
    }

    static PartitionLayout of(JavaRDD<ExampleBlock> blocks) {
        List<long[]> found = blocks.mapPartitionsWithIndex((p, it) -> {
            List<long[]> out = new ArrayList<>();
            while (it.hasNext()) {
                ExampleBlock b = it.next();
                out.add(new long[]{p, b.firstIndex(), b.firstIndex() + b.size()});
            }
            return out.iterator();
        }, true).collect();
        List<long[]> sorted = new ArrayList<>(found);
        sorted.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        long[][] ranges = new long[blocks.getNumPartitions()][];
        int i = 0;
        for (int p = 0; p < ranges.length; p++) {
            int from = i;
            while (i < sorted.size() && sorted.get(i)[0] == p) {
                i++;
            }
            ranges[p] = new long[2 * (i - from)];
            for (int k = from; k < i; k++) {
                ranges[p][2 * (k - from)] = sorted.get(k)[1];
                ranges[p][2 * (k - from) + 1] = sorted.get(k)[2];
            }
        }
        return new PartitionLayout(ranges);
    }

    /** Every block's {first, size}, ascending by first index (whatever partition holds it). */
    long[][] blocks() {
        List<long[]> all = new ArrayList<>();
        for (long[] r : ranges) {
            for (int i = 0; i < r.length; i += 2) {
                all.add(new long[]{r[i], r[i + 1] - r[i]});
            }
        }
        all.sort((a, b) -> Long.compare(a[0], b[0]));
        return all.toArray(new long[0][]);
    }

    int partitions() {
        return ranges.length;
    }

    /** Whether a partition is one of a sorted list: the filter of a {@code PartitionPruningRDD}. */
    static final class Among extends AbstractFunction1<Object, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int[] sortedPartitions;

        Among(int[] sortedPartitions) {
            this.sortedPartitions = sortedPartitions;
        }

        @Override
        public Object apply(Object partition) {
            return Arrays.binarySearch(sortedPartitions, (Integer) partition) >= 0;
        }
    }

    /** The partitions holding at least one of {@code sortedIndices}, ascending. */
    int[] holding(int[] sortedIndices) {
        int[] out = new int[ranges.length];
        int n = 0;
        for (int p = 0; p < ranges.length; p++) {
            long[] r = ranges[p];
            for (int i = 0; i < r.length; i += 2) {
                if (lowerBound(sortedIndices, r[i]) < lowerBound(sortedIndices, r[i + 1])) {
                    out[n++] = p;
                    break;
                }
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** The run's sampler: plain, or (groupSize > 0, batch norm) of ghost groups inside these blocks. */
    BatchSampler sampler(int count, long seed, int batchSize, int groupSize) {
        if (groupSize == 0) {
            return new BatchSampler(seed, count, batchSize);
        }
        long[][] bl = blocks();
        long[] firsts = new long[bl.length];
        int[] sizes = new int[bl.length];
        for (int i = 0; i < bl.length; i++) {
            firsts[i] = bl[i][0];
            sizes[i] = (int) bl[i][1];
        }
        return BatchSampler.grouped(seed, firsts, sizes, batchSize, groupSize);
    }

    /**
     * The examples of this step held by this partition's blocks, one unit per block, in ascending
     * dataset index. The batch's indices are sorted once, then each block takes its range.
     */
    static List<GradientWorker.Examples> shareOfBatch(Iterator<ExampleBlock> blocks, int[] perm, int start, int length) {
        int[] batch = Arrays.copyOfRange(perm, start, start + length);
        Arrays.sort(batch);
        List<GradientWorker.Examples> units = new ArrayList<>();
        while (blocks.hasNext()) {
            ExampleBlock b = blocks.next();
            long first = b.firstIndex(), end = first + b.size();
            int lo = lowerBound(batch, first), hi = lowerBound(batch, end);
            if (hi > lo) {
                int[] rows = new int[hi - lo];
                for (int i = lo; i < hi; i++) {
                    rows[i - lo] = (int) (batch[i] - first);
                }
                units.add(new GradientWorker.Examples(b.features(), b.labels(), first, rows));
            }
        }
        return units;
    }

    static int lowerBound(int[] sorted, long key) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
