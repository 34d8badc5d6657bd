package org.sparkcnn.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.jobs.Datasets;
import org.sparkcnn.jobs.LocalSpark;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.TrainingJobTestData;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * CnnClassifier in Spark ML pipelines: a VectorAssembler and the classifier fit, transform, save,
 * load and transform again identically; the weights equal those of TrainingJob on the same data
 * (the same code path); TrainValidationSplit over two learning rates runs; bad columns fail clearly.
 */
class CnnClassifierTest {

    static SparkSession spark;
    static Dataset<Row> pixels;
    static String modelFile;
    static String[] pixelColumns;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkSession.builder().config(LocalSpark.conf("local[2]")).getOrCreate();
        int size = TrainingJobTestData.MODEL.inputShape().size();
        List<StructField> fields = new ArrayList<>();
        fields.add(DataTypes.createStructField("id", DataTypes.LongType, false));
        pixelColumns = new String[size];
        for (int p = 0; p < size; p++) {
            pixelColumns[p] = "p" + p;
            fields.add(DataTypes.createStructField(pixelColumns[p], DataTypes.DoubleType, false));
        }
        fields.add(DataTypes.createStructField("label", DataTypes.DoubleType, false));
        List<Row> rows = new ArrayList<>();
        for (ExampleBlock b : TrainingJobTestData.blocks()) {
            for (int i = 0; i < b.size(); i++) {
                Object[] v = new Object[size + 2];
                v[0] = b.firstIndex() + i;
                for (int p = 0; p < size; p++) {
                    v[p + 1] = (double) b.features()[i * size + p];
                }
                v[size + 1] = (double) b.labels()[i];
                rows.add(RowFactory.create(v));
            }
        }
        pixels = spark.createDataFrame(rows, DataTypes.createStructType(fields)).repartition(3);
        Path model = tmp.resolve("tiny.json");
        Files.writeString(model, TrainingJobTestData.MODEL.toJsonString());
        modelFile = model.toString();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Pipeline pipeline(CnnClassifier cnn) {
        VectorAssembler assembler = new VectorAssembler().setInputCols(pixelColumns).setOutputCol("features");
        return new Pipeline().setStages(new PipelineStage[]{assembler, cnn});
    }

    private static CnnClassifier classifier() {
        return new CnnClassifier().setModelDefinition(modelFile).setEpochs(2).setBatchSize(48).setSeed(5)
                .setLearningRate(0.05).setOptimizerOptions("{\"momentum\": 0.9}");
    }

    private static List<Row> predictions(Dataset<Row> transformed) {
        return transformed.select("id", "prediction", "probability", "rawPrediction").orderBy("id").collectAsList();
    }

    @Test
    void aPipelineFitsTransformsSavesAndLoadsBackIdentically() throws IOException {
        PipelineModel fitted = pipeline(classifier()).fit(pixels);
        List<Row> before = predictions(fitted.transform(pixels));
        assertEquals(300, before.size());
        long correct = before.stream().filter(r -> r.getDouble(1) == pixels.where("id = " + r.getLong(0)).first()
                .getDouble(pixelColumns.length + 1)).count();
        assertTrue(correct > 30, "better than chance on its training data: " + correct + "/300");
        for (Row r : before) {
            Vector p = r.getAs(2);
            double sum = 0;
            for (double v : p.toArray()) {
                sum += v;
            }
            assertEquals(1.0, sum, 1e-5);
            assertEquals(p.argmax(), (int) r.getDouble(1));
        }

        String path = tmp.resolve("pipeline").toUri().toString();
        fitted.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        List<Row> after = predictions(loaded.transform(pixels));
        assertEquals(before, after, "the loaded pipeline predicts identically");
        CnnClassificationModel original = (CnnClassificationModel) fitted.stages()[1];
        CnnClassificationModel reloaded = (CnnClassificationModel) loaded.stages()[1];
        assertEquals(original.weightsSha256(), reloaded.weightsSha256());
        assertEquals(original.uid(), reloaded.uid());
        assertEquals(original.normalization(), reloaded.normalization());
    }

    @Test
    void anUnfittedPipelineSavesAndLoadsWithItsParams() throws IOException {
        String path = tmp.resolve("unfitted").toUri().toString();
        pipeline(classifier().setBlockSize(32).setOptimizer("adam")).write().overwrite().save(path);
        CnnClassifier loaded = (CnnClassifier) Pipeline.load(path).getStages()[1];
        assertEquals(32, loaded.getBlockSize());
        assertEquals("adam", loaded.getOptimizer());
        assertEquals(48, loaded.getBatchSize());
        assertEquals(modelFile, loaded.getModelDefinition());
    }

