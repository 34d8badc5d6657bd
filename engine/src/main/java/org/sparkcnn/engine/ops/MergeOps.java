package org.sparkcnn.engine.ops;

/**
 * The graph's merge nodes over NCHW batches: {@code add} (elementwise sum of k inputs of one shape)
 * and {@code concat} (along channels: example b's output is input 0's example b, then input 1's, ...).
 */
public final class MergeOps {

    private MergeOps() {
    }

    /** {@code y = x0 + x1 + ... + x(k-1)}, summed in input order in float. */
    public static void addForward(float[] out, float[][] inps, int len) {
        addForward(out, false, inps, len);
    }

    /** As above; {@code relu}: {@code out} gets {@code max(y, 0)} instead (a ReLU after it; y is not kept). */
    public static void addForward(float[] out, boolean relu, float[][] inps, int len) {
        if (inps.length == 1) {
            System.arraycopy(inps[0], 0, out, 0, len);
        } else if (relu && inps.length == 2) {  // a residual add and its ReLU in one pass
            float[] x0 = inps[0], x1 = inps[1];
            for (int i = 0; i < len; i++) {
                out[i] = Math.max(x0[i] + x1[i], 0f);
            }
            return;
        } else {
            float[] x0 = inps[0], x1 = inps[1];
            for (int i = 0; i < len; i++) {  // the first two in one pass (a residual add has two)
                out[i] = x0[i] + x1[i];
            }
            for (int k = 2; k < inps.length; k++) {
                float[] x = inps[k];
                for (int i = 0; i < len; i++) {
                    out[i] += x[i];
                }
            }
        }
        if (relu) {
            ActivationOps.reluForward(out, out, len);
        }
    }

    /**
     * Each input's gradient is dy, the add's output gradient: {@code d0}, or {@code d0 + d1} (its two
     * consumers' gradients, summed here as {@link #addForward} would sum them first); with {@code y} (the
     * ReLU run inside the add), {@code [y > 0] dy} ({@link ActivationOps#reluBackward} on the ReLU's output).
     * Written once into the first input's array, copied to the others (null entries skipped; an array given
     * twice is written once).
     */
    public static void addBackward(float[][] dinps, float[] d0, float[] d1, float[] y, int len) {
        float[] first = null;
        for (int k = 0; k < dinps.length; k++) {
            float[] d = dinps[k];
            if (d == null || writtenBefore(dinps, k)) {
                continue;
            }
            if (first != null) {
                System.arraycopy(first, 0, d, 0, len);
                continue;
            }
            if (d1 == null && y == null) {
                System.arraycopy(d0, 0, d, 0, len);
            } else if (d1 == null) {
                ActivationOps.reluBackward(d, d0, y, len);
            } else if (y == null) {
                addForward(d, new float[][]{d0, d1}, len);
            } else {
                ActivationOps.reluBackwardOfSum(d, d0, d1, y, len);
            }
            first = d;
        }
    }

    private static boolean writtenBefore(float[][] dinps, int k) {
        for (int j = 0; j < k; j++) {
            if (dinps[j] == dinps[k]) {
                return true;
            }
        }
        return false;
    }

    /** Concatenation along channels; {@code sizes[k]} is input k's C*H*W per example, {@code total} their sum. */
    public static void concatForward(float[] out, float[][] inps, int[] sizes, int total, int n) {
        for (int b = 0; b < n; b++) {
            for (int k = 0, at = b * total; k < inps.length; at += sizes[k], k++) {
                System.arraycopy(inps[k], b * sizes[k], out, at, sizes[k]);
            }
        }
    }

    /** Splits dy back into each input's slice (overwritten; null entries skipped). */
    public static void concatBackward(float[][] dinps, float[] dout, int[] sizes, int total, int n) {
        for (int b = 0; b < n; b++) {
            for (int k = 0, at = b * total; k < dinps.length; at += sizes[k], k++) {
                if (dinps[k] != null) {
                    System.arraycopy(dout, at, dinps[k], b * sizes[k], sizes[k]);
                }
            }
        }
    }
}
