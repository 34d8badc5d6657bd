package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.LossOps;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * The evaluation loss is the model's own loss (cross-entropy, or MSE against the one-hot labels), and
 * bit-identical for any partitioning; an MSE model trains through TrainingJob with either reduction.
 */
class EvaluationLossTest {

    private static final int COUNT = 300;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = LocalSpark.start("local[2]");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    static ModelDefinition withLoss(Loss loss) {
        List<Layer> layers = TrainingJobTest.MODEL.layers();
        return new ModelDefinition("tiny-" + loss.type(), TrainingJobTest.MODEL.inputShape(), layers, loss);
    }

    /** The evaluation of {@code def} at {@code params} over the test data cut into {@code partitions}. */
    private static Evaluation.Counts evaluate(ModelDefinition def, float[] params, int partitions) {
        JavaRDD<ExampleBlock> data = sc.parallelize(TrainingJobTest.blocks(), partitions);
        return Evaluation.evaluate(sc, def, TrainingJobTest.NORM, params, data);
    }

    /** Every example's outputs, computed on the driver in one batch; {@code labels} receives the labels. */
    private static float[] outputs(ModelDefinition def, float[] params, int[] labels) {
        int size = def.inputShape().size();
        float[] x = new float[COUNT * size];
        for (ExampleBlock b : TrainingJobTest.blocks()) {
            System.arraycopy(b.features(), 0, x, (int) b.firstIndex() * size, b.size() * size);
            System.arraycopy(b.labels(), 0, labels, (int) b.firstIndex(), b.size());
        }
        TrainingJobTest.NORM.apply(x, 0, COUNT, def.inputShape());
        Network net = def.newNetwork(COUNT);
        return net.forward(params, x, COUNT, Pass.INFERENCE).clone();
    }

    @Test
    void theLossIsBitIdenticalForAnyPartitioning() {
        for (Loss loss : List.of(Loss.SOFTMAX_CROSS_ENTROPY, Loss.mse(true))) {
            ModelDefinition def = withLoss(loss);
            for (long seed = 1; seed <= 4; seed++) {
                float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, seed);
                Map<Integer, Double> byPartitions = new LinkedHashMap<>();
                for (int partitions : new int[]{1, 3, 8}) {
                    byPartitions.put(partitions, evaluate(def, params, partitions).loss());
                }
                for (double v : byPartitions.values()) {
                    assertEquals(Double.doubleToLongBits(byPartitions.get(1)), Double.doubleToLongBits(v),
                            loss.type() + ", seed " + seed + ": loss by partition count " + byPartitions);
                }
            }
        }
    }

    @Test
    void theLossIsTheModelsOwn() {
        int k = 10;
        for (Loss loss : List.of(Loss.SOFTMAX_CROSS_ENTROPY, Loss.mse(true), Loss.mse(false))) {
            ModelDefinition def = withLoss(loss);
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 7);
            int[] labels = new int[COUNT];
            float[] z = outputs(def, params, labels);
            double expected;  // straight from the definitions, over the whole set
            if (loss.usesLabels()) {
                expected = LossOps.softmaxCrossEntropy(z, labels, COUNT, k, COUNT, null, null);
            } else {
                double squares = 0;
                for (int i = 0; i < COUNT * k; i++) {
                    double d = z[i] - (labels[i / k] == i % k ? 1.0 : 0.0);
                    squares += d * d;
                }
                expected = loss.mean() ? squares / (COUNT * k) : 0.5 * squares / COUNT;  // half_sum: per example
            }
            Evaluation.Counts c = evaluate(def, params, 3);
            assertEquals(expected, c.loss(), 1e-12 * expected, loss.toString());
            long right = 0;
            for (int i = 0; i < COUNT; i++) {
                right += LossOps.argmax(z, i * k, k) == labels[i] ? 1 : 0;
            }
            assertEquals(right / (double) COUNT, c.accuracy(), 0.0, "accuracy is argmax's, whatever the loss");
        }
    }

    @Test
    void anMseModelTrainsFromItsLabelsWithEitherReduction() {
        // mean: dL/da = 2(a - y)/(B K), small, so a larger rate; half_sum: the sum over the batch, so a smaller one
        for (Object[] c : new Object[][]{{Loss.mse(true), 1.0}, {Loss.mse(false), 0.002}}) {
            ModelDefinition def = withLoss((Loss) c[0]);
            float[] initial = Initializer.PYTORCH_DEFAULT.initialize(def, 5);
            Evaluation.Counts before = evaluate(def, initial, 3);
            List<String> hashes = new ArrayList<>();
            List<TrainingJob.StepMetrics> steps = new ArrayList<>();
            float[] params = null;
            for (int partitions : new int[]{1, 3}) {
                JavaRDD<ExampleBlock> data = sc.parallelize(TrainingJobTest.blocks(), partitions).persist(StorageLevel.MEMORY_ONLY());
                params = initial.clone();
                steps.clear();
                TrainingJob.Result r = TrainingJob.train(sc, def, TrainingJobTest.NORM, data, COUNT, params,
                        new Sgd(params.length, 0.9, 0, false, 0), new LrSchedule.Constant((Double) c[1]),
                        new TrainingJob.Config(5, 6, 0, 48, 8, 0, 0), (m, p) -> steps.add(m));
                data.unpersist(true);
                hashes.add(r.weightsSha256());
            }
            assertEquals(hashes.get(0), hashes.get(1), c[0] + ": bit-identical for 1 and 3 partitions");
            assertEquals(42, steps.size(), "6 epochs of 7 steps");
            double first = (steps.get(0).loss() + steps.get(1).loss() + steps.get(2).loss()) / 3;
            double last = (steps.get(39).loss() + steps.get(40).loss() + steps.get(41).loss()) / 3;
            assertTrue(last < 0.8 * first, c[0] + ": the training loss falls: " + first + " -> " + last);
            Evaluation.Counts after = evaluate(def, params, 3);
            assertTrue(after.loss() < 0.8 * before.loss(), c[0] + ": loss " + before.loss() + " -> " + after.loss());
            assertTrue(after.accuracy() > 0.5, c[0] + ": accuracy " + after.accuracy());
        }
    }
}
