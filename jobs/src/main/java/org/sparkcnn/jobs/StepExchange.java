package org.sparkcnn.jobs;

/**
 * How a step's partition sums reach the driver: one Spark job per step ({@link StepJobs}, the default)
 * or the opt-in step loop ({@link StepLoop}). Either way every partition holding some of the step's
 * examples computes its {@link PartitionShare} with the step's weights, and the driver gets the merged
 * exact sum: the same bits.
 */
interface StepExchange extends AutoCloseable {

    /** The merged sum, and the milliseconds spent shipping the weights (the broadcast). */
    record Sums(StepSum sum, double shipMs) {
    }

    /** A new epoch, with its permutation of the example indices. */
    void startEpoch(int epoch, int[] perm);

    /**
     * The sum over the step's examples (positions {@code [start, start + length)} of the epoch's
     * permutation) held by the partitions {@code holding}, computed with {@code params}.
     */
    Sums sum(float[] params, int start, int length, long step, int epoch, int[] holding);

    @Override
    void close();
}
