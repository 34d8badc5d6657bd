package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Optimizer;
import org.sparkcnn.engine.optim.Optimizers;
import org.sparkcnn.engine.train.Augmentation;
import org.sparkcnn.jobs.checkpoint.Checkpoint;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * Training with augmentation: bit-identical for any partitioning and across a resume, and different
 * from training without it; without it, the weights are those of the code before augmentation existed.
 */
class AugmentedTrainingTest {

    private static final Augmentation AUG = new Augmentation(2, true, 0.5);
    private static final Map<String, Object> SGD = Map.of("momentum", 0.9, "weight_decay", 0.01);
    /** TrainingJobTest's data and model, 2 epochs on 3 partitions, SGD(momentum 0.9, weight_decay 0.01), before augmentation. */
    private static final String UNAUGMENTED_SHA256 = "9801134583d11abcabb867b9c6b208420cce242453983a30bec1f8fdd9364781";

    private static TrainingJob.Config config(long startStep, long maxSteps, Augmentation aug) {
        return new TrainingJob.Config(5, 2, maxSteps, 48, 8, 0, 0, startStep, false, 0, aug);
    }

    private static TrainingJob.Result train(JavaSparkContext sc, int partitions, float[] params, Optimizer opt,
                                            TrainingJob.Config cfg) {
        JavaRDD<ExampleBlock> data = sc.parallelize(TrainingJobTest.blocks(), partitions).persist(StorageLevel.MEMORY_ONLY());
        try {
            return TrainingJob.train(sc, TrainingJobTest.MODEL, TrainingJobTest.NORM, data, 300, params, opt,
                    new LrSchedule.Constant(0.05), cfg, (m, p) -> true);
        } finally {
            data.unpersist(true);
        }
    }

    private static TrainingJob.Result fresh(JavaSparkContext sc, int partitions, TrainingJob.Config cfg) {
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(TrainingJobTest.MODEL, 5);
        return train(sc, partitions, params, Optimizers.create("sgd", SGD, params.length), cfg);
    }

    @Test
    void augmentedWeightsAreBitIdenticalForAnyPartitioningAndDifferFromUnaugmented() {
        Map<Integer, String> hashes = new LinkedHashMap<>();
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            for (int partitions : new int[]{1, 3, 8}) {
                hashes.put(partitions, fresh(sc, partitions, config(0, 0, AUG)).weightsSha256());
            }
            String plain = fresh(sc, 3, config(0, 0, Augmentation.NONE)).weightsSha256();
            assertEquals(UNAUGMENTED_SHA256, plain, "augmentation off changes no bits");
            assertEquals(1, hashes.values().stream().distinct().count(), "weights differ: " + hashes);
            assertNotEquals(plain, hashes.get(1));
            assertNotEquals(hashes.get(1), fresh(sc, 3, config(0, 0, new Augmentation(2, true, 0))).weightsSha256(),
                    "erasing changes the weights");
        }
    }

    @Test
    void anAugmentedRunResumedFromACheckpointEndsBitIdenticalToAnUninterruptedOne() throws java.io.IOException {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            String uninterrupted = fresh(sc, 3, config(0, 0, AUG)).weightsSha256();
            // 10 steps: into epoch 2 (7 steps an epoch), whose draws differ from epoch 1's
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(TrainingJobTest.MODEL, 5);
            Optimizer sgd = Optimizers.create("sgd", SGD, params.length);
            assertEquals(10, train(sc, 3, params, sgd, config(0, 10, AUG)).steps());
            Checkpoint saved = Checkpoint.fromBytes(new Checkpoint(10, 1, 3, 5, TrainingJobTest.MODEL.toJsonString(), "",
                    Map.of(), params.clone(), sgd.state(), new LrSchedule.Constant(0.05).state(), Map.of(), Map.of()).toBytes(),
                    "in memory");
            Optimizer restored = Optimizers.create("sgd", SGD, params.length);
            restored.restore(saved.optimizer());
            TrainingJob.Result rest = train(sc, 8, saved.params(), restored, config(saved.step(), 0, AUG));
            assertEquals(14, rest.steps());
            assertEquals(uninterrupted, rest.weightsSha256());
        }
    }
}
