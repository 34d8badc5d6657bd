package org.sparkcnn.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.apache.spark.sql.functions.col;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.jobs.Datasets;
import org.sparkcnn.jobs.LocalSpark;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.testing.MiniHdfs;
import org.sparkcnn.jobs.testing.S3MockServer;

/**
 * CSV, Parquet (plain and SparkCNN shards) and image folders, written locally and copied to a real
 * HDFS (MiniDFSCluster) and a real S3 API (S3Mock): every read gives exactly the local tensors and
 * labels, training steps run from each, and bad files fail with messages naming file and record.
 */
class DatasetFormatsTest {

    static final Shape SHAPE = new Shape(1, 6, 6);
    static final int COUNT = 150;
    static final int CLASSES = 5;
    static final int BLOCK = 16;
    static final LabeledData.BadRecords FAIL = LabeledData.BadRecords.FAIL;
    static final CsvDataset.Options CSV = new CsvDataset.Options(true, 0, 255, FAIL);

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static JavaSparkContext sc;
    static int[][] pixels = new int[COUNT][];
    static int[] labels = new int[COUNT];
    static Map<String, String> roots = new TreeMap<>();  // storage -> root URI holding every format

    @BeforeAll
    static void writeEverywhere() throws IOException {
        spark = SparkSession.builder().config(LocalSpark.conf("local[2]")).getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SplittableRandom rng = new SplittableRandom(4);
        for (int i = 0; i < COUNT; i++) {
            labels[i] = rng.nextInt(CLASSES);
            pixels[i] = new int[SHAPE.size()];
            for (int p = 0; p < SHAPE.size(); p++) {
                pixels[i][p] = rng.nextInt(256);
            }
        }
        Path local = tmp.resolve("local");
        // CSV: two files in name order, the second gzipped, both with a header
        Files.createDirectories(local.resolve("csv"));
        Files.writeString(local.resolve("csv/a.csv"), csv(0, 80));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(local.resolve("csv/b.csv.gz")))) {
            out.write(csv(80, COUNT).getBytes(StandardCharsets.UTF_8));
        }
        // PNG class folders: c<label>/<index>.png
        for (int i = 0; i < COUNT; i++) {
            Path f = local.resolve("images/c" + labels[i] + String.format("/%05d.png", i));
            Files.createDirectories(f.getParent());
            ImageIO.write(image(pixels[i]), "png", f.toFile());
        }
        // Parquet: label + array<int> features, two files in index order, no index column
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            List<Integer> v = new ArrayList<>();
            for (int p : pixels[i]) {
                v.add(p);
            }
            rows.add(RowFactory.create(i, labels[i], v));
        }
        StructType schema = new StructType().add("i", DataTypes.IntegerType).add("label", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.IntegerType));
        spark.createDataFrame(rows, schema).repartitionByRange(2, col("i")).sortWithinPartitions("i").drop("i")
                .write().parquet(local.resolve("parquet").toString());
        // IDX: the images and labels files
        Files.createDirectories(local.resolve("idx"));
        byte[] px = new byte[COUNT * SHAPE.size()];
        byte[] lb = new byte[COUNT];
        for (int i = 0; i < COUNT; i++) {
            lb[i] = (byte) labels[i];
            for (int p = 0; p < SHAPE.size(); p++) {
                px[i * SHAPE.size() + p] = (byte) pixels[i][p];
            }
        }
        Files.write(local.resolve("idx/train-images-idx3-ubyte"), IdxDatasetTest.idx(0x08, new int[]{COUNT, 6, 6}, px));
        Files.write(local.resolve("idx/train-labels-idx1-ubyte"), IdxDatasetTest.idx(0x08, new int[]{COUNT}, lb));
        roots.put("file", local.toUri().toString());

        FileSystem hdfs = MiniHdfs.fs();
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path("/formats"));
        roots.put("hdfs", MiniHdfs.uri("/formats"));

        S3MockServer s3 = S3MockServer.get();
        s3.configure(sc.hadoopConfiguration());
        s3.createBucket("formats");
        org.apache.hadoop.fs.Path s3root = new org.apache.hadoop.fs.Path("s3a://formats/data");
        s3root.getFileSystem(sc.hadoopConfiguration()).copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), s3root);
        roots.put("s3a", "s3a://formats/data");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static String csv(int from, int to) {
        StringBuilder sb = new StringBuilder("label");
        for (int p = 0; p < SHAPE.size(); p++) {
            sb.append(",p").append(p);
        }
        sb.append('\n');
        for (int i = from; i < to; i++) {
            sb.append(labels[i]);
            for (int p : pixels[i]) {
                sb.append(',').append(p);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static BufferedImage image(int[] px) {
        BufferedImage img = new BufferedImage(SHAPE.width(), SHAPE.height(), BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < px.length; p++) {
            img.getRaster().setSample(p % SHAPE.width(), p / SHAPE.width(), 0, px[p]);
        }
        return img;
    }

    private static LabeledData open(String format, String root) throws IOException {
        Configuration conf = sc.hadoopConfiguration();
        return switch (format) {
            case "idx" -> IdxDataset.locate(conf, root + "/idx", List.of("train"), CLASSES);
            case "csv" -> CsvDataset.open(conf, root + "/csv", null, CLASSES, CSV);
            case "parquet" -> ParquetDataset.open(spark, root + "/parquet", SHAPE, CLASSES, "label", "features", 255, FAIL);
            case "images" -> ImageFolderDataset.open(spark, root + "/images", SHAPE, CLASSES, FAIL);
            default -> throw new IllegalArgumentException(format);
        };
    }

    /** Every example's label and pixels (as 8-bit values), by dataset index. */
    private static int[][] flatten(JavaRDD<ExampleBlock> blocks) {
        int[][] out = new int[COUNT][];
        for (ExampleBlock b : blocks.collect()) {
            assertEquals(0, b.firstIndex() % BLOCK, "blocks sit on the grid");
            for (int i = 0; i < b.size(); i++) {
                int[] e = new int[SHAPE.size() + 1];
                e[0] = b.labels()[i];
                for (int p = 0; p < SHAPE.size(); p++) {
                    e[p + 1] = Math.round(b.features()[i * SHAPE.size() + p] * 255f);
                }
                out[(int) (b.firstIndex() + i)] = e;
            }
        }
        return out;
    }

    /** The expected examples in a format's canonical order (images: sorted by path, i.e. by class then index). */
    private static int[][] expected(String format) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            order.add(i);
        }
        if (format.equals("images")) {
            order.sort((a, b) -> String.format("c%d/%05d", labels[a], a).compareTo(String.format("c%d/%05d", labels[b], b)));
        }
        int[][] out = new int[COUNT][];
        for (int k = 0; k < COUNT; k++) {
            int i = order.get(k);
            out[k] = new int[SHAPE.size() + 1];
            out[k][0] = labels[i];
            System.arraycopy(pixels[i], 0, out[k], 1, SHAPE.size());
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"idx", "csv", "parquet", "images"})
    void hdfsAndS3ReadExactlyWhatTheLocalDiskHolds(String format) throws IOException {
        int[][] want = expected(format);
        String localWeights = null;
        for (Map.Entry<String, String> root : roots.entrySet()) {
            LabeledData d = open(format, root.getValue());
            assertEquals(SHAPE, d.shape());
            JavaRDD<ExampleBlock> blocks = d.read(sc, BLOCK, 3).blocks().cache();
            int[][] got = flatten(blocks);
            for (int i = 0; i < COUNT; i++) {
                assertArrayEquals(want[i], got[i], format + " on " + root.getKey() + ", example " + i);
            }
            String weights = trainAFewSteps(blocks);
            if (localWeights == null) {
                localWeights = weights;
            }
            assertEquals(localWeights, weights, format + " on " + root.getKey() + ": the same weights as from the local disk");
            blocks.unpersist();
        }
    }

    private static String trainAFewSteps(JavaRDD<ExampleBlock> blocks) {
        ModelDefinition def = ModelDefinition.builder("tiny", SHAPE).conv2d("c", 4, 3, 1, 1).relu().flatten().dense("d", CLASSES)
                .build(Loss.SOFTMAX_CROSS_ENTROPY);
        Normalization norm = Datasets.normalization(blocks);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
        TrainingJob.Result r = TrainingJob.train(sc, def, norm, blocks, COUNT, params, new Sgd(params.length),
                new LrSchedule.Constant(0.05), new TrainingJob.Config(1, 0, 4, 32, 8, 0, 0), (m, p) -> Double.isFinite(m.loss()));
        assertEquals(4, r.steps());
        return r.weightsSha256();
    }

    @Test
    void shardsRoundTripEveryFormatAndReadFromS3() throws IOException {
        for (String format : List.of("csv", "images")) {
            LabeledData d = open(format, roots.get("file"));
            JavaRDD<ExampleBlock> blocks = d.read(sc, BLOCK, 2).blocks().cache();
            String out = roots.get("s3a") + "/shards-" + format;
            Shards.Written w = Shards.write(spark, blocks, BLOCK, SHAPE, CLASSES, List.of(), Datasets.normalization(blocks), out, 3, false);
            assertEquals(COUNT, w.count());
            assertEquals("uint8", w.dtype());
            assertEquals(3, w.files());
            ParquetDataset shards = ParquetDataset.open(spark, out, null, CLASSES, "label", "features", 255, FAIL);
            assertEquals(SHAPE, shards.shape(), "from the manifest");
            int[][] want = expected(format), got = flatten(shards.read(sc, BLOCK, 2).blocks());
            for (int i = 0; i < COUNT; i++) {
                assertArrayEquals(want[i], got[i], format + " shards, example " + i);
            }
            IOException exists = assertThrows(IOException.class,
                    () -> Shards.write(spark, blocks, BLOCK, SHAPE, CLASSES, List.of(), Normalization.IDENTITY, out, 3, false));
            assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
            blocks.unpersist();
        }
    }

    @Test
    void shardsOfWholeBlocksAreReadWithoutAShuffleAndGiveTheSameExamples() throws IOException {
        JavaRDD<ExampleBlock> source = open("csv", roots.get("file")).read(sc, BLOCK, 2).blocks().cache();
        String out = roots.get("file") + "/shards-aligned";
        Shards.write(spark, source, BLOCK, SHAPE, CLASSES, List.of(), Normalization.IDENTITY, out, 4, false);
        source.unpersist();
        com.fasterxml.jackson.databind.JsonNode files = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Path.of(java.net.URI.create(out)).resolve(ParquetDataset.MANIFEST).toFile()).get("files");
        assertEquals(4, files.size());
        long next = 0;
        for (com.fasterxml.jackson.databind.JsonNode f : files) {  // in index order, whole blocks, balanced within one
            assertEquals(next, f.get("first").asLong(), files.toString());
            assertEquals(0, f.get("first").asLong() % BLOCK, files.toString());
            assertTrue(f.get("count").asLong() >= 2 * BLOCK && f.get("count").asLong() <= 3 * BLOCK, files.toString());
            next += f.get("count").asLong();
        }
        assertEquals(COUNT, next);

        ParquetDataset shards = ParquetDataset.open(spark, out, null, CLASSES, "label", "features", 255, FAIL);
        int[][] want = expected("csv");
        // block size 16 (the grid the files hold): read directly, as whole files (2 tasks) or slices (7 tasks);
        // 8 divides it: directly too; 5 does not divide the files' ranges: Spark's reader and a shuffle join
        for (int[] c : new int[][]{{BLOCK, 2}, {BLOCK, 7}, {8, 3}, {5, 3}}) {
            int blockSize = c[0], partitions = c[1];
            JavaRDD<ExampleBlock> blocks = shards.read(sc, blockSize, partitions).blocks();
            String lineage = blocks.toDebugString();
            assertEquals(blockSize == 5, lineage.contains("ShuffledRDD"), blockSize + ": " + lineage);
            if (blockSize == BLOCK) {
                assertEquals(partitions == 2 ? 2 : 7, blocks.getNumPartitions());
            }
            int[][] got = new int[COUNT][];
            for (ExampleBlock b : blocks.collect()) {
                assertEquals(0, b.firstIndex() % blockSize, "on the grid");
                assertEquals(Math.min(blockSize, COUNT - b.firstIndex()), b.size(), "a whole block at " + b.firstIndex());
                for (int i = 0; i < b.size(); i++) {
                    int[] e = new int[SHAPE.size() + 1];
                    e[0] = b.labels()[i];
                    for (int q = 0; q < SHAPE.size(); q++) {
                        e[q + 1] = Math.round(b.features()[i * SHAPE.size() + q] * 255f);
                    }
                    assertTrue(got[(int) (b.firstIndex() + i)] == null, "example " + (b.firstIndex() + i) + " read twice");
                    got[(int) (b.firstIndex() + i)] = e;
                }
            }
            for (int i = 0; i < COUNT; i++) {
                assertArrayEquals(want[i], got[i], "block size " + blockSize + ", " + partitions + " partitions, example " + i);
            }
        }

        // the same direct read through HDFS (the S3 round trip above reads shards through S3A)
        String onHdfs = roots.get("hdfs") + "/shards-aligned";
        Shards.write(spark, open("csv", roots.get("file")).read(sc, BLOCK, 2).blocks(), BLOCK, SHAPE, CLASSES, List.of(),
                Normalization.IDENTITY, onHdfs, 4, false);
        JavaRDD<ExampleBlock> fromHdfs = ParquetDataset.open(spark, onHdfs, null, CLASSES, "label", "features", 255, FAIL)
                .read(sc, BLOCK, 3).blocks();
        assertFalse(fromHdfs.toDebugString().contains("ShuffledRDD"), fromHdfs.toDebugString());
        int[][] got = flatten(fromHdfs);
        for (int i = 0; i < COUNT; i++) {
            assertArrayEquals(want[i], got[i], "shards on HDFS, example " + i);
        }
    }

    @Test
    void shardFilesThatDisagreeWithTheManifestAreNamed() throws IOException {
        JavaRDD<ExampleBlock> source = open("csv", roots.get("file")).read(sc, BLOCK, 2).blocks();
        String out = roots.get("file") + "/shards-tampered";
        // 150 examples in blocks of 16 over 3 files: 3, 3 and 4 blocks, so 48, 48 and 54 rows
        Shards.write(spark, source, BLOCK, SHAPE, CLASSES, List.of(), Normalization.IDENTITY, out, 3, false);
        Path dir = Path.of(java.net.URI.create(out));
        Path manifest = dir.resolve(ParquetDataset.MANIFEST);
        String original = Files.readString(manifest);
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(original);
        var files = (com.fasterxml.jackson.databind.node.ArrayNode) json.get("files");
        var file0 = (com.fasterxml.jackson.databind.node.ObjectNode) files.get(0);
        var file1 = (com.fasterxml.jackson.databind.node.ObjectNode) files.get(1);
        assertEquals(48, file0.get("count").asInt());
        assertEquals(48, file1.get("count").asInt());
        String first = file0.get("name").asText(), second = file1.get("name").asText();

        // the first two files' names swapped: the row counts agree, the indices do not
        file0.put("name", second);
        file1.put("name", first);
        rewrite(manifest, json.toString());
        ParquetDataset swapped = ParquetDataset.open(spark, out, null, CLASSES, "label", "features", 255, FAIL);
        String whole = rootMessage(assertThrows(Exception.class, () -> swapped.read(sc, BLOCK, 2).blocks().count()));
        assertTrue(whole.contains(second + " row 0 (index 0): the 'index' column is 48; the manifest gives this file the"
                + " indices 0..47 in order"), whole);
        // in slices, a filter on the index finds none of a slice's rows (whichever of the two files' tasks fails first)
        String sliced = rootMessage(assertThrows(Exception.class, () -> swapped.read(sc, BLOCK, 7).blocks().count()));
        assertTrue(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(second) + ": the rows with index \\d+\\.\\.\\d+ are"
                + " missing; the manifest gives this file the indices 0\\.\\.47 in order").matcher(sliced).find()
                || java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(first) + ": the rows with index \\d+\\.\\.\\d+ are"
                + " missing; the manifest gives this file the indices 48\\.\\.95 in order").matcher(sliced).find(), sliced);

        // ranges that still tile the dataset but give the first file fewer rows than it holds: named by its row count
        file0.put("name", first).put("count", 32);
        file1.put("name", second).put("first", 32).put("count", 64);
        rewrite(manifest, json.toString());
        ParquetDataset recounted = ParquetDataset.open(spark, out, null, CLASSES, "label", "features", 255, FAIL);
        for (int partitions : new int[]{2, 7}) {
            String message = rootMessage(assertThrows(Exception.class, () -> recounted.read(sc, BLOCK, partitions).blocks().count()));
            assertTrue(message.contains(first + ": 48 rows; the manifest gives this file the indices 0..31 in order (32 rows)")
                    || message.contains(second + ": 48 rows; the manifest gives this file the indices 32..95 in order (64 rows)"),
                    partitions + " partitions: " + message);
        }

        rewrite(manifest, original);
        Files.delete(dir.resolve(second));
        IOException missing = assertThrows(IOException.class,
                () -> ParquetDataset.open(spark, out, null, CLASSES, "label", "features", 255, FAIL));
        assertTrue(missing.getMessage().contains("the files do not match _manifest.json (missing: [" + second + "]"),
                missing.getMessage());
    }

    /** Rewrites a local file, dropping the local file system's checksum of the old text. */
    private static void rewrite(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    }

    private static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    @Test
    void aSeededValidationSplitDependsOnlyOnTheSeedAndIndex() throws IOException {
        LabeledData d = open("csv", roots.get("file"));
        List<int[][]> results = new ArrayList<>();
        for (int partitions : new int[]{1, 3}) {
            JavaRDD<ExampleBlock>[] parts = Blocks.split(d.read(sc, BLOCK, partitions).blocks(), 7, 0.2, BLOCK, partitions);
            List<ExampleBlock> kept = parts[0].collect(), held = parts[1].collect();
            long nKept = kept.stream().mapToInt(ExampleBlock::size).sum(), nHeld = held.stream().mapToInt(ExampleBlock::size).sum();
            assertEquals(COUNT, nKept + nHeld);
            assertTrue(nHeld > 10 && nHeld < 50, "about a fifth held out: " + nHeld);
            for (List<ExampleBlock> part : List.of(kept, held)) {
                long n = part.stream().mapToInt(ExampleBlock::size).sum();
                java.util.BitSet seen = new java.util.BitSet();
                for (ExampleBlock b : part) {
                    assertEquals(0, b.firstIndex() % BLOCK, "on the grid");
                    seen.set((int) b.firstIndex(), (int) b.firstIndex() + b.size());
                }
                assertEquals(n, seen.cardinality());
                assertEquals(n, seen.nextClearBit(0), "re-indexed 0..n-1");
            }
            int[][] both = new int[2][];
            both[0] = kept.stream().sorted(java.util.Comparator.comparingLong(ExampleBlock::firstIndex))
                    .flatMapToInt(b -> java.util.Arrays.stream(b.labels())).toArray();
            both[1] = held.stream().sorted(java.util.Comparator.comparingLong(ExampleBlock::firstIndex))
                    .flatMapToInt(b -> java.util.Arrays.stream(b.labels())).toArray();
            results.add(both);
        }
        assertArrayEquals(results.get(0)[0], results.get(1)[0], "the same training part for 1 and 3 partitions");
        assertArrayEquals(results.get(0)[1], results.get(1)[1], "the same validation part for 1 and 3 partitions");
    }

    @Test
    void badParquetRowsFailNamingTheRowOrAreSkipped() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            List<Integer> v = new ArrayList<>();
            for (int p = 0; p < (i == 7 ? 5 : SHAPE.size()); p++) {
                v.add(pixels[i][p]);
            }
            rows.add(RowFactory.create(labels[i], v));
        }
        StructType schema = new StructType().add("label", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.IntegerType));
        String out = tmp.resolve("bad-parquet").toString();
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(out);
        ParquetDataset failing = ParquetDataset.open(spark, out, SHAPE, CLASSES, "label", "features", 255, FAIL);
        Exception e = assertThrows(Exception.class, () -> failing.read(sc, BLOCK, 2).blocks().count());
        assertTrue(e.getMessage().contains("row 7, column 'features': 5 values; the shape 1x6x6 needs 36"), e.getMessage());
        LabeledData.Loaded skipped = ParquetDataset.open(spark, out, SHAPE, CLASSES, "label", "features", 255,
                LabeledData.BadRecords.SKIP).read(sc, BLOCK, 2);
        assertEquals(1, skipped.skipped());
        assertTrue(skipped.firstSkipped().get(0).contains("row 7"), skipped.firstSkipped().toString());
        int[][] got = new int[19][];
        for (ExampleBlock b : skipped.blocks().collect()) {
            for (int i = 0; i < b.size(); i++) {
                got[(int) b.firstIndex() + i] = new int[]{b.labels()[i]};
            }
        }
        for (int k = 0; k < 19; k++) {
            assertEquals(labels[k < 7 ? k : k + 1], got[k][0], "good rows numbered consecutively, row " + k);
        }
    }

    @Test
    void aShardIndexThatDoesNotNumberTheRowsOnceEachIsRefused() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add(RowFactory.create(labels[i], new byte[SHAPE.size()], (long) (i == 9 ? 3 : i)));
        }
        StructType schema = new StructType().add("label", DataTypes.IntegerType).add("features", DataTypes.BinaryType)
                .add(ParquetDataset.INDEX, DataTypes.LongType);
        String out = tmp.resolve("bad-index").toString();
        spark.createDataFrame(rows, schema).coalesce(2).write().parquet(out);
        Files.writeString(Path.of(out, ParquetDataset.MANIFEST), "{\"shape\": [1, 6, 6], \"classes\": " + CLASSES + "}");
        IOException e = assertThrows(IOException.class,
                () -> ParquetDataset.open(spark, out, null, CLASSES, "label", "features", 255, FAIL));
        assertTrue(e.getMessage().contains("the 'index' column must number the 10 rows 0..9 once each, but it runs from 0 to 8"
                + " with 9 distinct values"), e.getMessage());
    }

    private Path badCsv(String name, String rows) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bad-" + name));
        Files.writeString(dir.resolve("data.csv"), csv(0, 20) + rows + csv(20, 30).substring(csv(20, 30).indexOf('\n') + 1));
        return dir;
    }

    @Test
    void badCsvRowsFailNamingFileAndLineOrAreSkippedAndCounted() throws IOException {
        String row = "1" + ",7".repeat(SHAPE.size());
        Map<String, String[]> cases = Map.of(
                "cells", new String[]{"1,2,3\n", "expected 37 cells (a label and 36 pixels), got 3"},
                "number", new String[]{row.replaceFirst(",7", ",x7") + "\n", "cell 2 'x7' is not a number"},
                "finite", new String[]{row.replaceFirst(",7", ",NaN") + "\n", "cell 2 is NaN (not finite)"},
                "label", new String[]{"9" + row.substring(1) + "\n", "label '9' is not a whole number in [0, 5)"});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            Path dir = badCsv(c.getKey(), c.getValue()[0]);
            CsvDataset d = CsvDataset.open(sc.hadoopConfiguration(), dir.toString(), SHAPE, CLASSES, CSV);
            Exception e = assertThrows(Exception.class, () -> d.read(sc, BLOCK, 2).blocks().count());
            assertTrue(e.getMessage().contains(dir.resolve("data.csv").toUri().getPath() + ":22: " + c.getValue()[1]),
                    c.getKey() + ": " + e.getMessage());
            CsvDataset skipping = CsvDataset.open(sc.hadoopConfiguration(), dir.toString(), SHAPE, CLASSES,
                    new CsvDataset.Options(true, 0, 255, LabeledData.BadRecords.SKIP));
            LabeledData.Loaded l = skipping.read(sc, BLOCK, 2);
            assertEquals(1, l.skipped());
            assertTrue(l.firstSkipped().get(0).contains("data.csv:22: " + c.getValue()[1]), l.firstSkipped().toString());
            assertEquals(30, l.blocks().map(ExampleBlock::size).fold(0, Integer::sum));
            // nothing is written from a bad dataset
            String out = tmp.resolve("shards-from-bad-" + c.getKey()).toString();
            assertThrows(Exception.class, () -> Shards.write(spark, d.read(sc, BLOCK, 2).blocks(), BLOCK, SHAPE, CLASSES, List.of(),
                    Normalization.IDENTITY, out, 2, false));
            assertFalse(Files.exists(Path.of(out)), "no output from a failed conversion");
        }
    }

    @Test
    void anEmptyImageFileIsABadRecordNotAMissingOne() throws IOException {
        for (int k = 0; k < CLASSES; k++) {
            Path f = Files.createDirectories(tmp.resolve("with-empty/c" + k)).resolve("ok.png");
            ImageIO.write(image(pixels[k]), "png", f.toFile());
        }
        Files.write(tmp.resolve("with-empty/c3/empty.png"), new byte[0]);
        String root = tmp.resolve("with-empty").toString();
        ImageFolderDataset strict = ImageFolderDataset.open(spark, root, SHAPE, CLASSES, FAIL);
        IOException e = assertThrows(IOException.class, () -> strict.read(sc, BLOCK, 2));
        assertTrue(e.getMessage().contains("c3/empty.png: empty file (0 bytes), not an image"), e.getMessage());
        LabeledData.Loaded lenient = ImageFolderDataset.open(spark, root, SHAPE, CLASSES, LabeledData.BadRecords.SKIP)
                .read(sc, BLOCK, 2);
        assertEquals(1, lenient.skipped(), "the empty file is counted");
        assertTrue(lenient.firstSkipped().get(0).contains("c3/empty.png: empty file"), lenient.firstSkipped().toString());
        assertEquals(CLASSES, lenient.blocks().map(ExampleBlock::size).fold(0, Integer::sum), "every good image is kept");
    }

    @Test
    void filesThatHadoopListingsWouldDropAreRejectedOrCountedNotLost() throws IOException {
        // CSV: an empty file and a header-only one among good ones, and a hidden CSV file
        Path csvDir = Files.createDirectories(tmp.resolve("csv-with-empties"));
        Files.writeString(csvDir.resolve("a.csv"), csv(0, 20));
        Files.writeString(csvDir.resolve("b.csv"), "");
        Files.writeString(csvDir.resolve("c.csv"), csv(20, 30).substring(0, csv(20, 30).indexOf('\n') + 1));
        Files.writeString(csvDir.resolve("d.csv"), csv(20, 30));
        CsvDataset strictCsv = CsvDataset.open(sc.hadoopConfiguration(), csvDir.toString(), SHAPE, CLASSES, CSV);
        IOException emptyCsv = assertThrows(IOException.class, () -> strictCsv.read(sc, BLOCK, 2));
        assertTrue(emptyCsv.getMessage().contains("b.csv: no data rows (an empty CSV file)"), emptyCsv.getMessage());
        Files.writeString(csvDir.resolve("._a.csv"), "AppleDouble");
        IOException hiddenCsv = assertThrows(IOException.class,
                () -> CsvDataset.open(sc.hadoopConfiguration(), csvDir.toString(), SHAPE, CLASSES, CSV));
        assertTrue(hiddenCsv.getMessage().contains("._a.csv: a hidden CSV file"), hiddenCsv.getMessage());
        LabeledData.Loaded lenientCsv = CsvDataset.open(sc.hadoopConfiguration(), csvDir.toString(), SHAPE, CLASSES,
                new CsvDataset.Options(true, 0, 255, LabeledData.BadRecords.SKIP)).read(sc, BLOCK, 2);
        assertEquals(3, lenientCsv.skipped(), "the hidden, the empty and the header-only file: " + lenientCsv.firstSkipped());
        assertTrue(lenientCsv.firstSkipped().toString().contains("c.csv: no data rows"), lenientCsv.firstSkipped().toString());
        assertEquals(30, lenientCsv.blocks().map(ExampleBlock::size).fold(0, Integer::sum), "every good row is kept");

        // image folders: a hidden image file and a hidden class folder
        for (int k = 0; k < CLASSES; k++) {
            Path f = Files.createDirectories(tmp.resolve("with-hidden/c" + k)).resolve("ok.png");
            ImageIO.write(image(pixels[k]), "png", f.toFile());
        }
        ImageIO.write(image(pixels[7]), "png", tmp.resolve("with-hidden/c2/._ok.png").toFile());
        ImageIO.write(image(pixels[8]), "png", Files.createDirectories(tmp.resolve("with-hidden/c4/.thumbs")).resolve("t.png").toFile());
        String root = tmp.resolve("with-hidden").toString();
        ImageFolderDataset strictImages = ImageFolderDataset.open(spark, root, SHAPE, CLASSES, FAIL);
        IOException hiddenImage = assertThrows(IOException.class, () -> strictImages.read(sc, BLOCK, 2));
        assertTrue(hiddenImage.getMessage().contains("c2/._ok.png: a hidden image file") && hiddenImage.getMessage().contains("(and 1 more"),
                hiddenImage.getMessage());
        LabeledData.Loaded lenientImages = ImageFolderDataset.open(spark, root, SHAPE, CLASSES, LabeledData.BadRecords.SKIP)
                .read(sc, BLOCK, 2);
        assertEquals(2, lenientImages.skipped(), lenientImages.firstSkipped().toString());
        assertTrue(lenientImages.firstSkipped().toString().contains("c4/.thumbs/t.png: a hidden image file"),
                lenientImages.firstSkipped().toString());
        assertEquals(CLASSES, lenientImages.blocks().map(ExampleBlock::size).fold(0, Integer::sum));

        // Parquet: a zero-byte file and a hidden one beside a good file
        String parquet = tmp.resolve("parquet-with-empty").toString();
        Files.createDirectories(Path.of(parquet));
        try (var files = Files.list(Path.of(java.net.URI.create(roots.get("file"))).resolve("parquet"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList()) {
                Files.copy(f, Path.of(parquet, f.getFileName().toString()));
            }
        }
        Files.write(Path.of(parquet, "part-99999-empty.parquet"), new byte[0]);
        IOException emptyParquet = assertThrows(IOException.class,
                () -> ParquetDataset.open(spark, parquet, SHAPE, CLASSES, "label", "features", 255, FAIL).read(sc, BLOCK, 2).blocks().count());
        assertTrue(emptyParquet.getMessage().contains("part-99999-empty.parquet: empty file (0 bytes)"), emptyParquet.getMessage());
        LabeledData.Loaded lenientParquet = ParquetDataset.open(spark, parquet, SHAPE, CLASSES, "label", "features", 255,
                LabeledData.BadRecords.SKIP).read(sc, BLOCK, 2);
        assertEquals(1, lenientParquet.skipped(), lenientParquet.firstSkipped().toString());
        assertTrue(lenientParquet.firstSkipped().get(0).contains("part-99999-empty.parquet: empty file"),
                lenientParquet.firstSkipped().toString());
    }

    @Test
    void badFilesAndPathsFailNamingThem() throws IOException {
        Configuration conf = sc.hadoopConfiguration();
        // an image that cannot be decoded
        Path images = Files.createDirectories(tmp.resolve("bad-images/c0"));
        Files.writeString(images.resolve("broken.png"), "not a png");
        for (int k = 1; k < CLASSES; k++) {
            Path f = Files.createDirectories(tmp.resolve("bad-images/c" + k)).resolve("ok.png");
            ImageIO.write(image(pixels[k]), "png", f.toFile());
        }
        ImageFolderDataset bad = ImageFolderDataset.open(spark, tmp.resolve("bad-images").toString(), SHAPE, CLASSES, FAIL);
        Exception e = assertThrows(Exception.class, () -> bad.read(sc, BLOCK, 2).blocks().count());
        assertTrue(e.getMessage().contains("c0/broken.png: not an image ImageIO can decode"), e.getMessage());
        LabeledData.Loaded skipped = ImageFolderDataset.open(spark, tmp.resolve("bad-images").toString(), SHAPE, CLASSES,
                LabeledData.BadRecords.SKIP).read(sc, BLOCK, 2);
        assertEquals(1, skipped.skipped());
        assertTrue(skipped.firstSkipped().get(0).contains("c0/broken.png"), skipped.firstSkipped().toString());
        // the trainer persists the blocks it is given
        JavaRDD<ExampleBlock> kept = skipped.blocks().persist(StorageLevel.MEMORY_AND_DISK());
        assertEquals(CLASSES - 1, kept.map(ExampleBlock::size).fold(0, Integer::sum));
        List<Integer> keptLabels = new ArrayList<>();
        for (ExampleBlock b : kept.collect()) {
            assertEquals(0, b.firstIndex(), "the good images are numbered from 0");
            for (int l : b.labels()) {
                keptLabels.add(l);
            }
        }
        assertEquals(List.of(1, 2, 3, 4), keptLabels);
        kept.unpersist(false);

        // Parquet: a missing column, a column of the wrong type
        String parquet = roots.get("file") + "/parquet";
        IOException missing = assertThrows(IOException.class,
                () -> ParquetDataset.open(spark, parquet, SHAPE, CLASSES, "class", "features", 255, FAIL));
        assertTrue(missing.getMessage().contains("the label column 'class' is missing (columns: label, features)"),
                missing.getMessage());
        IOException type = assertThrows(IOException.class,
                () -> ParquetDataset.open(spark, parquet, SHAPE, CLASSES, "features", "label", 255, FAIL));
        assertTrue(type.getMessage().contains("the label column 'features' has type array<int>; expected a numeric type"),
                type.getMessage());

        // empty datasets, missing paths
        Path headerOnly = Files.createDirectories(tmp.resolve("empty-csv"));
        Files.writeString(headerOnly.resolve("x.csv"), "label,p0\n");
        IOException empty = assertThrows(IOException.class, () -> CsvDataset.open(conf, headerOnly.toString(), null, CLASSES, CSV));
        assertTrue(empty.getMessage().contains("x.csv: no data rows"), empty.getMessage());
        Files.createDirectories(tmp.resolve("empty-images/c0"));
        IOException noImages = assertThrows(IOException.class,
                () -> ImageFolderDataset.open(spark, tmp.resolve("empty-images").toString(), SHAPE, CLASSES, FAIL));
        assertTrue(noImages.getMessage().contains("the dataset is empty"), noImages.getMessage());
        IOException absent = assertThrows(IOException.class,
                () -> CsvDataset.open(conf, tmp.resolve("nowhere").toString(), null, CLASSES, CSV));
        assertTrue(absent.getMessage().endsWith("nowhere: no such file or directory"), absent.getMessage());
    }

    @Test
    void anUnreadableHdfsFileIsAPermissionError() throws Exception {
        FileSystem admin = MiniHdfs.fs();
        org.apache.hadoop.fs.Path secret = new org.apache.hadoop.fs.Path("/private-csv");
        admin.copyFromLocalFile(new org.apache.hadoop.fs.Path(tmp.resolve("local/csv/a.csv").toUri()),
                new org.apache.hadoop.fs.Path(secret, "a.csv"));
        admin.setPermission(secret, new org.apache.hadoop.fs.permission.FsPermission((short) 0700));
        Configuration conf = new Configuration();
        conf.setBoolean("fs.hdfs.impl.disable.cache", true);
        var bob = org.apache.hadoop.security.UserGroupInformation.createUserForTesting("bob", new String[]{"bob"});
        IOException e = assertThrows(IOException.class, () -> bob.doAs(
                (java.security.PrivilegedExceptionAction<CsvDataset>) () -> CsvDataset.open(conf, MiniHdfs.uri("/private-csv"),
                        null, CLASSES, CSV)));
        assertTrue(e.getMessage().contains("/private-csv") && e.getMessage().contains("permission denied"), e.getMessage());
    }
}
