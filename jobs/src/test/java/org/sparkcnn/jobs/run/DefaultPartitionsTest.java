package org.sparkcnn.jobs.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.jobs.LocalSpark;
import org.sparkcnn.jobs.Sampling;

/** data.partitions = 0: Spark's default parallelism, except 1 for the step loop on a local master. */
class DefaultPartitionsTest {

    private static RunSettings settings(boolean stepLoop) {
        return new RunSettings(5, 1, 1, 32, 8, 0, 0, Initializer.PYTORCH_DEFAULT, "sgd", 0.1, Map.of(), "constant", Map.of(),
                false, 0, null, RunSettings.Validation.EVERY_EPOCH, RunSettings.Checkpoints.NONE, 8, stepLoop, Sampling.SHUFFLE);
    }

    @Test
    void theLoopOnALocalMasterTakesOnePartitionUnlessTold() {
        try (JavaSparkContext sc = LocalSpark.start("local[3]")) {
            assertEquals(3, settings(false).partitions(0, sc));
            assertEquals(1, settings(true).partitions(0, sc));
            assertEquals(5, settings(true).partitions(5, sc));
            assertEquals(2, settings(false).partitions(2, sc));
        }
    }
}