    @Test
    void encodedImagesPredictAsTheirPixelVectors() throws IOException {
        // 40 random 8x8 grey PNGs, and the same pixels (bytes / 255) as vectors
        java.util.SplittableRandom rng = new java.util.SplittableRandom(9);
        StructType schema = new StructType().add("id", DataTypes.LongType).add("image", DataTypes.BinaryType)
                .add("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        for (long id = 0; id < 40; id++) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            double[] v = new double[64];
            for (int p = 0; p < 64; p++) {
                int k = rng.nextInt(256);
                img.getRaster().setSample(p % 8, p / 8, 0, k);
                v[p] = k / 255f;
            }
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", png);
            rows.add(RowFactory.create(id, png.toByteArray(), org.apache.spark.ml.linalg.Vectors.dense(v), (double) (id % 10)));
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        CnnClassificationModel fromVectors = classifier().setEpochs(1).fit(df);
        List<Row> byVector = fromVectors.transform(df).select("id", "rawPrediction").orderBy("id").collectAsList();
        List<Row> byImage = fromVectors.copy(new ParamMap()).setFeaturesCol("image").transform(df.drop("features"))
                .select("id", "rawPrediction").orderBy("id").collectAsList();
        assertEquals(byVector, byImage);
        CnnClassificationModel fromImages = classifier().setEpochs(1).setFeaturesCol("image").fit(df.drop("features"));
        assertEquals(fromVectors.weightsSha256(), fromImages.weightsSha256(), "decoded images train exactly as their pixels");
    }

    /** augmentCropPadding, augmentHorizontalFlip, augmentErasing and no_decay_bias_and_norm reach the run as TrainingJob takes them. */
    @Test
    void augmentationAndTheDecayMaskReachTheTrainingJob() {
        String options = "{\"momentum\": 0.9, \"weight_decay\": 0.01, \"no_decay_bias_and_norm\": true}";
        CnnClassifier augmented = classifier().setBlockSize(32).setAugmentCropPadding(2).setAugmentHorizontalFlip(true).setAugmentErasing(0.5)
                .setOptimizerOptions(options);
        CnnClassificationModel model = (CnnClassificationModel) pipeline(augmented).fit(pixels.orderBy("id")).stages()[1];
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        var blocks = sc.parallelize(TrainingJobTestData.blocks(), 2).cache();
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(TrainingJobTestData.MODEL, 5);
        org.sparkcnn.engine.optim.Optimizer sgd = org.sparkcnn.engine.optim.Optimizers.create("sgd",
                java.util.Map.of("momentum", 0.9, "weight_decay", 0.01, "no_decay_bias_and_norm", true), TrainingJobTestData.MODEL);
        TrainingJob.Result direct = TrainingJob.train(sc, TrainingJobTestData.MODEL, Datasets.normalization(blocks), blocks,
                300, params, sgd, new LrSchedule.Constant(0.05),
                new TrainingJob.Config(5, 2, 0, 48, 16, 0, 0, 0, false, 0, new org.sparkcnn.engine.train.Augmentation(2, true, 0.5))
                        .withSampling(org.sparkcnn.jobs.Sampling.BLOCK_CHUNKS),
                (m, p) -> true);
        blocks.unpersist();
        assertEquals(direct.weightsSha256(), model.weightsSha256());
        CnnClassificationModel plain = (CnnClassificationModel) pipeline(classifier().setBlockSize(32)
                .setOptimizerOptions(options)).fit(pixels.orderBy("id")).stages()[1];
        assertTrue(!plain.weightsSha256().equals(model.weightsSha256()), "augmentation changes the weights");
        assertTrue(augmented.trainingParams().contains("augmentCropPadding = 2\n")
                && augmented.trainingParams().contains("augmentHorizontalFlip = true\n")
                && augmented.trainingParams().contains("augmentErasing = 0.5\n"), augmented.trainingParams());
    }

    /** A checkpoint from before the augment params resumes when they are at their defaults. */
    @Test
    void paramsNewerThanACheckpointMatchOnlyAtTheirDefaults() {
        CnnClassifier c = classifier();
        String older = java.util.Arrays.stream(c.trainingParams().split("\n")).filter(l -> !l.startsWith("augment"))
                .map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
        assertTrue(!older.equals(c.trainingParams()) && c.paramsMatch(older));
        assertTrue(c.paramsMatch(c.trainingParams()));
        assertTrue(!c.copy(new ParamMap()).setAugmentErasing(0.5).paramsMatch(older));
        assertTrue(!c.copy(new ParamMap()).setLearningRate(0.1).paramsMatch(c.trainingParams()));
        // before sampling existed, fit drew shuffle's batches: only shuffle matches such a checkpoint
        String beforeSampling = java.util.Arrays.stream(c.trainingParams().split("\n")).filter(l -> !l.startsWith("sampling"))
                .map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
        assertTrue(!c.paramsMatch(beforeSampling), "the default, auto, is block-chunks");
        assertTrue(c.copy(new ParamMap()).setSampling("shuffle").paramsMatch(beforeSampling));
    }

    @Test
    void fitRunsTheSameTrainingJobAsTheTrainer() {
        // Rows in id order, so that the classifier's example i is the trainer's example i; blocks of
        // 32 as TrainingJobTest cuts them (the block size is part of the determinism contract).
        CnnClassificationModel model = (CnnClassificationModel) pipeline(classifier().setBlockSize(32))
                .fit(pixels.orderBy("id")).stages()[1];
        CnnClassificationModel otherPartitioning = (CnnClassificationModel) pipeline(classifier().setBlockSize(32))
                .fit(pixels.orderBy("id").coalesce(1)).stages()[1];
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        var blocks = sc.parallelize(TrainingJobTestData.blocks(), 2).cache();
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(TrainingJobTestData.MODEL, 5);
        TrainingJob.Result direct = TrainingJob.train(sc, TrainingJobTestData.MODEL, Datasets.normalization(blocks), blocks,
                300, params, new Sgd(params.length, 0.9, 0, false, 0), new LrSchedule.Constant(0.05),
                new TrainingJob.Config(5, 2, 0, 48, 16, 0, 0).withSampling(org.sparkcnn.jobs.Sampling.BLOCK_CHUNKS), (m, p) -> true);
        blocks.unpersist();
        assertEquals(direct.weightsSha256(), model.weightsSha256(), "the same weights as TrainingJob on the same examples "
                + "(sampling auto: block-chunks)");
        assertEquals(model.weightsSha256(), otherPartitioning.weightsSha256(), "the same rows in one partition");
        CnnClassificationModel repartitioned = (CnnClassificationModel) pipeline(classifier().setBlockSize(32).setNumPartitions(5))
                .fit(pixels.orderBy("id")).stages()[1];
        assertEquals(model.weightsSha256(), repartitioned.weightsSha256(), "numPartitions = 5 changes where, not what");
    }

    @Test
    void aBatchNormModelFitsLikeTheTrainingJobAndSavesItsRunningStatistics() throws IOException {
        ModelDefinition def = org.sparkcnn.jobs.BatchNormTrainingTestData.MODEL;
        Path file = tmp.resolve("tinybn.json");
        Files.writeString(file, def.toJsonString());
        CnnClassifier bn = classifier().setModelDefinition(file.toString()).setBlockSize(32).setBatchSize(32).setBnGroupSize(8);
        PipelineModel fitted = pipeline(bn).fit(pixels.orderBy("id"));
        CnnClassificationModel model = (CnnClassificationModel) fitted.stages()[1];
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        var blocks = sc.parallelize(TrainingJobTestData.blocks(), 3).cache();
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 5);
        float[] buffers = def.initialBuffers();
        TrainingJob.Result direct = TrainingJob.train(sc, def, Datasets.normalization(blocks), blocks, 300, params, buffers,
                new Sgd(params.length, 0.9, 0, false, 0), new LrSchedule.Constant(0.05),
                new TrainingJob.Config(5, 2, 0, 32, 16, 0, 0), 8, (m, p) -> true);
        blocks.unpersist();
        assertEquals(direct.weightsSha256(), model.weightsSha256(), "weights and running statistics as TrainingJob's");
        assertTrue(java.util.Arrays.equals(buffers, model.buffers()));
        assertTrue(!java.util.Arrays.equals(buffers, def.initialBuffers()));
        Path saved = tmp.resolve("bn-pipeline");
        fitted.write().overwrite().save(saved.toString());
        PipelineModel loaded = PipelineModel.load(saved.toString());
        CnnClassificationModel back = (CnnClassificationModel) loaded.stages()[1];
        assertEquals(model.weightsSha256(), back.weightsSha256());
        assertEquals(predictions(fitted.transform(pixels)), predictions(loaded.transform(pixels)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipeline(classifier().setModelDefinition(file.toString()).setBlockSize(32).setBatchSize(36).setBnGroupSize(8))
                        .fit(pixels));
        assertTrue(e.getMessage().contains("must be multiples of bnGroupSize (8)"), e.getMessage());
    }

    @Test
    void anMseModelFitsWithEitherReductionAndPredictsTheArgmax() throws IOException {
        // mean: dL/da = 2(a - y)/(B K), small, so a larger rate; half_sum: the sum over the batch, so a smaller one
        for (Object[] c : new Object[][]{{Loss.mse(true), 1.0}, {Loss.mse(false), 0.002}}) {
            Loss loss = (Loss) c[0];
            double lr = (Double) c[1];
            ModelDefinition def = new ModelDefinition("tiny-mse", TrainingJobTestData.MODEL.inputShape(),
                    TrainingJobTestData.MODEL.layers(), loss);
            Path file = tmp.resolve("tiny-mse-" + loss.mean() + ".json");
            Files.writeString(file, def.toJsonString());
            CnnClassificationModel model = (CnnClassificationModel) pipeline(classifier().setModelDefinition(file.toString())
                    .setBlockSize(32).setEpochs(6).setLearningRate(lr).setSampling("shuffle")).fit(pixels.orderBy("id")).stages()[1];
            assertEquals(loss, model.definition().loss());

            // the same weights as TrainingJob on the same examples, whose step losses fall
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            var blocks = sc.parallelize(TrainingJobTestData.blocks(), 2).cache();
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 5);
            List<Double> losses = new ArrayList<>();
            TrainingJob.Result direct = TrainingJob.train(sc, def, Datasets.normalization(blocks), blocks, 300, params,
                    new Sgd(params.length, 0.9, 0, false, 0), new LrSchedule.Constant(lr),
                    new TrainingJob.Config(5, 6, 0, 48, 16, 0, 0), (m, p) -> losses.add(m.loss()));
            blocks.unpersist();
            assertEquals(direct.weightsSha256(), model.weightsSha256(), loss + ": the estimator runs TrainingJob");
            double first = (losses.get(0) + losses.get(1) + losses.get(2)) / 3;
            double last = (losses.get(39) + losses.get(40) + losses.get(41)) / 3;
            assertTrue(last < 0.8 * first, loss + ": the training loss falls: " + first + " -> " + last);

            VectorAssembler assembler = new VectorAssembler().setInputCols(pixelColumns).setOutputCol("features");
            List<Row> out = model.transform(assembler.transform(pixels)).select("prediction", "rawPrediction", "label")
                    .collectAsList();
            long correct = 0;
            for (Row r : out) {
                assertEquals(((Vector) r.getAs(1)).argmax(), (int) r.getDouble(0), "the class is the largest output");
                correct += r.getDouble(0) == r.getDouble(2) ? 1 : 0;
            }
            assertTrue(correct > 150, loss + ": most of its training data right (chance is 30): " + correct + "/300");
        }
    }

