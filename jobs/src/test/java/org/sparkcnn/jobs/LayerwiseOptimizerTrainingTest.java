package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.LrSchedules;
import org.sparkcnn.engine.optim.Optimizers;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * The large-batch options (LARS, LAMB, learning-rate warm-up) keep the weights bit-identical across
 * masters and partition counts, on a plain chain and on a batch-norm graph.
 */
class LayerwiseOptimizerTrainingTest {

    private record Recipe(String label, ModelDefinition model, String optimizer, Map<String, Object> options, double lr) {
    }

    private static final List<Recipe> RECIPES = List.of(
            new Recipe("lars", TrainingJobTest.MODEL, "lars",
                    Map.of("weight_decay", 5e-4, "trust_coefficient", 0.02, "nesterov", true), 2.0),
            new Recipe("lamb", TrainingJobTest.MODEL, "lamb", Map.of(), 0.01),
            new Recipe("lars on batch norm", BatchNormTrainingTest.BN_MODEL, "lars",
                    Map.of("weight_decay", 5e-4, "trust_coefficient", 0.02, "no_decay_bias_and_norm", true,
                            "no_adapt_bias_and_norm", true), 2.0),
            new Recipe("sgd on batch norm", BatchNormTrainingTest.BN_MODEL, "sgd", Map.of("momentum", 0.9), 0.1));

    /** Cosine over 14 steps after a linear warm-up of 4. */
    private static LrSchedule schedule(double lr) {
        return LrSchedules.create("cosine", Map.of("t_max", 14, "unit", "step", "warmup_steps", 4), lr);
    }

    private static TrainingJob.Result train(JavaSparkContext sc, int partitions, Recipe r, List<TrainingJob.StepMetrics> seen) {
        JavaRDD<ExampleBlock> data = sc.parallelize(TrainingJobTest.blocks(), partitions).persist(StorageLevel.MEMORY_ONLY());
        try {
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(r.model(), 5);
            TrainingJob.Config cfg = new TrainingJob.Config(5, 2, 0, 48, 8, 0, 0);
            return TrainingJob.train(sc, r.model(), TrainingJobTest.NORM, data, 300, params, r.model().initialBuffers(),
                    Optimizers.create(r.optimizer(), r.options(), r.model()), schedule(r.lr()), cfg, 8, (m, p) -> seen.add(m));
        } finally {
            data.unpersist(true);
        }
    }

    @Test
    void largeBatchOptionsGiveOneHashForAnyMasterAndPartitioning() {
        Map<String, Map<String, String>> hashes = new LinkedHashMap<>();
        Map<String, List<TrainingJob.StepMetrics>> curves = new LinkedHashMap<>();
        for (String master : List.of("local[1]", "local[2]")) {
            try (JavaSparkContext sc = LocalSpark.start(master)) {
                for (int partitions : master.equals("local[1]") ? new int[] {1} : new int[] {3, 8}) {
                    for (Recipe r : RECIPES) {
                        List<TrainingJob.StepMetrics> seen = new ArrayList<>();
                        TrainingJob.Result result = train(sc, partitions, r, seen);
                        assertEquals(14, result.steps());
                        hashes.computeIfAbsent(r.label(), k -> new LinkedHashMap<>()).put(master + " x " + partitions, result.weightsSha256());
                        curves.putIfAbsent(r.label(), seen);
                    }
                }
            }
        }
        for (Map.Entry<String, Map<String, String>> e : hashes.entrySet()) {
            assertEquals(1, e.getValue().values().stream().distinct().count(), e.getKey() + ": weights differ: " + e.getValue());
            List<TrainingJob.StepMetrics> m = curves.get(e.getKey());
            assertTrue(m.get(13).loss() < m.get(0).loss(), e.getKey() + " learns: " + m.get(0).loss() + " -> " + m.get(13).loss());
        }
        assertNotEquals(hashes.get("lars on batch norm").values().iterator().next(),
                hashes.get("sgd on batch norm").values().iterator().next(), "LARS takes its own steps");
    }
}
