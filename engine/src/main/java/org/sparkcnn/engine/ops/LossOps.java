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
            if (t < 0 || t >= k) {
                throw new IllegalArgumentException("label " + t + " of example " + r + " is out of range [0, " + k + ")");
            }
            float max = logits[off];
            for (int j = 1; j < k; j++) {
                max = Math.max(max, logits[off + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += StrictMath.exp((double) logits[off + j] - max);
            }
            double logSum = StrictMath.log(sum);
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
