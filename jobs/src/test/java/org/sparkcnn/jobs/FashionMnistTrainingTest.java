package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.jobs.data.ExampleBlock;
import org.sparkcnn.jobs.data.IdxDataset;

/**
 * LeNet-5 on Fashion-MNIST (Debian's dataset-fashion-mnist) in local[2] for 2 epochs reaches at least
 * 85% test accuracy, with the main job's optimizer and a cosine schedule over the 2 epochs. Slow: runs in the {@code fashion-mnist} Maven profile, which CI enables.
 */
@Tag("fashion-mnist")
class FashionMnistTrainingTest {

    static final Path DIR = Path.of(System.getProperty("fashion.mnist.dir", "/usr/share/datasets/fashion-mnist"));

    @Test
    void lenet5ReachesAtLeast85PercentInTwoEpochs() throws Exception {
        assertTrue(Files.isDirectory(DIR), DIR + " is missing: apt-get install dataset-fashion-mnist");
        try (JavaSparkContext sc = LocalSpark.start("local[2]")) {
            Configuration conf = sc.hadoopConfiguration();
            IdxDataset train = IdxDataset.open(conf, DIR.resolve("train-images-idx3-ubyte.gz").toString(),
                    DIR.resolve("train-labels-idx1-ubyte.gz").toString(), 10);
            IdxDataset test = IdxDataset.open(conf, DIR.resolve("t10k-images-idx3-ubyte.gz").toString(),
                    DIR.resolve("t10k-labels-idx1-ubyte.gz").toString(), 10);
            JavaRDD<ExampleBlock> trainBlocks = train.load(sc, 1024, 2).persist(StorageLevel.MEMORY_AND_DISK());
            JavaRDD<ExampleBlock> testBlocks = test.load(sc, 1024, 2);
            Normalization norm = Datasets.normalization(trainBlocks);
            assertEquals(0.2860, norm.mean()[0], 1e-3, "Fashion-MNIST's pixel mean");
            assertEquals(0.3530, norm.std()[0], 1e-3, "Fashion-MNIST's pixel std");

            ModelDefinition lenet = ModelDefinition.load("lenet5");
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(lenet, 1);
            // The main job's optimizer (SGD 0.05, Nesterov momentum 0.9), its cosine annealed to 0 over these
            // 2 epochs: the last weights are a settled point, not one step of a noisy constant-rate walk.
            long steps = 2 * ((train.count() + 63) / 64);
            long t0 = System.nanoTime();
            TrainingJob.Result r = TrainingJob.train(sc, lenet, norm, trainBlocks, (int) train.count(), params,
                    new Sgd(params.length, 0.9, 0, true, 0), new LrSchedule.Cosine(0.05, LrSchedule.Unit.STEP, steps, 0),
                    new TrainingJob.Config(1, 2, 0, 64, 16, 0, 0), (m, p) -> true);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Evaluation.Counts c = Evaluation.evaluate(sc, lenet, norm, r.params(), testBlocks);
            System.out.printf("lenet5 fashion-mnist local[2]: %d steps in %.1f s (%.0f img/s), test accuracy %.4f, loss %.4f, weights sha256: %s%n",
                    r.steps(), seconds, 2 * train.count() / seconds, c.accuracy(), c.loss(), r.weightsSha256());
            assertEquals(10_000, c.examples());
            assertTrue(c.accuracy() >= 0.85, "test accuracy " + c.accuracy());
        }
    }
}
