package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.engine.train.BatchSampler;
import org.sparkcnn.engine.train.FixedPointSum;
import org.sparkcnn.engine.train.GradientWorker;
import org.sparkcnn.engine.train.RunningStatistics;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * Batch norm on Spark with ghost groups: weights and running statistics bit-identical for 1, 3 and 8
 * partitions, the loss falls, and one step equals the same ghost-group arithmetic done by hand.
 */
class BatchNormTrainingTest {

    static final ModelDefinition BN_MODEL = ModelDefinition.fromJson("""
            {"format": "sparkcnn-model/2", "name": "tinybn", "input": [1, 8, 8], "nodes": [
              {"name": "conv1", "type": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1, "bias": false},
              {"name": "bn1", "type": "batchnorm2d"},
              {"name": "r1", "type": "relu"},
              {"name": "conv2", "type": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1, "bias": false},
              {"name": "bn2", "type": "batchnorm2d"},
              {"name": "sum", "type": "add", "inputs": ["bn2", "r1"]},
              {"name": "r2", "type": "relu"},
              {"name": "gap", "type": "global_avgpool2d"},
              {"name": "fc", "type": "dense", "out_features": 10}],
             "loss": {"type": "softmax_cross_entropy"}}""");
    static final int GROUP = 8;
    static final int BATCH = 32;

    static TrainingJob.Result train(JavaSparkContext sc, int partitions, int epochs, long maxSteps, List<TrainingJob.StepMetrics> seen) {
        JavaRDD<ExampleBlock> data = sc.parallelize(TrainingJobTest.blocks(), partitions).persist(StorageLevel.MEMORY_ONLY());
        try {
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(BN_MODEL, 5);
            float[] buffers = BN_MODEL.initialBuffers();
            return TrainingJob.train(sc, BN_MODEL, TrainingJobTest.NORM, data, 300, params, buffers,
                    new Sgd(params.length, 0.9, 0, false, 0), new LrSchedule.Constant(0.1),
                    new TrainingJob.Config(5, epochs, maxSteps, BATCH, 8, 0, 0), GROUP, (m, p) -> seen.add(m));
        } finally {
            data.unpersist(true);
        }
    }

    @Test
    void weightsAndRunningStatisticsAreBitIdenticalForAnyPartitioning() {
        Map<String, String> hashes = new LinkedHashMap<>();
        List<TrainingJob.StepMetrics> metrics = new ArrayList<>();
        float[] firstBuffers = null;
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            for (int partitions : new int[]{1, 3, 8}) {
                metrics.clear();
                TrainingJob.Result r = train(sc, partitions, 2, 0, metrics);
                hashes.put(partitions + " partitions", ModelFile.sha256(r.params()) + "/" + ModelFile.sha256(r.buffers()));
                // 300 examples in blocks of 32: 9 full blocks of 4 groups, the last (12) one group: 37 groups, 10 steps
                assertEquals(20, r.steps());
                if (firstBuffers == null) {
                    firstBuffers = r.buffers().clone();
                }
                assertEquals(TrainingJob.modelSha256(r.params(), r.buffers()), r.weightsSha256());
            }
        }
        assertEquals(1, hashes.values().stream().distinct().count(), "weights or state differ: " + hashes);
        assertEquals(BATCH, metrics.get(0).examples());
        assertEquals(GROUP, metrics.get(9).examples(), "the epoch's last step holds the 37th group");
        assertTrue(metrics.get(9).endOfEpoch());
        assertFalse(Arrays.equals(firstBuffers, BN_MODEL.initialBuffers()), "the running statistics moved");
        double early = (metrics.get(0).loss() + metrics.get(1).loss()) / 2, late = (metrics.get(17).loss() + metrics.get(18).loss()) / 2;
        assertTrue(late < early, "loss falls: " + early + " -> " + late);
    }

    @Test
    void oneStepIsTheGhostGroupArithmetic() {
        List<TrainingJob.StepMetrics> metrics = new ArrayList<>();
        TrainingJob.Result r;
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            r = train(sc, 3, 0, 1, metrics);
        }
        // By hand: the sampler's first step, each group one network call of 8 examples in group order
        List<ExampleBlock> blocks = TrainingJobTest.blocks();
        long[] firsts = blocks.stream().mapToLong(ExampleBlock::firstIndex).toArray();
        int[] sizes = blocks.stream().mapToInt(ExampleBlock::size).toArray();
        BatchSampler sampler = BatchSampler.grouped(5, firsts, sizes, BATCH, GROUP);
        assertEquals(296, sampler.count());
        int[] perm = sampler.permutation(0);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(BN_MODEL, 5);
        float[] buffers = BN_MODEL.initialBuffers();
        FixedPointSum sum = new FixedPointSum();
        Network net = BN_MODEL.newNetwork(GROUP);
        float[] grads = new float[params.length];
        float[] x = new float[GROUP * 64];
        int[] labels = new int[GROUP];
        long[] ids = new long[GROUP];
        float[] stats = new float[BN_MODEL.bufferCount()];
        List<float[]> groupStats = new ArrayList<>();
        for (int g = 0; g < BATCH / GROUP; g++) {
            int block = perm[g * GROUP] / 32;
            ExampleBlock b = blocks.get(block);
            int[] rows = new int[GROUP];
            for (int i = 0; i < GROUP; i++) {
                assertEquals(block, perm[g * GROUP + i] / 32, "a group lives in one block");
                rows[i] = perm[g * GROUP + i] - (int) b.firstIndex();
            }
            GradientWorker.loadChunk(new GradientWorker.Examples(b.features(), b.labels(), b.firstIndex(), rows), 0, GROUP,
                    BN_MODEL.inputShape(), TrainingJobTest.NORM, x, labels, ids);
            double loss = net.lossAndGradient(params, BN_MODEL.initialBuffers(), grads, x, labels, null, GROUP, BATCH,
                    new Pass(true, 5, 0, ids));
            sum.addAndZero(grads, loss, GROUP);
            net.batchStatistics(stats);
            groupStats.add(stats.clone());
        }
        float[] total = new float[params.length];
        sum.gradient(total);
        new Sgd(params.length, 0.9, 0, false, 0).step(params, total, 0.1);
        for (float[] s : groupStats) {
            RunningStatistics.update(BN_MODEL, buffers, s, 0);
        }
        assertArrayEquals(params, r.params());
        assertArrayEquals(buffers, r.buffers());
    }

    @Test
    void theBatchSizeMustBeAMultipleOfTheGroupSize() {
        try (JavaSparkContext sc = LocalSpark.start("local[1]")) {
            JavaRDD<ExampleBlock> data = sc.parallelize(TrainingJobTest.blocks(), 2);
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(BN_MODEL, 5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingJob.train(sc, BN_MODEL,
                    TrainingJobTest.NORM, data, 300, params, BN_MODEL.initialBuffers(), new Sgd(params.length),
                    new LrSchedule.Constant(0.1), new TrainingJob.Config(5, 1, 0, 36, 8, 0, 0), GROUP, (m, p) -> true));
            assertTrue(e.getMessage().contains("training.bn-group-size"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TrainingJob.train(sc, BN_MODEL, TrainingJobTest.NORM, data, 300,
                    params, new Sgd(params.length), new LrSchedule.Constant(0.1),
                    new TrainingJob.Config(5, 1, 0, 32, 8, 0, 0), (m, p) -> true));
        }
    }
}
