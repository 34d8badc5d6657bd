package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Short rows copied by whole vectors: a convolution's input rows into its frame, and output rows out of
 * the frame's positions ({@link ConvFrame}). Rows of 7 to 32 floats cost {@code System.arraycopy} a call
 * each; here a row's last vector may also write up to L-1 floats past the row, which the caller writes
 * again afterwards (rows go in increasing address order). Only moves data.
 */
final class CopyVector {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int L = Lanes.L;

    private CopyVector() {
    }

    /** Compiles the kernel before its first real call: uncompiled, its vectors are objects, 100 times slower. */
    private static final class Warm {
        static {
            float[] src = new float[64], dst = new float[64];
            GemmVector.untilCompiled(() -> copy(src, 0, 9, dst, 0, 7, 7, 4, 64), System.nanoTime() + 1_000_000_000L);
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
