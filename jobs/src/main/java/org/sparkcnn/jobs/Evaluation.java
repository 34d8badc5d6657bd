package org.sparkcnn.jobs;

import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.train.ExactSum;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * A distributed pass over a dataset: loss, accuracy, top-k accuracy, the confusion matrix and from
 * it per-class precision, recall and F1. Each partition counts; the driver adds the counts. Every
 * count is exact, the loss included ({@link ExactSum} of the per-example losses), so the result is
 * bit-identical for any partitioning and any order in which the partitions' counts arrive.
 */
public final class Evaluation {

    /** Top-k accuracy is counted for k = 1..MAX_K (or the class count, if smaller). */
    public static final int MAX_K = 5;

    /** Per-partition counts, summed on the driver. {@code confusion[truth][predicted]}. */
    public static final class Counts implements Serializable {
        private static final long serialVersionUID = 1L;
        long[][] confusion;
        /** {@code topHits[k - 1]}: examples whose true class is among the k highest scores. */
        long[] topHits;
        /** The exact sum of {@link Loss#exampleLoss}, over the examples. */
        ExactSum lossSum = new ExactSum();
        long examples;

        Counts() {
        }

        public Counts(int classes) {
            confusion = new long[classes][classes];
            topHits = new long[Math.min(MAX_K, classes)];
        }

        /**
         * Counts one example. Its rank is the number of classes scored above the true one (ties go
         * to the lower class index, as argmax does), so it is a top-k hit for every k > rank.
         */
        public void add(float[] scores, int offset, int classes, int truth) {
            int best = 0;
            int rank = 0;
            float t = scores[offset + truth];
            for (int k = 0; k < classes; k++) {
                float v = scores[offset + k];
                if (v > scores[offset + best]) {
                    best = k;
                }
                if (v > t || (v == t && k < truth)) {
                    rank++;
                }
            }
            confusion[truth][best]++;
            for (int k = rank; k < topHits.length; k++) {
                topHits[k]++;
            }
            examples++;
        }

        /** Adds one example's loss (exactly). */
        public void addLoss(double exampleLoss) {
            lossSum.add(exampleLoss);
        }

        Counts merge(Counts o) {
            if (o.confusion == null) {
                return this;
            }
            if (confusion == null) {
                return o;
            }
            for (int i = 0; i < confusion.length; i++) {
                for (int j = 0; j < confusion.length; j++) {
                    confusion[i][j] += o.confusion[i][j];
                }
            }
            for (int k = 0; k < topHits.length; k++) {
                topHits[k] += o.topHits[k];
            }
            lossSum.merge(o.lossSum);
            examples += o.examples;
            return this;
        }

        public long[][] confusion() {
            return confusion;
        }

        public long examples() {
            return examples;
        }

        /** The model's loss over the examples: the exact sum of their losses, rounded once, over their count. */
        public double loss() {
            return lossSum.value() / examples;
        }

        public double accuracy() {
            long right = 0;
            for (int i = 0; i < confusion.length; i++) {
                right += confusion[i][i];
            }
            return right / (double) examples;
        }

        /** The share of examples whose true class is among the {@code k} highest scores; k <= {@link #maxK()}. */
        public double topKAccuracy(int k) {
            if (k < 1 || k > topHits.length) {
                throw new IllegalArgumentException("top-k accuracy is counted for k in [1, " + topHits.length + "], got " + k);
            }
            return topHits[k - 1] / (double) examples;
        }

        public int maxK() {
            return topHits.length;
        }

        /** TP / (TP + FP): of the examples predicted as {@code c}, the share that are {@code c}; NaN if none. */
        public double precision(int c) {
            long predicted = 0;
            for (long[] row : confusion) {
                predicted += row[c];
            }
            return confusion[c][c] / (double) predicted;
        }

        /** TP / (TP + FN): of the examples of class {@code c}, the share predicted as {@code c}; NaN if none. */
        public double recall(int c) {
            long actual = 0;
            for (long v : confusion[c]) {
                actual += v;
            }
            return confusion[c][c] / (double) actual;
        }

        /**
         * 2TP / (2TP + FP + FN), the harmonic mean of precision and recall written so that a class
         * never predicted scores 0 rather than NaN; NaN only for a class neither present nor predicted.
         */
        public double f1(int c) {
            long tp = confusion[c][c], fp = -tp, fn = -tp;
            for (int i = 0; i < confusion.length; i++) {
                fp += confusion[i][c];
                fn += confusion[c][i];
            }
            return 2.0 * tp / (2 * tp + fp + fn);
        }

        /** The unweighted mean of the per-class F1 over the classes present or predicted. */
        public double macroF1() {
            double sum = 0;
            int n = 0;
            for (int c = 0; c < confusion.length; c++) {
                double f = f1(c);
                if (!Double.isNaN(f)) {
                    sum += f;
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    private Evaluation() {
    }

    public static Counts evaluate(JavaSparkContext sc, ModelDefinition def, Normalization norm, float[] params, JavaRDD<ExampleBlock> data) {
        return evaluate(sc, def, norm, params, null, data);
    }

    /**
     * As above for a model with state: {@code buffers} are its running statistics (batch norm in
     * inference mode); null for a model without state.
     */
    public static Counts evaluate(JavaSparkContext sc, ModelDefinition def, Normalization norm, float[] params, float[] buffers,
                                  JavaRDD<ExampleBlock> data) {
        float[] state = buffers == null || buffers.length == 0 ? null : buffers.clone();
        String json = def.toJsonString();
        Loss loss = def.loss();
        int classes = def.outputSize();
        Broadcast<float[]> weights = sc.broadcast(params);
        try {
            return data.mapPartitions((Iterator<ExampleBlock> it) -> {
                Counts counts = new Counts(classes);
                InferenceBatches.run(json, norm, weights.value(), state, it, (logits, n, b, start) -> {
                    for (int r = 0; r < n; r++) {
                        int label = b.labels()[start + r];
                        counts.addLoss(loss.exampleLoss(logits, r * classes, classes, label));
                        counts.add(logits, r * classes, classes, label);
                    }
                });
                return Collections.singletonList(counts).iterator();
            }).reduce(Counts::merge);
        } finally {
            weights.destroy();
        }
    }
}
