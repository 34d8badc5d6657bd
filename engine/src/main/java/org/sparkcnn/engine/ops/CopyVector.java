package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Short rows copied by whole vectors: a convolution's input rows into its frame, and output rows out of
 * the frame's positions ({@link ConvFrame}). Rows of 7 to 32 floats cost {@code System.arraycopy} a call
 * each; here a row's last vector may also write past the row (up to L-1 floats, 2L-1 when two phases
 * merge), which the caller writes again afterwards (rows go in increasing address order), never at or
 * past the limit it gives. Only moves data.
 */
final class CopyVector {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int L = Lanes.L;
    /** Of two vectors side by side, lanes 0, 2, 4, ... (indexes from L on select the second: partly wrapped). */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(F, i -> 2 * i);
    /** a0 b0 a1 b1 ...: the first and second halves of two vectors a, b interleaved. */
    private static final VectorShuffle<Float> LOW = VectorShuffle.fromOp(F, i -> i % 2 == 0 ? i / 2 : L + i / 2);
    private static final VectorShuffle<Float> HIGH = VectorShuffle.fromOp(F, i -> i % 2 == 0 ? L / 2 + i / 2 : L + L / 2 + i / 2);

    private CopyVector() {
    }

    /** Compiles the kernel before its first real call: uncompiled, its vectors are objects, 100 times slower. */
    private static final class Warm {
        static {
            float[] src = new float[64], dst = new float[64];
            JitWarmUp.untilCompiled(java.util.List.of(
                    () -> copy(src, 0, 9, dst, 0, 7, 7, 4, 64),
                    () -> half(src, 1, 9, dst, 0, 7, 3, 4, 64),
                    () -> add(src, 0, 9, dst, 0, 7, 7, 4),
                    () -> interleave(src, 0, src, 9, dst, 0, 9, 64)), 1_000_000_000L);
        }

        static void ensure() {
        }
    }

    /**
     * {@code dst[dOff + i*dStride + j] = src[sOff + i*sStride + j]} for {@code i < count, j < len}, rows in
     * increasing i; floats of dst past a row, below {@code dLimit}, may be overwritten.
     */
    static void rows(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride, int len, int count, int dLimit) {
        Warm.ensure();
        copy(src, sOff, sStride, dst, dOff, dStride, len, count, dLimit);
    }

    /** {@link #rows} from every other float of src: {@code dst[dOff + i*dStride + j] = src[sOff + i*sStride + 2*j]} (a stride-2 phase). */
    static void everyOther(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride, int len, int count, int dLimit) {
        Warm.ensure();
        half(src, sOff, sStride, dst, dOff, dStride, len, count, dLimit);
    }

    /**
     * {@code dst[dOff + i*dStride + j] += src[sOff + i*sStride + j]} for {@code i < count, j < len}, and no
     * other float of dst changes (a row's last vector adds under a mask, its other lanes written back as read).
     */
    static void addRows(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride, int len, int count) {
        Warm.ensure();
        add(src, sOff, sStride, dst, dOff, dStride, len, count);
    }

    /**
     * A row of two stride-2 phases merged: {@code dst[dOff + 2*j + p] = (p == 0 ? a[aOff + j] : b[bOff + j])}
     * for {@code 2*j + p < len}; floats of dst past the row, below {@code dLimit}, may be overwritten.
     */
    static void interleaveRow(float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int len, int dLimit) {
        Warm.ensure();
        interleave(a, aOff, b, bOff, dst, dOff, len, dLimit);
    }

    private static void half(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride, int len, int count, int dLimit) {
        int whole = (len + L - 1) / L * L;
        int sEnd = src.length, dEnd = Math.min(dLimit, dst.length);
        for (int i = 0, s = sOff, d = dOff; i < count; i++, s += sStride, d += dStride) {
            if (s + 2 * whole <= sEnd && d + whole <= dEnd) {
                for (int j = 0; j < whole; j += L) {
                    FloatVector v0 = FloatVector.fromArray(F, src, s + 2 * j), v1 = FloatVector.fromArray(F, src, s + 2 * j + L);
                    v0.rearrange(EVEN, v1).intoArray(dst, d + j);
                }
            } else {
                for (int j = 0; j < len; j++) {
                    dst[d + j] = src[s + 2 * j];
                }
            }
        }
    }

    private static void add(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride, int len, int count) {
        int whole = (len + L - 1) / L * L, full = len - len % L;
        VectorMask<Float> tail = VectorMask.fromLong(F, (1L << (len % L)) - 1);
        for (int i = 0, s = sOff, d = dOff; i < count; i++, s += sStride, d += dStride) {
            if (s + whole <= src.length && d + whole <= dst.length) {
                for (int j = 0; j < full; j += L) {
                    FloatVector.fromArray(F, dst, d + j).add(FloatVector.fromArray(F, src, s + j)).intoArray(dst, d + j);
                }
                if (full < len) {
                    FloatVector acc = FloatVector.fromArray(F, dst, d + full);
                    acc.blend(acc.add(FloatVector.fromArray(F, src, s + full)), tail).intoArray(dst, d + full);
                }
            } else {
                for (int j = 0; j < len; j++) {
                    dst[d + j] += src[s + j];
                }
            }
        }
    }

    private static void interleave(float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int len, int dLimit) {
        int whole = ((len + 1) / 2 + L - 1) / L * L;
        if (aOff + whole <= a.length && bOff + whole <= b.length && dOff + 2 * whole <= Math.min(dLimit, dst.length)) {
            for (int j = 0; j < whole; j += L) {
                FloatVector va = FloatVector.fromArray(F, a, aOff + j), vb = FloatVector.fromArray(F, b, bOff + j);
                va.rearrange(LOW, vb).intoArray(dst, dOff + 2 * j);
                va.rearrange(HIGH, vb).intoArray(dst, dOff + 2 * j + L);
            }
        } else {
            for (int j = 0; j < len; j++) {
                dst[dOff + j] = j % 2 == 0 ? a[aOff + j / 2] : b[bOff + j / 2];
            }
        }
    }

    private static void copy(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride, int len, int count, int dLimit) {
        int whole = (len + L - 1) / L * L;
        int sEnd = src.length, dEnd = Math.min(dLimit, dst.length);
        for (int i = 0, s = sOff, d = dOff; i < count; i++, s += sStride, d += dStride) {
            if (s + whole <= sEnd && d + whole <= dEnd) {
                for (int j = 0; j < whole; j += L) {
                    FloatVector.fromArray(F, src, s + j).intoArray(dst, d + j);
                }
            } else {
                System.arraycopy(src, s, dst, d, len);
            }
        }
    }
}
