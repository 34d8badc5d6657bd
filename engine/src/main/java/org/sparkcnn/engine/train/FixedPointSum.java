package org.sparkcnn.engine.train;

import java.io.Serializable;
import org.sparkcnn.engine.ops.VectorSupport;

/**
 * An exact, order-independent sum of gradient vectors and losses. Each float32 addend is rounded
 * once to the nearest multiple of 2^-40 (ties to even; an absolute error of at most 2^-41) and added
 * as a 64-bit integer. Integer
 * addition is associative, so the total is bit-identical however the addends are grouped: over
 * chunks, threads, Spark partitions or executors, in any order.
 *
 * <p>An addend that is not finite or reaches 2^22 in magnitude makes the sum record the first such
 * parameter index ({@link #badIndex()}), which the caller reports as divergence; so does an integer
 * overflow of a sum (possible only after many addends near that bound). The sums are then
 * meaningless and must not be used.
 */
public final class FixedPointSum implements Serializable {

    private static final long serialVersionUID = 1L;
    public static final int FRACTION_BITS = 40;
    static final double SCALE = 0x1p40;
    static final double LIMIT = 0x1p22;

    private long[] sums;     // null while nothing was added: an empty partition ships nothing
    private boolean cleared; // sums' words are stale: the sum is zero, and the next add writes them unread
    private long loss;
    private long examples;
    private long correct;
    private int badIndex = -1;
    private double badValue;

    public FixedPointSum() {
    }

    /** Everything a sum holds, for a wire format: {@code sums} is null while nothing was added. */
    public record State(long[] sums, long loss, long examples, long correct, int badIndex, double badValue) {
    }

    /** This sum's state; the array is shared, not copied. */
    public State state() {
        return new State(cleared ? null : sums, loss, examples, correct, badIndex, badValue);
    }

    /** A sum with the given state; the array is taken, not copied. */
    public static FixedPointSum of(State state) {
        FixedPointSum s = new FixedPointSum();
        s.sums = state.sums();
        s.loss = state.loss();
        s.examples = state.examples();
        s.correct = state.correct();
        s.badIndex = state.badIndex();
        s.badValue = state.badValue();
        return s;
    }

    public boolean isEmpty() {
        return examples == 0 && badIndex < 0;
    }

    /** Adds one chunk's gradient (all of {@code grads}), its loss and its number of examples. */
    public void add(float[] grads, double chunkLoss, int chunkExamples) {
        add(grads, chunkLoss, chunkExamples, false);
    }

    /**
     * As {@link #add}, and leaves {@code grads} all zero, ready for the next chunk's {@code +=}: each
     * block is zeroed while it is still in cache, which saves a pass over memory.
     */
    public void addAndZero(float[] grads, double chunkLoss, int chunkExamples) {
        add(grads, chunkLoss, chunkExamples, true);
    }

    /** The vector kernel works on 256-bit vectors; narrower machines take the scalar one (same words). */
    private static final boolean VECTOR = VectorSupport.lanes() >= 8;

    /** Values per block: the out-of-range check runs before a block is zeroed (16 KiB of floats). */
    private static final int BLOCK = 4096;

    private void add(float[] grads, double chunkLoss, int chunkExamples, boolean zero) {
        if (sums != null && sums.length != grads.length) {
            throw new IllegalArgumentException("gradient of " + grads.length + " values added to a sum of " + sums.length);
        }
        boolean set = sums == null || cleared;  // every word is zero: written without being read
        if (sums == null) {
            sums = new long[grads.length];
        }
        cleared = false;
        // Fast pass without branches: round (half to even), add, and only note whether anything was
        // out of range or overflowed. Rare, and then a second pass finds the first such index.
        long[] s = sums;
        for (int from = 0; from < grads.length; from += BLOCK) {
            int to = Math.min(grads.length, from + BLOCK);
            // The vector kernel (FixedPointVector) gives the same words as the scalar one.
            long flags = VECTOR ? FixedPointVector.add(grads, s, from, to, set) : addScalar(grads, s, from, to, set);
            if (flags < 0) {
                firstBad(grads, from, to);
            }
            if (zero) {
                java.util.Arrays.fill(grads, from, to, 0f);
            }
        }
        if (!(Math.abs(chunkLoss) < LIMIT)) {
            if (badIndex < 0) {
                badIndex = grads.length;  // one past the last parameter: the loss itself
                badValue = chunkLoss;
            }
        } else {
            loss = addChecked(loss, (long) Math.rint(chunkLoss * SCALE), grads.length);
        }
        examples += chunkExamples;
    }

