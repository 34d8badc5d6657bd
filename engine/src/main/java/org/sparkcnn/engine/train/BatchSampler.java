package org.sparkcnn.engine.train;

import java.util.SplittableRandom;

/**
 * Which examples form each step: epoch e visits the dataset in a permutation drawn from
 * {@code (seed, e)} alone (Fisher-Yates), cut into consecutive batches of {@code batchSize}; the last
 * batch of an epoch may be smaller. Nothing depends on how the data is partitioned.
 *
 * <p>For a model with batch norm, {@link #grouped} builds the epoch from <em>ghost groups</em> of
 * {@code groupSize} examples, each inside one data block: block k (a fixed index range) permutes its
 * indices with a stream drawn from (seed, e, the block's first index) and cuts them into groups (a
 * remainder smaller than a group is left out of that epoch); the list of all groups is permuted
 * with a stream drawn from (seed, e); the epoch's order is the groups' examples, group after group.
 * A batch is then a whole number of groups (batchSize is a multiple of groupSize), and group j of
 * step t is positions {@code [start + j*G, start + (j+1)*G)}.
 */
public final class BatchSampler {

    private final long seed;
    private final int count;
    private final int batchSize;
    private final int groupSize;       // 0: plain permutation
    private final long[] blockFirst;   // grouped: each block's first dataset index, ascending
    private final int[] blockSize;

    public BatchSampler(long seed, int count, int batchSize) {
        if (count <= 0) {
            throw new IllegalArgumentException("the dataset is empty");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.seed = seed;
        this.count = count;
        this.batchSize = batchSize;
        this.groupSize = 0;
        this.blockFirst = null;
        this.blockSize = null;
    }

    private BatchSampler(long seed, long[] blockFirst, int[] blockSize, int batchSize, int groupSize) {
        if (groupSize <= 0) {
            throw new IllegalArgumentException("group size must be positive, got " + groupSize);
        }
        if (batchSize <= 0 || batchSize % groupSize != 0) {
            throw new IllegalArgumentException("batch size " + batchSize + " must be a positive multiple of the batch-norm group size "
                    + groupSize);
        }
        int groups = 0;
        for (int i = 0; i < blockFirst.length; i++) {
            if (i > 0 && blockFirst[i] < blockFirst[i - 1] + blockSize[i - 1]) {
                throw new IllegalArgumentException("blocks must be ascending and disjoint");
            }
            groups += blockSize[i] / groupSize;
        }
        if (groups == 0) {
            throw new IllegalArgumentException("no block holds a whole batch-norm group of " + groupSize + " examples");
        }
        this.seed = seed;
        this.count = groups * groupSize;
        this.batchSize = batchSize;
        this.groupSize = groupSize;
        this.blockFirst = blockFirst.clone();
        this.blockSize = blockSize.clone();
    }

    /**
     * The ghost-group sampler over blocks {@code [blockFirst[k], blockFirst[k] + blockSize[k])} (ascending,
     * disjoint); {@link #count()} is the examples an epoch visits (the blocks' remainders left out).
     */
    public static BatchSampler grouped(long seed, long[] blockFirst, int[] blockSize, int batchSize, int groupSize) {
        return new BatchSampler(seed, blockFirst, blockSize, batchSize, groupSize);
    }

    /** Examples per epoch. */
    public int count() {
        return count;
    }

    /** The ghost-group size, or 0 for the plain permutation. */
    public int groupSize() {
        return groupSize;
    }

    public int stepsPerEpoch() {
        return (count + batchSize - 1) / batchSize;
    }

    /** The permutation of epoch {@code epoch}: position -> dataset index. */
    public int[] permutation(int epoch) {
        if (groupSize > 0) {
            return groupedPermutation(epoch);
        }
        int[] perm = new int[count];
        for (int i = 0; i < count; i++) {
            perm[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1L)));
        for (int i = count - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    private int[] groupedPermutation(int epoch) {
        int groups = count / groupSize;
        int[][] members = new int[groups][];
        int g = 0;
        for (int k = 0; k < blockFirst.length; k++) {
            int n = blockSize[k];
            int[] local = new int[n];
            for (int i = 0; i < n; i++) {
                local[i] = i;
            }
            SplittableRandom rng = new SplittableRandom(mix(mix(seed ^ 0x5851F42D4C957F2DL, epoch), blockFirst[k]));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = local[i];
                local[i] = local[j];
                local[j] = t;
            }
            for (int i = 0; i + groupSize <= n; i += groupSize) {
                int[] m = new int[groupSize];
                for (int r = 0; r < groupSize; r++) {
                    m[r] = Math.toIntExact(blockFirst[k] + local[i + r]);
                }
                members[g++] = m;
            }
        }
        SplittableRandom rng = new SplittableRandom(mix(seed ^ 0x2545F4914F6CDD1DL, epoch));
        for (int i = groups - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int[] t = members[i];
            members[i] = members[j];
            members[j] = t;
        }
        int[] perm = new int[count];
        for (int i = 0; i < groups; i++) {
            System.arraycopy(members[i], 0, perm, i * groupSize, groupSize);
        }
        return perm;
    }

    private static long mix(long a, long b) {
        long z = a + 0x9E3779B97F4A7C15L * (b + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** First position (in the epoch's permutation) of step {@code step} of an epoch. */
    public int batchStart(int step) {
        return step * batchSize;
    }

    /** Number of examples of step {@code step} of an epoch. */
    public int batchLength(int step) {
        return Math.min(batchSize, count - step * batchSize);
    }
}
