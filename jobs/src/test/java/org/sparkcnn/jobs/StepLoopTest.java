package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.engine.train.Augmentation;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * The step loop (training.step-loop) against a Spark job per step: the same weights, bit for bit, with
 * and without batch norm; its job ends with the run; and what it refuses, with messages that say why.
 */
class StepLoopTest {

    private static TrainingJob.Result train(JavaSparkContext sc, ModelDefinition model, List<ExampleBlock> blocks,
                                            int partitions, boolean loop, List<TrainingJob.StepMetrics> seen) {
        JavaRDD<ExampleBlock> data = sc.parallelize(blocks, partitions).persist(StorageLevel.MEMORY_ONLY());
        try {
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(model, 5);
            TrainingJob.Config cfg = new TrainingJob.Config(5, 2, 0, 32, 8, 0, 0, 0, false, 0,
                    new Augmentation(1, true, 0)).withStepLoop(loop);
            return TrainingJob.train(sc, model, TrainingJobTest.NORM, data, 300, params, model.initialBuffers(),
                    new Sgd(params.length, 0.9, 0, true, 0), new LrSchedule.Constant(0.05), cfg, 8, (m, p) -> seen.add(m));
        } finally {
            data.unpersist(true);
        }
    }

    @Test
    void theLoopGivesTheBitsOfAJobPerStepAndEndsItsJob() {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            for (ModelDefinition model : List.of(TrainingJobTest.MODEL, BatchNormTrainingTest.BN_MODEL)) {
                List<TrainingJob.StepMetrics> jobs = new ArrayList<>(), looped = new ArrayList<>();
                String perJob = train(sc, model, TrainingJobTest.blocks(), 2, false, jobs).weightsSha256();
                TrainingJob.Result loop = train(sc, model, TrainingJobTest.blocks(), 2, true, looped);
                assertEquals(perJob, loop.weightsSha256(), model.name() + ": the loop's weights");
                assertEquals(jobs.size(), looped.size());
                for (int i = 0; i < jobs.size(); i++) {
                    assertEquals(jobs.get(i).loss(), looped.get(i).loss(), model.name() + " step " + i + " loss");
                    assertEquals(jobs.get(i).tasks(), looped.get(i).tasks(), model.name() + " step " + i + " tasks");
                }
                assertNoActiveJob(sc, "the loop's job ended with the run");
            }
        }
    }

    /** A validation between steps is another Spark job: the loop frees the slots for it and resumes after. */
    @Test
    void otherJobsBetweenStepsRunAndTheBitsStay() {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            String perJob = train(sc, TrainingJobTest.MODEL, TrainingJobTest.blocks(), 2, false, new ArrayList<>()).weightsSha256();
            JavaRDD<Integer> other = sc.parallelize(List.of(1, 2, 3, 4), 2);
            long[] counted = {0};
            String looped = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(120), () -> {
                JavaRDD<ExampleBlock> data = sc.parallelize(TrainingJobTest.blocks(), 2).persist(StorageLevel.MEMORY_ONLY());
                float[] params = Initializer.PYTORCH_DEFAULT.initialize(TrainingJobTest.MODEL, 5);
                TrainingJob.Config cfg = new TrainingJob.Config(5, 2, 0, 32, 8, 0, 0, 0, false, 0,
                        new Augmentation(1, true, 0)).withStepLoop(true);
                return TrainingJob.train(sc, TrainingJobTest.MODEL, TrainingJobTest.NORM, data, 300, params, new float[0],
                        new Sgd(params.length, 0.9, 0, true, 0), new LrSchedule.Constant(0.05), cfg, 8, (m, p) -> {
                            if (m.step() % 4 == 3) {
                                counted[0] += other.count();  // another job, as a validation runs
                            }
                            return true;
                        }).weightsSha256();
            });
            assertEquals(perJob, looped);
            assertEquals(4L * 5, counted[0], "the 5 other jobs ran, each counting 4 rows");
            assertNoActiveJob(sc, "the loop's job ended with the run");
        }
    }

    @Test
    void moreRequiredTaskSlotsThanTheClusterHasIsRefusedUpFront() {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> train(sc, TrainingJobTest.MODEL, TrainingJobTest.blocks(), 3, true, new ArrayList<>()));
            assertEquals("training.step-loop runs one task per partition, all at once: 3 partitions need 3 task slots, "
                    + "the cluster has 2 (use at most 2 partitions, or train without the step loop)", e.getMessage());
            assertNoActiveJob(sc, "no job was started");
        }
    }

    @Test
    void aFailingTaskStopsTheRunNamingItsPartitionAndStep() {
        // the last block (in the second partition) has a label the model's 10 classes do not have
        List<ExampleBlock> blocks = new ArrayList<>(TrainingJobTest.blocks());
        ExampleBlock last = blocks.get(blocks.size() - 1);
        int[] labels = new int[last.size()];
        java.util.Arrays.fill(labels, 12);
        blocks.set(blocks.size() - 1, new ExampleBlock(last.firstIndex(), last.shape(), last.features(), labels));
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> train(sc, TrainingJobTest.MODEL, blocks, 2, true, new ArrayList<>()));
            assertTrue(e.getMessage().startsWith("partition 1, step "), e.getMessage());
            assertTrue(e.getMessage().contains("label 12 of example"), e.getMessage());
            assertNoActiveJob(sc, "the loop's job ended after the failure");
        }
    }

    /** Spark's status tracker learns of a job's end through its listener bus: a short wait. */
    private static void assertNoActiveJob(JavaSparkContext sc, String what) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (sc.statusTracker().getActiveJobIds().length > 0 && System.currentTimeMillis() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, sc.statusTracker().getActiveJobIds().length, what);
    }
}
