package org.sparkcnn.jobs.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.engine.Shape;

/**
 * A labelled image dataset on any Hadoop URI, in any supported format, read into the compact
 * blocks the training job caches. Every format gives each example a dataset index that does not
 * depend on how the data is split into files or partitions, and cuts blocks on the index grid
 * ({@link Blocks}), so training on it is bit-identical everywhere.
 */
public interface LabeledData extends Serializable {

    /** The dataset's qualified URI, for messages and provenance. */
    String uri();

    Shape shape();

    int numClasses();

    /** The blocks, not cached (the caller decides), and what was skipped as bad records. */
    Loaded read(JavaSparkContext sc, int blockSize, int partitions) throws IOException;

    /** What a resumed run must find unchanged (besides the example count and normalization). */
    Map<String, String> fingerprint(Configuration conf) throws IOException;

    /**
     * Loaded blocks. {@code skipped} counts records dropped under the skip policy, and
     * {@code firstSkipped} says where the first few were and why.
     */
    record Loaded(JavaRDD<ExampleBlock> blocks, long skipped, List<String> firstSkipped) {
    }

    /** What to do with a bad record (CSV row, image, Parquet row): stop (the default) or skip it and count it. */
    enum BadRecords {
        FAIL, SKIP;

        public static BadRecords parse(String s) {
            return switch (s) {
                case "fail" -> FAIL;
                case "skip" -> SKIP;
                default -> throw new IllegalArgumentException("bad-records must be fail or skip, got '" + s + "'");
            };
        }
    }
}