    @Test
    void trainValidationSplitOverTwoLearningRatesRuns() {
        CnnClassifier cnn = classifier().setEpochs(1);
        ParamMap[] grid = new ParamGridBuilder().addGrid(cnn.learningRate(), new double[]{0.01, 0.1}).build();
        TrainValidationSplit tvs = new TrainValidationSplit().setEstimator(pipeline(cnn)).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setTrainRatio(0.75).setSeed(3);
        TrainValidationSplitModel best = tvs.fit(pixels);
        assertEquals(2, best.validationMetrics().length);
        for (double m : best.validationMetrics()) {
            assertTrue(m >= 0 && m <= 1, "accuracy " + m);
        }
        PipelineModel bestModel = (PipelineModel) best.bestModel();
        assertTrue(bestModel.stages()[1] instanceof CnnClassificationModel);
    }

    @Test
    void badColumnsFailNamingThem() {
        Dataset<Row> assembled = new VectorAssembler().setInputCols(java.util.Arrays.copyOf(pixelColumns, 10))
                .setOutputCol("features").transform(pixels);
        // found on the executors: Spark's job failure carries the message naming the row
        Exception e = assertThrows(Exception.class, () -> classifier().fit(assembled));
        assertTrue(e.getMessage().contains("features column 'features' has 10 values; the model's input 1x8x8 needs 64"),
                e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> classifier().setLabelCol("class").fit(assembled));
        assertTrue(missing.getMessage().contains("label column 'class' must be a numeric column"), missing.getMessage());
    }
}
