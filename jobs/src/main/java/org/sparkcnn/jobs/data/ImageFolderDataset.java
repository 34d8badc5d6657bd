package org.sparkcnn.jobs.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.engine.Shape;
import scala.Tuple2;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.split;

/**
 * Images in class folders: {@code <uri>/<class name>/<file>.png|jpg|jpeg|bmp|gif}. Listing is Spark's
 * file source ({@code binaryFile}, distributed), never a driver-side loop over files; the images are
 * decoded on the executors with ImageIO, converted to grey or RGB and resized to the model's input.
 * Classes are the folder names in sorted order (class k = the k-th name); a dataset index is the
 * rank of the file's path in sorted order.
 */
public final class ImageFolderDataset implements LabeledData {

    private static final long serialVersionUID = 1L;
    static final String IMAGE_FILES = "*.{png,PNG,jpg,JPG,jpeg,JPEG,bmp,BMP,gif,GIF}";

    private final String uri;
    private final Shape shape;
    private final List<String> classNames;
    private final BadRecords badRecords;

    private ImageFolderDataset(String uri, Shape shape, List<String> classNames, BadRecords badRecords) {
        this.uri = uri;
        this.shape = shape;
        this.classNames = classNames;
        this.badRecords = badRecords;
    }

    /**
     * Finds the class folders (one distributed pass over the listing) and checks them against
     * {@code numClasses}: there must be exactly that many.
     */
    public static ImageFolderDataset open(SparkSession spark, String uri, Shape shape, int numClasses, BadRecords badRecords)
            throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        String qualified = fs.makeQualified(path).toString();
        if (!fs.exists(path)) {
            throw new IOException(qualified + ": no such directory");
        }
        List<String> classes = new ArrayList<>();
        for (Row r : files(spark, qualified).select(element_at(split(col("path"), "/"), -2).as("class")).distinct()
                .orderBy("class").collectAsList()) {
            classes.add(r.getString(0));
        }
        if (classes.isEmpty()) {
            throw new IOException(qualified + ": the dataset is empty (no image files in class folders)");
        }
        if (classes.size() != numClasses) {
            throw new IOException(qualified + ": " + classes.size() + " class folders " + abbreviate(classes) + " but "
                    + numClasses + " classes are configured (data.classes)");
        }
        return new ImageFolderDataset(qualified, shape, classes, badRecords);
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + "...";
    }

    private static Dataset<Row> files(SparkSession spark, String uri) {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .option("pathGlobFilter", IMAGE_FILES).load(uri);
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public int numClasses() {
        return classNames.size();
    }

    public List<String> classNames() {
        return classNames;
    }

    @Override
    public Map<String, String> fingerprint(Configuration conf) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("class names", String.join(",", classNames));
        return f;
    }

    @Override
    public Loaded read(JavaSparkContext sc, int blockSize, int partitions) throws IOException {
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        Path root = new Path(uri);
        org.apache.hadoop.fs.GlobPattern images = new org.apache.hadoop.fs.GlobPattern(IMAGE_FILES);
        DroppedFiles dropped = DroppedFiles.under(root.getFileSystem(sc.hadoopConfiguration()), root, images::matches, "image file");
        if (badRecords == BadRecords.FAIL) {
            dropped.failIfAny();
        }
        List<String> names = classNames;
        Shape s = shape;
        // Sorted by path: the index of an image is its rank, whatever the listing's partitioning.
        JavaRDD<Tuple2<Row, Long>> indexed = files(spark, uri).select("path", "content").orderBy("path").javaRDD()
                .zipWithIndex().rdd().toJavaRDD();
        long skipped = 0;
        List<String> firstSkipped = List.of();
        if (badRecords == BadRecords.SKIP) {
            SkipBadRecords.Kept<Row> kept = SkipBadRecords.keepGood(sc, uri, "images", indexed, (r, i) -> {
                Pixels.decode(r.getAs("content"), s, new float[s.size()], 0, r.getString(0));
                label(r.getString(0), names);
            });
            indexed = kept.indexed();
            skipped = kept.skipped() + dropped.count();
            List<String> first = dropped.first(SkipBadRecords.REPORTED);
            first.addAll(kept.firstSkipped());
            firstSkipped = first;
        }
        JavaRDD<ExampleBlock> pieces = indexed.mapPartitions((Iterator<Tuple2<Row, Long>> it) -> decode(it, s, blockSize, names));
        return new Loaded(Blocks.onGrid(pieces, blockSize, partitions), skipped, firstSkipped);
    }

    /** Decodes consecutive (path, content) rows with their indices into pieces on the index grid. */
    private static Iterator<ExampleBlock> decode(Iterator<Tuple2<Row, Long>> rows, Shape shape, int blockSize,
                                                 List<String> classNames) {
        Blocks.PieceBuilder b = new Blocks.PieceBuilder(shape, blockSize);
        while (rows.hasNext()) {
            Tuple2<Row, Long> r = rows.next();
            int off = b.start(r._2());
            Pixels.decode(r._1().getAs("content"), shape, b.features(), off, r._1().getString(0));
            b.end(label(r._1().getString(0), classNames));
        }
        return b.finish().iterator();
    }

    private static int label(String path, List<String> classNames) {
        String[] parts = path.split("/");
        int k = java.util.Collections.binarySearch(classNames, parts[parts.length - 2]);
        if (k < 0) {
            throw new BadRecordException(path + ": folder '" + parts[parts.length - 2] + "' is not one of the classes");
        }
        return k;
    }
}
