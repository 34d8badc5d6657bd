package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.engine.train.BatchSampler;
import org.sparkcnn.engine.train.FixedPointSum;
import org.sparkcnn.engine.train.GradientWorker;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * The distributed step against the engine, and bit-identical weights across masters and partition
 * counts. Contexts are started and stopped one at a time (a JVM holds one SparkContext).
 */
class TrainingJobTest {

    private static final int COUNT = 300;
    private static final int BLOCK = 32;
    private static final Shape SHAPE = new Shape(1, 8, 8);
    static final ModelDefinition MODEL = ModelDefinition.builder("tiny", SHAPE)
            .conv2d("conv1", 4, 3, 1, 1).relu().maxPool(2, 2).flatten()
            .dense("fc1", 16).relu().dropout(0.25f).dense("fc2", 10)
            .build(Loss.SOFTMAX_CROSS_ENTROPY);
    static final Normalization NORM = new Normalization(new float[]{0.5f}, new float[]{0.25f});

    /** Blocks of a synthetic dataset whose label is learnable from the pixels. */
    static List<ExampleBlock> blocks() {
        SplittableRandom rng = new SplittableRandom(11);
        List<ExampleBlock> out = new ArrayList<>();
        for (int first = 0; first < COUNT; first += BLOCK) {
            int n = Math.min(BLOCK, COUNT - first);
            float[] x = new float[n * SHAPE.size()];
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = rng.nextInt(10);
                for (int p = 0; p < SHAPE.size(); p++) {
                    x[i * SHAPE.size() + p] = (float) (rng.nextDouble() * 0.5 + (p % 10 == y[i] ? 0.5 : 0));
                }
            }
            out.add(new ExampleBlock(first, SHAPE, x, y));
        }
        return out;
    }

    private static TrainingJob.Config config(long maxSteps, int epochs) {
        return new TrainingJob.Config(5, epochs, maxSteps, 48, 8, 0, 0);
    }

    static TrainingJob.Result train(JavaSparkContext sc, int partitions, TrainingJob.Config cfg, List<TrainingJob.StepMetrics> seen) {
        JavaRDD<ExampleBlock> data = sc.parallelize(blocks(), partitions).persist(StorageLevel.MEMORY_ONLY());
        try {
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(MODEL, 5);
            return TrainingJob.train(sc, MODEL, NORM, data, COUNT, params, new Sgd(params.length, 0.9, 0, false, 0),
                    new LrSchedule.Constant(0.05), cfg, (m, p) -> seen.add(m));
        } finally {
            data.unpersist(true);
        }
    }

    @Test
    void weightsAreBitIdenticalAcrossMastersAndPartitionCounts() {
        Map<String, String> hashes = new LinkedHashMap<>();
        List<TrainingJob.StepMetrics> metrics = new ArrayList<>();
        for (String master : List.of("local[1]", "local[2]", "local[4]")) {
            try (JavaSparkContext sc = LocalSpark.start(master)) {
                for (int partitions : master.equals("local[2]") ? new int[]{1, 3, 8} : new int[]{3}) {
                    metrics.clear();
                    TrainingJob.Result r = train(sc, partitions, config(0, 2), metrics);
                    hashes.put(master + " x " + partitions + " partitions", r.weightsSha256());
                    assertEquals(14, r.steps(), "2 epochs of ceil(300/48) = 7 steps");
                }
            }
        }
        assertEquals(1, hashes.values().stream().distinct().count(), "weights differ: " + hashes);
        // the last step of each epoch is the partial batch 300 - 6*48 = 12
        assertEquals(12, metrics.get(6).examples());
        assertEquals(48, metrics.get(0).examples());
        assertTrue(metrics.get(6).endOfEpoch() && metrics.get(13).endOfEpoch() && !metrics.get(5).endOfEpoch());
        assertTrue(metrics.get(13).loss() < metrics.get(0).loss(), "loss falls: " + metrics.get(0).loss() + " -> " + metrics.get(13).loss());
        assertTrue(metrics.stream().allMatch(m -> m.maxTaskMs() >= m.medianTaskMs() && m.computeMs() > 0));
    }

    @Test
    void aStepLaunchesTasksOnlyOnThePartitionsHoldingItsExamples() throws Exception {
        // 3 partitions: one plain job per step; 8: treeAggregate with an intermediate level
        for (int partitions : new int[]{3, 8}) {
            try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
                AtomicInteger tasks = new AtomicInteger();
                List<String> jobNames = new CopyOnWriteArrayList<>();
                sc.sc().addSparkListener(new SparkListener() {
                    @Override
                    public void onTaskStart(SparkListenerTaskStart taskStart) {
                        tasks.incrementAndGet();
                    }

                    @Override
                    public void onJobStart(SparkListenerJobStart jobStart) {
                        jobNames.add(String.valueOf(jobStart.properties().getProperty("callSite.short")));
                    }
                });
                List<TrainingJob.StepMetrics> seen = new ArrayList<>();
                train(sc, partitions, new TrainingJob.Config(5, 0, 6, 1, 8, 0, 0), seen);  // 6 steps of one example
                sc.sc().listenerBus().waitUntilEmpty();
                assertEquals(6, seen.size());
                assertTrue(seen.stream().allMatch(m -> m.tasks() == 1 && m.examples() == 1));
                // one job over all partitions learns which indices each holds; then one task per step
                assertEquals(partitions + 6, tasks.get(), partitions + " partitions, jobs: " + jobNames);
                assertEquals("sparkcnn step 1 (epoch 1)", jobNames.get(1));
                assertEquals("sparkcnn step 6 (epoch 1)", jobNames.get(jobNames.size() - 1));
                assertEquals(null, sc.getLocalProperty("callSite.short"), "the step names are cleared after training");
            }
        }
    }

    /**
     * Only a step's own job is labelled as a training step (its call site, job description and
     * {@link TrainingJob#STEP_PROPERTY}); a job the step listener runs, as validation does, is not,
     * and a caller's own labels are back in place for it and after training.
     */
    @Test
    void onlyTheStepsOwnJobsAreLabelledAsTrainingSteps() throws Exception {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            Map<Integer, java.util.Properties> jobs = new java.util.concurrent.ConcurrentHashMap<>();
            sc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onJobStart(SparkListenerJobStart jobStart) {
                    jobs.put(jobStart.jobId(), jobStart.properties());
                }
            });
            sc.setJobDescription("the caller's description");
            JavaRDD<ExampleBlock> data = sc.parallelize(blocks(), 3).persist(StorageLevel.MEMORY_ONLY());
            List<Long> listenerJobs = new ArrayList<>();
            try {
                float[] params = Initializer.PYTORCH_DEFAULT.initialize(MODEL, 5);
                TrainingJob.train(sc, MODEL, NORM, data, COUNT, params, new Sgd(params.length, 0.9, 0, false, 0),
                        new LrSchedule.Constant(0.05), new TrainingJob.Config(5, 0, 4, 16, 8, 0, 0), (m, p) -> {
                            listenerJobs.add(data.count());  // a job of the listener's own, as validation runs
                            return true;
                        });
            } finally {
                data.unpersist(true);
            }
            sc.sc().listenerBus().waitUntilEmpty();
            assertEquals(4, listenerJobs.size());
            List<String> steps = new ArrayList<>();
            int others = 0;
            for (java.util.Properties p : new java.util.TreeMap<>(jobs).values()) {
                String step = p.getProperty(TrainingJob.STEP_PROPERTY);
                String site = String.valueOf(p.getProperty("callSite.short"));
                String description = p.getProperty("spark.job.description");
                if (step != null) {
                    steps.add(step);
                    assertTrue(site.startsWith("sparkcnn step " + step + " (epoch 1)"), site);
                    assertEquals(site, description);
                } else {
                    others++;
                    assertTrue(!site.startsWith("sparkcnn step"), "a job that is not a training step is named " + site);
                    assertEquals("the caller's description", description);
                }
            }
            assertEquals(List.of("1", "2", "3", "4"), steps, "one labelled job per step");
            assertTrue(others >= 4, "the listener's jobs ran unlabelled: " + others);
            assertEquals("the caller's description", sc.getLocalProperty("spark.job.description"));
            assertEquals(null, sc.getLocalProperty(TrainingJob.STEP_PROPERTY));
        }
    }

    @Test
    void oneDistributedStepEqualsTheEnginesSingleProcessStep() {
        float[] distributed;
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            distributed = train(sc, 3, config(1, 1), new ArrayList<>()).params();
        }
        // the same step in one process: the batch of step 0, one unit per block, through the engine
        List<ExampleBlock> blocks = blocks();
        BatchSampler sampler = new BatchSampler(5, COUNT, 48);
        int[] perm = sampler.permutation(0);
        List<GradientWorker.Examples> units = PartitionLayout.shareOfBatch(blocks.iterator(), perm, 0, 48);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(MODEL, 5);
        FixedPointSum sum = new FixedPointSum();
        try (GradientWorker w = new GradientWorker(MODEL, NORM, 8, 1)) {
            w.accumulate(params, units, 48, 5, 0, sum);
        }
        new Sgd(params.length, 0.9, 0, false, 0).step(params, sum.gradient(new float[params.length]), 0.05);
        assertArrayEquals(params, distributed);
        assertEquals(48, units.stream().mapToInt(u -> u.rows().length).sum());
        assertEquals(ModelFile.sha256(params), ModelFile.sha256(distributed));
    }

    @Test
    void divergenceStopsWithTheStepAndTheLayer() {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            JavaRDD<ExampleBlock> data = sc.parallelize(blocks(), 2);
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(MODEL, 5);
            TrainingJob.DivergenceException e = assertThrows(TrainingJob.DivergenceException.class, () ->
                    TrainingJob.train(sc, MODEL, NORM, data, COUNT, params, new Sgd(params.length),
                            new LrSchedule.Constant(1e6), config(20, 0), (m, p) -> true));
            assertTrue(e.getMessage().startsWith("training diverged at step "), e.getMessage());
            assertTrue(e.getMessage().contains("layer ") || e.getMessage().contains("the loss"), e.getMessage());
        }
    }

    @Test
    void aRunResumedFromACheckpointEndsBitIdenticalToAnUninterruptedOne() throws java.io.IOException {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            String uninterrupted = train(sc, 3, config(0, 2), new ArrayList<>()).weightsSha256();

            // Stop after 10 steps (mid-epoch 2), keep the state as a checkpoint would, resume with 2 partitions.
            JavaRDD<ExampleBlock> data = sc.parallelize(blocks(), 3).persist(StorageLevel.MEMORY_ONLY());
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(MODEL, 5);
            Sgd sgd = new Sgd(params.length, 0.9, 0, false, 0);
            TrainingJob.Result first = TrainingJob.train(sc, MODEL, NORM, data, COUNT, params, sgd,
                    new LrSchedule.Constant(0.05), config(10, 2), (m, p) -> true);
            data.unpersist(true);
            assertEquals(10, first.steps());
            org.sparkcnn.jobs.checkpoint.Checkpoint saved = org.sparkcnn.jobs.checkpoint.Checkpoint.fromBytes(
                    new org.sparkcnn.jobs.checkpoint.Checkpoint(10, 1, 3, 5, MODEL.toJsonString(), "", Map.of(),
                            params.clone(), sgd.state(), new LrSchedule.Constant(0.05).state(), Map.of(), Map.of()).toBytes(),
                    "in memory");

            JavaRDD<ExampleBlock> again = sc.parallelize(blocks(), 2).persist(StorageLevel.MEMORY_ONLY());
            float[] resumed = saved.params();
            Sgd restored = new Sgd(resumed.length, 0.9, 0, false, 0);
            restored.restore(saved.optimizer());
            List<TrainingJob.StepMetrics> steps = new ArrayList<>();
            TrainingJob.Result rest = TrainingJob.train(sc, MODEL, NORM, again, COUNT, resumed, restored,
                    new LrSchedule.Constant(0.05), new TrainingJob.Config(5, 2, 0, 48, 8, 0, 0, saved.step(), false),
                    (m, p) -> steps.add(m));
            again.unpersist(true);
            assertEquals(14, rest.steps());
            assertEquals(4, steps.size(), "steps 11..14 only");
            assertEquals(10, steps.get(0).step());
            assertEquals(1, steps.get(0).epoch());
            assertEquals(uninterrupted, rest.weightsSha256());
        }
    }

    @Test
    void divergentStepsCanBeSkippedAndCounted() {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            JavaRDD<ExampleBlock> data = sc.parallelize(blocks(), 2);
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(MODEL, 5);
            List<TrainingJob.StepMetrics> steps = new ArrayList<>();
            TrainingJob.Result r = TrainingJob.train(sc, MODEL, NORM, data, COUNT, params, new Sgd(params.length),
                    new LrSchedule.Constant(1e6), new TrainingJob.Config(5, 0, 8, 48, 8, 0, 0, 0, true),
                    (m, p) -> steps.add(m));
            assertEquals(8, r.steps());
            long skipped = steps.stream().filter(m -> m.skipped() != null).count();
            assertTrue(skipped > 0, "lr 1e6 diverges");
            assertEquals(skipped, r.skippedSteps());
            assertTrue(steps.stream().filter(m -> m.skipped() != null)
                    .allMatch(m -> m.skipped().startsWith("training diverged at step " + (m.step() + 1))));
            for (float p : r.params()) {
                assertTrue(Float.isFinite(p), "a skipped step leaves the weights as they were");
            }
        }
    }

    @Test
    void evaluationCountsEveryExampleOnce() {
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            JavaRDD<ExampleBlock> data = sc.parallelize(blocks(), 3);
            Evaluation.Counts c = Evaluation.evaluate(sc, MODEL, NORM, Initializer.PYTORCH_DEFAULT.initialize(MODEL, 5), data);
            assertEquals(COUNT, c.examples());
            long sum = 0;
            for (long[] row : c.confusion()) {
                for (long v : row) {
                    sum += v;
                }
            }
            assertEquals(COUNT, sum);
            assertTrue(c.accuracy() >= 0 && c.accuracy() <= 1 && Double.isFinite(c.loss()));
        }
    }
}
