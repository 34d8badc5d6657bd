package org.sparkcnn.jobs.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.jobs.BatchNormTrainingTestData;
import org.sparkcnn.jobs.Evaluation;
import org.sparkcnn.jobs.LocalSpark;
import org.sparkcnn.jobs.MetricsLog;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.TrainingJobTestData;
import org.sparkcnn.jobs.checkpoint.Checkpoint;
import org.sparkcnn.jobs.checkpoint.CheckpointStore;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * A batch-norm model through the whole run policy: validation in inference mode with the running
 * statistics, checkpoints carrying them, and a resumed run bit-identical (weights and state) to an
 * uninterrupted one on another partitioning.
 */
class BatchNormRunTest {

    @TempDir
    Path tmp;

    private static RunSettings settings(long maxSteps, RunSettings.Checkpoints checkpoints) {
        return new RunSettings(5, 2, maxSteps, 32, 8, 0, 0, Initializer.PYTORCH_DEFAULT, "sgd", 0.1,
                Map.of("momentum", 0.9), "constant", Map.of(), false, 0, null,
                new RunSettings.Validation(0, "loss", 0, 0, false), checkpoints, 8);
    }

    private static TrainingRun.Outcome run(JavaSparkContext sc, int partitions, RunSettings s, CheckpointStore.Found resume,
                                           String dir) throws Exception {
        JavaRDD<ExampleBlock> train = sc.parallelize(TrainingJobTestData.blocks(), partitions).persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<ExampleBlock> val = sc.parallelize(TrainingJobTestData.blocks().subList(0, 3), 2);
        try {
            TrainingRun.Data data = new TrainingRun.Data(train, 300, val, TrainingJobTestData.NORM, Map.of("n", "300"));
            return TrainingRun.run(sc, BatchNormTrainingTestData.MODEL, s, data,
                    new TrainingRun.Start(resume, null, "cfg"),
                    new TrainingRun.Sink(new Configuration(), MetricsLog.none(), dir, new TrainingRun.Listener() {
                    }));
        } finally {
            train.unpersist(true);
        }
    }

    @Test
    void validationUsesTheRunningStatisticsAndAResumedRunIsBitIdentical() throws Exception {
        String dir = tmp.resolve("ckpt").toUri().toString();
        RunSettings.Checkpoints every5 = new RunSettings.Checkpoints(5, false, dir, 10, 2, 10);
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            TrainingRun.Outcome whole = run(sc, 3, settings(0, RunSettings.Checkpoints.NONE), null, "");
            assertEquals(20, whole.result().steps());
            assertEquals(BatchNormTrainingTestData.MODEL.bufferCount(), whole.buffers().length);
            assertEquals(TrainingJob.modelSha256(whole.params(), whole.buffers()), whole.weightsSha256());

            // interrupted after 7 steps on 8 partitions, resumed from its last checkpoint
            TrainingRun.Outcome first = run(sc, 8, settings(7, every5), null, dir);
            assertEquals(7, first.result().steps());
            CheckpointStore store = new CheckpointStore(new Configuration(), dir, 10, CheckpointStore.Retry.DEFAULT);
            CheckpointStore.Found found = store.latest(w -> { }).orElseThrow();
            Checkpoint c = found.checkpoint();
            assertEquals(7, c.step());
            assertNotNull(c.buffers(), "the checkpoint carries the running statistics");
            assertArrayEquals(first.buffers(), c.buffers());
            Checkpoint again = Checkpoint.fromBytes(c.toBytes(), "again");
            assertArrayEquals(c.buffers(), again.buffers());
            TrainingRun.Outcome resumed = run(sc, 8, settings(0, RunSettings.Checkpoints.NONE), found, "");
            assertEquals(20, resumed.result().steps());
            assertEquals(whole.weightsSha256(), resumed.weightsSha256());
            assertEquals(ModelFile.sha256(whole.buffers()), ModelFile.sha256(resumed.buffers()));

            // evaluation normalizes with the running statistics: other statistics, other loss
            JavaRDD<ExampleBlock> val = sc.parallelize(TrainingJobTestData.blocks().subList(0, 3), 2);
            Evaluation.Counts trained = Evaluation.evaluate(sc, BatchNormTrainingTestData.MODEL, TrainingJobTestData.NORM,
                    whole.params(), whole.buffers(), val);
            Evaluation.Counts initial = Evaluation.evaluate(sc, BatchNormTrainingTestData.MODEL, TrainingJobTestData.NORM,
                    whole.params(), BatchNormTrainingTestData.MODEL.initialBuffers(), val);
            assertEquals(96, trained.examples());
            assertTrue(Double.isFinite(trained.loss()));
            assertNotEquals(trained.loss(), initial.loss());
            assertEquals(whole.stopping().lastValue(), trained.loss(), "the last validation (monitor loss) used the running statistics");
        }
    }
}
