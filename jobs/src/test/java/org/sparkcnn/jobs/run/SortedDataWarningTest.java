package org.sparkcnn.jobs.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.jobs.BatchNormTrainingTestData;
import org.sparkcnn.jobs.LocalSpark;
import org.sparkcnn.jobs.Sampling;
import org.sparkcnn.jobs.TrainingJobTestData;
import org.sparkcnn.jobs.data.ExampleBlock;

/** Block-local chunks in data sorted by label: the run says which blocks hold a single class, and what to do. */
class SortedDataWarningTest {

    private static RunSettings settings(Sampling sampling) {
        return new RunSettings(5, 1, 1, 32, 8, 0, 0, Initializer.PYTORCH_DEFAULT, "sgd", 0.1, Map.of(), "constant", Map.of(),
                false, 0, null, RunSettings.Validation.EVERY_EPOCH, RunSettings.Checkpoints.NONE, 8, false, sampling);
    }

    /** TrainingJobTestData's 10 blocks, the first {@code sorted} of them relabelled to a single class each. */
    private static List<ExampleBlock> blocks(int sorted) {
        List<ExampleBlock> out = new ArrayList<>(TrainingJobTestData.blocks());
        for (int i = 0; i < sorted; i++) {
            ExampleBlock b = out.get(i);
            int[] labels = new int[b.size()];
            java.util.Arrays.fill(labels, i % 10);
            out.set(i, new ExampleBlock(b.firstIndex(), b.shape(), b.features(), labels));
        }
        return out;
    }

    private static List<String> messages(JavaSparkContext sc, org.sparkcnn.engine.ModelDefinition def, Sampling sampling,
                                         int sorted) {
        JavaRDD<ExampleBlock> train = sc.parallelize(blocks(sorted), 2);
        List<String> said = new ArrayList<>();
        TrainingRun.warnIfSortedByLabel(def, settings(sampling), new TrainingRun.Data(train, 300, null, TrainingJobTestData.NORM,
                Map.of()), new TrainingRun.Listener() {
                    @Override
                    public void message(String text) {
                        said.add(text);
                    }
                });
        return said;
    }

    @Test
    void blockLocalChunksOnSortedDataAreNamedShuffleIsNot() {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            assertEquals(List.of("warning: 4 of 10 training blocks hold a single class: is the data sorted by label? With "
                    + "training.sampling = block-chunks, gradient chunks are drawn inside one block each, so they would hold one "
                    + "class; set training.sampling = shuffle, or shuffle the data's order"),
                    messages(sc, TrainingJobTestData.MODEL, Sampling.BLOCK_CHUNKS, 4));
            assertEquals(List.of(), messages(sc, TrainingJobTestData.MODEL, Sampling.SHUFFLE, 4));
            assertEquals(List.of(), messages(sc, TrainingJobTestData.MODEL, Sampling.BLOCK_CHUNKS, 0));
            assertEquals(List.of("warning: 10 of 10 training blocks hold a single class: is the data sorted by label? Batch "
                    + "norm's ghost groups are drawn inside one block each, so they would hold one class; shuffle the data's order"),
                    messages(sc, BatchNormTrainingTestData.MODEL, Sampling.SHUFFLE, 10));
        }
    }
}