    /**
     * The scalar kernel: {@code sums[i] += round(grads[i] * 2^40)} (half to even) for i in [from, to), from 0
     * instead of {@code sums[i]} when {@code set}. Returns a negative value if an addend was out of range or
     * not finite, or an addition overflowed.
     */
    static long addScalar(float[] grads, long[] sums, int from, int to, boolean set) {
        long flags = 0;
        for (int i = from; i < to; i++) {
            double v = grads[i];
            flags |= Math.abs(v) < LIMIT ? 0 : Long.MIN_VALUE;
            long a = set ? 0 : sums[i], b = (long) Math.rint(v * SCALE), r = a + b;
            flags |= (a ^ r) & (b ^ r);
            sums[i] = r;
        }
        return flags;
    }

    /** After a fast pass over [from, to) that met a bad addend or an overflow: records the first index of either. */
    private void firstBad(float[] grads, int from, int to) {
        for (int i = from; i < to; i++) {
            double v = grads[i];
            long b = (long) Math.rint(v * SCALE), r = sums[i], a = r - b;  // wrapping: a is the sum before
            if (!(Math.abs(v) < LIMIT) || ((a ^ r) & (b ^ r)) < 0) {
                if (badIndex < 0 || i < badIndex) {
                    badIndex = i;
                    badValue = Math.abs(v) < LIMIT ? Double.POSITIVE_INFINITY : v;
                }
                return;
            }
        }
    }

    /** Counts {@code n} examples classified right (exact, like everything here). */
    public void addCorrect(long n) {
        correct += n;
    }

    public long correct() {
        return correct;
    }

    /** Back to empty, keeping the allocated array: not zeroed, since the next add writes every word without reading it. */
    public void clear() {
        cleared = sums != null;
        loss = 0;
        examples = 0;
        correct = 0;
        badIndex = -1;
        badValue = 0;
    }

    /** Adds {@code other} into this sum and returns this; exact. */
    public FixedPointSum merge(FixedPointSum other) {
        if (other.isEmpty()) {
            return this;
        }
        if (other.sums != null) {  // not cleared either: a cleared sum is empty, returned above
            if (sums == null || cleared) {
                if (sums != null && sums.length == other.sums.length) {
                    System.arraycopy(other.sums, 0, sums, 0, sums.length);
                } else {
                    sums = other.sums.clone();
                }
                cleared = false;
            } else {
                // Branch-free, as in add: only note an overflow, then find its first index.
                long[] s = sums, t = other.sums;
                long overflow = 0;
                for (int i = 0; i < s.length; i++) {
                    long a = s[i], b = t[i], r = a + b;
                    overflow |= (a ^ r) & (b ^ r);
                    s[i] = r;
                }
                for (int i = 0; overflow < 0 && i < s.length; i++) {
                    long b = t[i], r = s[i], a = r - b;  // wrapping: a is the sum before
                    if (((a ^ r) & (b ^ r)) < 0) {
                        addChecked(a, b, i);  // records i
                        break;
                    }
                }
            }
        }
        loss = addChecked(loss, other.loss, sums == null ? 0 : sums.length);
        examples += other.examples;
        correct += other.correct;
        if (other.badIndex >= 0 && (badIndex < 0 || other.badIndex < badIndex)) {
            badIndex = other.badIndex;
            badValue = other.badValue;
        }
        return this;
    }

    /** a + b; on overflow, flags {@code index} as diverged (the sum is then meaningless and not used). */
    private long addChecked(long a, long b, int index) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0 && (badIndex < 0 || index < badIndex)) {
            badIndex = index;
            badValue = Double.POSITIVE_INFINITY;
        }
        return r;
    }

    /** Writes the summed gradient as floats into {@code out}. */
    public float[] gradient(float[] out) {
        if (sums == null || cleared) {
            java.util.Arrays.fill(out, 0f);
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (sums[i] / SCALE);
        }
        return out;
    }

    public double loss() {
        return loss / SCALE;
    }

    public long examples() {
        return examples;
    }

    /** The first parameter index whose addend was not finite or too large, {@code paramCount} for the loss, or -1. */
    public int badIndex() {
        return badIndex;
    }

    public double badValue() {
        return badValue;
    }
}
