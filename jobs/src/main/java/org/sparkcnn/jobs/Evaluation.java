package org.sparkcnn.jobs;

import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.LossOps;
import org.sparkcnn.jobs.data.ExampleBlock;

/** A distributed pass over a dataset: loss, accuracy and the confusion matrix. */
public final class Evaluation {

    private static final int BATCH = 256;

    /** Per-partition counts, summed on the driver. {@code confusion[truth][predicted]}. */
    public static final class Counts implements Serializable {
        private static final long serialVersionUID = 1L;
        long[][] confusion;
        double lossSum;
        long examples;

        Counts() {
        }

        Counts(int classes) {
            confusion = new long[classes][classes];
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
            lossSum += o.lossSum;
            examples += o.examples;
            return this;
        }

        public long[][] confusion() {
            return confusion;
        }

        public long examples() {
            return examples;
        }

        public double loss() {
            return lossSum / examples;
        }

        public double accuracy() {
            long right = 0;
            for (int i = 0; i < confusion.length; i++) {
                right += confusion[i][i];
            }
            return right / (double) examples;
        }
    }

    private Evaluation() {
    }

    public static Counts evaluate(JavaSparkContext sc, ModelDefinition def, Normalization norm, float[] params, JavaRDD<ExampleBlock> data) {
        String json = def.toJsonString();
        int classes = def.outputSize();
        Broadcast<float[]> weights = sc.broadcast(params);
        try {
            return data.mapPartitions((Iterator<ExampleBlock> it) -> {
                ModelDefinition model = ModelDefinition.fromJson(json);
                Network net = model.newNetwork(BATCH);
                Counts counts = new Counts(classes);
                int size = model.inputShape().size();
                float[] x = new float[BATCH * size];
                while (it.hasNext()) {
                    ExampleBlock b = it.next();
                    for (int start = 0; start < b.size(); start += BATCH) {
                        int n = Math.min(BATCH, b.size() - start);
                        System.arraycopy(b.features(), start * size, x, 0, n * size);
                        norm.apply(x, 0, n, model.inputShape());
                        float[] logits = net.forward(weights.value(), x, n, Pass.INFERENCE);
                        int[] labels = java.util.Arrays.copyOfRange(b.labels(), start, start + n);
                        counts.lossSum += n * LossOps.softmaxCrossEntropy(logits, labels, n, classes, n, null, null);
                        for (int r = 0; r < n; r++) {
                            int best = 0;
                            for (int k = 1; k < classes; k++) {
                                if (logits[r * classes + k] > logits[r * classes + best]) {
                                    best = k;
                                }
                            }
                            counts.confusion[labels[r]][best]++;
                        }
                        counts.examples += n;
                    }
                }
                return Collections.singletonList(counts).iterator();
            }).reduce(Counts::merge);
        } finally {
            weights.destroy();
        }
    }
}
