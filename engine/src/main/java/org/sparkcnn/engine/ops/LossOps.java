package org.sparkcnn.engine.ops;

/** Loss functions: the loss value and dL/d(prediction), in one pass. */
public final class LossOps {

    private LossOps() {
    }

    /** The class a row of logits {@code z[off .. off+k)} predicts: the first maximum. */
    public static int argmax(float[] z, int off, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (z[off + c] > z[off + best]) {
                best = c;
            }
        }
        return best;
    }

    /**
     * Softmax cross-entropy, mean over the batch:
     * {@code L = (1/N) sum_n (logsumexp(z_n) - z_n[t_n])} and {@code dL/dz = (softmax(z) - onehot(t)) / N}.
     * Log-sum-exp subtracts the row maximum first, so logits of magnitude 1000 stay finite and exact.
     *
     * @param dlogits receives dL/dz (may be null); {@code probs}, if not null, receives softmax(z)
     * @param lossScale divisor of the mean: N for a whole batch, or the global batch size when this is
     *                  one shard of a larger batch (so shard gradients add up to the batch gradient)
     * @return the loss summed over the rows divided by {@code lossScale}, in double precision
     */
    public static double softmaxCrossEntropy(float[] logits, int[] labels, int n, int k, double lossScale,
                                             float[] dlogits, float[] probs) {
        double total = 0;
        for (int r = 0; r < n; r++) {
            int off = r * k;
            int t = labels[r];
            checkLabel(t, k, r);
            float max = rowMax(logits, off, k);
            double logSum = logSumExp(logits, off, k, max);
            total += logSum - ((double) logits[off + t] - max);
            for (int j = 0; j < k; j++) {
                double p = StrictMath.exp((double) logits[off + j] - max - logSum);
                if (probs != null) {
                    probs[off + j] = (float) p;
                }
                if (dlogits != null) {
                    dlogits[off + j] = (float) ((p - (j == t ? 1.0 : 0.0)) / lossScale);
                }
            }
        }
        return total / lossScale;
    }

    /**
     * The class probabilities of one row, {@code p_j = exp(z_j - max z - logsumexp(z - max z))}, exactly
     * as {@link #softmaxCrossEntropy} computes them (the same bits): for predictions.
     */
    public static void softmax(float[] z, int off, int k, float[] out, int outOff) {
        float max = rowMax(z, off, k);
        double logSum = logSumExp(z, off, k, max);
        for (int j = 0; j < k; j++) {
            out[outOff + j] = (float) StrictMath.exp((double) z[off + j] - max - logSum);
        }
    }

    /**
     * One example's cross-entropy, {@code logsumexp(z) - z[t]}, computed as each row of
     * {@link #softmaxCrossEntropy} is (the same bits as that row's term).
     */
    public static double crossEntropy(float[] z, int off, int k, int t) {
        checkLabel(t, k, -1);
        float max = rowMax(z, off, k);
        return logSumExp(z, off, k, max) - ((double) z[off + t] - max);
    }

    private static float rowMax(float[] z, int off, int k) {
        float max = z[off];
        for (int j = 1; j < k; j++) {
            max = Math.max(max, z[off + j]);
        }
        return max;
    }

    /** {@code log(sum_j exp(z_j - max))}, j in order, in double. */
    private static double logSumExp(float[] z, int off, int k, float max) {
        double sum = 0;
        for (int j = 0; j < k; j++) {
            sum += StrictMath.exp((double) z[off + j] - max);
        }
        return StrictMath.log(sum);
    }

    /** {@code out[r*k + j] = (j == labels[r]) ? 1 : 0} for r < n: MSE targets from class labels. */
    public static void oneHot(int[] labels, int n, int k, float[] out) {
        java.util.Arrays.fill(out, 0, n * k, 0f);
        for (int r = 0; r < n; r++) {
            checkLabel(labels[r], k, r);
            out[r * k + labels[r]] = 1f;
        }
    }

    /** One example's squared error against the one-hot target of {@code t}: {@code sum_j (z_j - [j = t])^2}, j in order, in double. */
    public static double squaredErrorToOneHot(float[] z, int off, int k, int t) {
        checkLabel(t, k, -1);
        double total = 0;
        for (int j = 0; j < k; j++) {
            double d = (double) z[off + j] - (j == t ? 1f : 0f);
            total += d * d;
        }
        return total;
    }

    private static void checkLabel(int t, int k, int example) {
        if (t < 0 || t >= k) {
            throw new IllegalArgumentException("label " + t + (example >= 0 ? " of example " + example : "")
                    + " is out of range [0, " + k + ")");
        }
    }

    /**
     * Squared error over {@code len} elements. {@code mean}: {@code L = sum (a-y)^2 / M} with
     * {@code dL/da = 2 (a-y) / M}, where M is {@code elementScale}; {@code half_sum}
     * ({@code mean == false}): {@code J = 1/2 sum (a-y)^2} with {@code dJ/da = a - y}.
     */
    public static double mse(float[] pred, float[] target, int len, boolean mean, double elementScale, float[] dpred) {
        double total = 0;
        for (int i = 0; i < len; i++) {
            double d = (double) pred[i] - target[i];
            total += d * d;
            if (dpred != null) {
                dpred[i] = (float) (mean ? 2 * d / elementScale : d);
            }
        }
        return mean ? total / elementScale : 0.5 * total;
    }
}
