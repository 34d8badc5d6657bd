package org.sparkcnn.engine;

import java.util.Arrays;

/**
 * The input transform {@code x' = (x - mean[c]) / std[c]}, global (one value) or per channel. It is
 * stored with the model so evaluation and prediction apply exactly what training applied.
 */
public record Normalization(float[] mean, float[] std) implements java.io.Serializable {

    public static final Normalization IDENTITY = new Normalization(new float[]{0f}, new float[]{1f});

    public Normalization {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalization needs as many means as stds (1 or one per channel), got "
                    + mean.length + " and " + std.length);
        }
        for (int c = 0; c < std.length; c++) {
            if (!(std[c] > 0f) || !Float.isFinite(std[c]) || !Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("normalization channel " + c + ": mean must be finite and std positive, got mean "
                        + mean[c] + " std " + std[c]);
            }
        }
    }

    /** Applies the transform in place to {@code n} examples of {@code shape} starting at {@code off}. */
    public void apply(float[] x, int off, int n, Shape shape) {
        int plane = shape.height() * shape.width();
        if (mean.length != 1 && mean.length != shape.channels()) {
            throw new IllegalArgumentException("normalization has " + mean.length + " channels but the input is " + shape);
        }
        for (int e = 0; e < n; e++) {
            for (int c = 0; c < shape.channels(); c++) {
                int k = mean.length == 1 ? 0 : c;
                float m = mean[k], s = std[k];
                for (int i = off + (e * shape.channels() + c) * plane, end = i + plane; i < end; i++) {
                    x[i] = (x[i] - m) / s;
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
    }
}
