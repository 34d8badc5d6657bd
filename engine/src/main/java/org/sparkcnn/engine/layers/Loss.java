package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;
import org.sparkcnn.engine.ops.LossOps;

/**
 * The training loss: {@code softmax_cross_entropy} (integer labels, mean over the batch) or {@code mse}
 * (float targets, reduction {@code mean} over all elements or {@code half_sum}). A classifier trained
 * with {@code mse} has the one-hot vectors of its labels as targets.
 */
public record Loss(Kind kind, boolean mean) implements java.io.Serializable {

    public enum Kind { SOFTMAX_CROSS_ENTROPY, MSE }

    public static final Loss SOFTMAX_CROSS_ENTROPY = new Loss(Kind.SOFTMAX_CROSS_ENTROPY, true);

    public static Loss mse(boolean mean) {
        return new Loss(Kind.MSE, mean);
    }

    public String type() {
        return kind == Kind.SOFTMAX_CROSS_ENTROPY ? "softmax_cross_entropy" : "mse";
    }

    public boolean usesLabels() {
        return kind == Kind.SOFTMAX_CROSS_ENTROPY;
    }

    /**
     * The loss of {@code n} rows of {@code k} predictions, and dL/d(prediction) into {@code dpred}.
     * {@code batchTotal} is the size of the whole mini-batch these rows belong to (n for a whole batch):
     * the mean divides by it, so the gradients of the shards of a batch add up to the batch's gradient.
     */
    public double lossAndGradient(float[] pred, int n, int k, int[] labels, float[] targets, int batchTotal, float[] dpred) {
        if (kind == Kind.SOFTMAX_CROSS_ENTROPY) {
            if (labels == null) {
                throw new IllegalArgumentException("softmax_cross_entropy needs integer labels");
            }
            return LossOps.softmaxCrossEntropy(pred, labels, n, k, batchTotal, dpred, null);
        }
        if (targets == null) {
            throw new IllegalArgumentException("mse needs float targets");
        }
        return LossOps.mse(pred, targets, n * k, mean, (double) batchTotal * k, dpred);
    }

    /**
     * One example's loss against its label (MSE: against the label's one-hot vector), in double. Summed
     * over N examples and divided by N, it is the loss of the N as one batch; for {@code half_sum},
     * J / N, the half sum per example (see {@link #perExample}).
     * <ul>
     * <li>softmax_cross_entropy: {@code logsumexp(z) - z[t]}</li>
     * <li>mse mean: {@code sum_j (z_j - [j = t])^2 / k}</li>
     * <li>mse half_sum: {@code 1/2 sum_j (z_j - [j = t])^2}</li>
     * </ul>
     */
    public double exampleLoss(float[] pred, int off, int k, int label) {
        if (kind == Kind.SOFTMAX_CROSS_ENTROPY) {
            return LossOps.crossEntropy(pred, off, k, label);
        }
        double squares = LossOps.squaredErrorToOneHot(pred, off, k, label);
        return mean ? squares / k : 0.5 * squares;
    }

    /**
     * A batch's loss as reported (metrics, curves): per example, so that batches, validation and test
     * compare. The mean reductions already are; {@code half_sum}'s J over n examples becomes J / n.
     */
    public double perExample(double batchLoss, int n) {
        return kind == Kind.MSE && !mean ? batchLoss / n : batchLoss;
    }

    public void toJson(ObjectNode node) {
        node.put("type", type());
        node.put("reduction", kind == Kind.MSE && !mean ? "half_sum" : "mean");
    }

    public static Loss fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("loss: must be an object such as {\"type\": \"softmax_cross_entropy\"}");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!Set.of("type", "reduction", "formula", "description").contains(key)) {
                throw new IllegalArgumentException("loss: unknown key '" + key + "'; valid keys: [reduction, type]");
            }
        }
        String type = node.path("type").asText("");
        String reduction = node.path("reduction").asText("mean");
        switch (type) {
            case "softmax_cross_entropy":
                if (!reduction.equals("mean")) {
                    throw new IllegalArgumentException("loss: softmax_cross_entropy supports reduction 'mean' only, got '" + reduction + "'");
                }
                return SOFTMAX_CROSS_ENTROPY;
            case "mse":
                if (!reduction.equals("mean") && !reduction.equals("half_sum")) {
                    throw new IllegalArgumentException("loss: mse reduction must be 'mean' or 'half_sum', got '" + reduction + "'");
                }
                return mse(reduction.equals("mean"));
            default:
                throw new IllegalArgumentException("loss: unknown type '" + type + "'; known types: [mse, softmax_cross_entropy]");
        }
    }
}
