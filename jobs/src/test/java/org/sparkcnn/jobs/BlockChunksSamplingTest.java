package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.engine.train.BatchSampler;
import org.sparkcnn.engine.train.FixedPointSum;
import org.sparkcnn.engine.train.GradientWorker;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * training.sampling = block-chunks: every gradient chunk is a full group drawn inside one block, the
 * weights are the same for any partitioning and either step exchange, and they are not shuffle's.
 * TrainingJobTest's run (its model, data and SGD): 300 examples in blocks of 32 (the last holds 12), chunks of 8.
 */
class BlockChunksSamplingTest {

    private static final int BATCH = 48;
    private static final int CHUNK = 8;

    private static TrainingJob.Config config(Sampling sampling, boolean loop, long maxSteps, int epochs) {
        return new TrainingJob.Config(5, epochs, maxSteps, BATCH, CHUNK, 0, 0).withSampling(sampling).withStepLoop(loop);
    }

    @Test
    void theSameBitsForAnyPartitioningAndEitherExchangeAndNotShufflesBits() {
        Map<String, String> hashes = new LinkedHashMap<>();
        List<TrainingJob.StepMetrics> metrics = new ArrayList<>();
        String shuffled;
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            for (int partitions : new int[]{1, 3, 8}) {
                metrics.clear();
                hashes.put(partitions + " partitions",
                        TrainingJobTest.train(sc, partitions, config(Sampling.BLOCK_CHUNKS, false, 0, 2), metrics).weightsSha256());
            }
            hashes.put("2 partitions, step loop", TrainingJobTest.train(sc, 2, config(Sampling.BLOCK_CHUNKS, true, 0, 2), new ArrayList<>())
                    .weightsSha256());
            shuffled = TrainingJobTest.train(sc, 3, config(Sampling.SHUFFLE, false, 0, 2), new ArrayList<>()).weightsSha256();
            assertEquals(7, TrainingJob.stepsPerEpoch(sc.parallelize(TrainingJobTest.blocks(), 2), 300, TrainingJobTest.MODEL,
                    BATCH, 32, Sampling.BLOCK_CHUNKS, CHUNK));
        }
        assertEquals(1, hashes.values().stream().distinct().count(), "weights differ: " + hashes);
        assertNotEquals(shuffled, hashes.get("1 partitions"), "block-chunks draws other batches than shuffle");
        // 9 blocks of 32 and one of 12 (one chunk of 8, 4 sit out): 296 examples an epoch, 6 x 48 + 8
        assertEquals(14, metrics.size());
        assertEquals(8, metrics.get(6).examples());
        assertTrue(metrics.get(6).endOfEpoch());
        assertEquals(296 * 2, metrics.stream().mapToInt(TrainingJob.StepMetrics::examples).sum());
        assertTrue(metrics.get(13).loss() < metrics.get(0).loss(), "loss falls: " + metrics.get(0).loss() + " -> " + metrics.get(13).loss());
    }

    @Test
    void aStepIsFullChunksAndEqualsTheEnginesSingleProcessStep() {
        float[] distributed;
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            distributed = TrainingJobTest.train(sc, 3, config(Sampling.BLOCK_CHUNKS, false, 1, 1), new ArrayList<>()).params();
        }
        List<ExampleBlock> blocks = TrainingJobTest.blocks();
        long[] firsts = blocks.stream().mapToLong(ExampleBlock::firstIndex).toArray();
        int[] sizes = blocks.stream().mapToInt(ExampleBlock::size).toArray();
        int[] perm = BatchSampler.grouped(5, firsts, sizes, BATCH, CHUNK).permutation(0);
        List<GradientWorker.Examples> chunks = ExecutorCompute.chunks(PartitionLayout.shareOfBatch(blocks.iterator(), perm, 0, BATCH), CHUNK);
        assertEquals(BATCH / CHUNK, chunks.size(), "a batch of 48 in 6 chunks");
        assertTrue(chunks.stream().allMatch(c -> c.rows().length == CHUNK), "every chunk full");
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(TrainingJobTest.MODEL, 5);
        FixedPointSum sum = new FixedPointSum();
        try (GradientWorker w = new GradientWorker(TrainingJobTest.MODEL, TrainingJobTest.NORM, CHUNK, 1)) {
            w.accumulate(params, chunks, BATCH, 5, 0, sum);
        }
        new Sgd(params.length, 0.9, 0, false, 0).step(params, sum.gradient(new float[params.length]), 0.05);
        assertArrayEquals(params, distributed);
    }

    @Test
    void aBatchThatIsNotWholeChunksIsRefusedNamingBothKeys() {
        try (JavaSparkContext sc = LocalSpark.start("local[1]")) {
            TrainingJob.Config cfg = new TrainingJob.Config(5, 1, 0, 50, CHUNK, 0, 0).withSampling(Sampling.BLOCK_CHUNKS);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TrainingJobTest.train(sc, 1, cfg, new ArrayList<>()));
            assertEquals("training.batch-size (50) must be a multiple of training.chunk-size (8) with training.sampling = "
                    + "block-chunks; use training.sampling = shuffle, or change either", e.getMessage());
        }
    }

    @Test
    void autoIsBlockChunksExceptForImageFoldersAndBadValuesAreNamed() {
        assertEquals(Sampling.BLOCK_CHUNKS, Sampling.of("auto", "idx"));
        assertEquals(Sampling.BLOCK_CHUNKS, Sampling.of("auto", "dataframe"));
        assertEquals(Sampling.SHUFFLE, Sampling.of("auto", "images"));
        assertEquals(Sampling.SHUFFLE, Sampling.of("shuffle", "idx"));
        assertEquals(Sampling.BLOCK_CHUNKS, Sampling.of("Block-Chunks", "images"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sampling.of("random", "idx"));
        assertEquals("training.sampling must be auto, shuffle or block-chunks, got 'random'", e.getMessage());
    }
}
