package org.sparkcnn.engine.train;

import java.util.SplittableRandom;

/**
 * Which examples form each step: epoch e visits the dataset in a permutation drawn from
 * {@code (seed, e)} alone (Fisher-Yates), cut into consecutive batches of {@code batchSize}; the last
 * batch of an epoch may be smaller. Nothing depends on how the data is partitioned.
 */
public final class BatchSampler {

    private final long seed;
    private final int count;
    private final int batchSize;

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
    }

    public int stepsPerEpoch() {
        return (count + batchSize - 1) / batchSize;
    }

    /** The permutation of epoch {@code epoch}: position -> dataset index. */
    public int[] permutation(int epoch) {
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

    /** First position (in the epoch's permutation) of step {@code step} of an epoch. */
    public int batchStart(int step) {
        return step * batchSize;
    }

    /** Number of examples of step {@code step} of an epoch. */
    public int batchLength(int step) {
        return Math.min(batchSize, count - step * batchSize);
    }
}
