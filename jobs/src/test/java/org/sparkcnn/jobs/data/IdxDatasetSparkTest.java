package org.sparkcnn.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.jobs.LocalSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link IdxDataset#load} on local[2] with Kryo: same blocks as the local reader, whole blocks per partition. */
class IdxDatasetSparkTest {

    static SparkSession spark;
    static JavaSparkContext sc;

    @TempDir
    static java.nio.file.Path dir;

    @BeforeAll
    static void start() {
        // the trainer's configuration: loopback, no UI, Kryo with registration required
        spark = SparkSession.builder().config(LocalSpark.conf("local[2]")).getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void loadReproducesLocalBlocks() throws IOException {
        // raw images (seek) and gzipped labels (stream-skip): both access paths run on executors
        java.nio.file.Path img = Files.write(dir.resolve("img.idx3"), IdxDatasetTest.images(IdxDatasetTest.N));
        java.nio.file.Path lab = Files.write(dir.resolve("lab.idx1.gz"),
                IdxDatasetTest.gzip(IdxDatasetTest.labels(IdxDatasetTest.N)));
        Configuration conf = sc.hadoopConfiguration();
        IdxDataset ds = IdxDataset.open(conf, img.toString(), lab.toString(), IdxDatasetTest.CLASSES);
        List<ExampleBlock> expected = ds.readBlocks(conf, 0, ds.count(), 3);
        assertEquals(4, expected.size());

        JavaRDD<ExampleBlock> rdd = ds.load(sc, 3, 2);
        assertEquals(2, rdd.getNumPartitions());
        List<ExampleBlock> actual = new ArrayList<>(rdd.collect());
        actual.sort(Comparator.comparingLong(ExampleBlock::firstIndex));
        assertEquals(expected.size(), actual.size());
        for (int b = 0; b < expected.size(); b++) {
            ExampleBlock e = expected.get(b);
            ExampleBlock a = actual.get(b);
            assertEquals(e.firstIndex(), a.firstIndex(), "firstIndex of block " + b);
            assertEquals(e.shape(), a.shape());
            assertArrayEquals(e.features(), a.features(), "features of block " + b);
            assertArrayEquals(e.labels(), a.labels(), "labels of block " + b);
        }
        // each partition is a contiguous run of whole blocks
        // (shipped as long[], a registered class: the session requires Kryo registration)
        List<List<Long>> starts = rdd.mapPartitions(it -> {
                    List<Long> firsts = new java.util.ArrayList<>();
                    it.forEachRemaining(b -> firsts.add(b.firstIndex()));
                    return java.util.Collections.singletonList(firsts.stream().mapToLong(Long::longValue).toArray()).iterator();
                }).collect().stream()
                .map(a -> java.util.Arrays.stream(a).boxed().collect(Collectors.toList()))
                .collect(Collectors.toList());
        assertEquals(List.of(List.of(0L, 3L), List.of(6L, 9L)), starts);
    }

    @Test
    void executorReadErrorsCarryTheMessage() throws IOException {
        byte[] labels = IdxDatasetTest.labels(IdxDatasetTest.N);
        labels[labels.length - 1] = 42; // record 9
        java.nio.file.Path img = Files.write(dir.resolve("img2.idx3.gz"),
                IdxDatasetTest.gzip(IdxDatasetTest.images(IdxDatasetTest.N)));
        java.nio.file.Path lab = Files.write(dir.resolve("bad-lab.idx1"), labels);
        IdxDataset ds = IdxDataset.open(sc.hadoopConfiguration(), img.toString(), lab.toString(), IdxDatasetTest.CLASSES);
        SparkException e = assertThrows(SparkException.class, () -> ds.load(sc, 3, 2).count());
        assertTrue(e.getMessage().contains("bad-lab.idx1: record 9 has label 42, outside [0, 10)"), e.getMessage());
    }
}
