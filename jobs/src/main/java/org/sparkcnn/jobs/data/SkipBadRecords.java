package org.sparkcnn.jobs.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

/**
 * The skip policy for formats read row by row (Parquet, image folders): one pass drops the records a
 * check rejects and counts them, then the good ones are numbered consecutively in their original
 * order, so the dataset index of a good record does not depend on the partitioning.
 */
final class SkipBadRecords {

    /** How many bad-record locations are reported. */
    static final int REPORTED = 5;

    private SkipBadRecords() {
    }

    /** Rejects a record by throwing {@link IllegalArgumentException} with a message naming it. */
    interface Check<T> extends Serializable {
        void check(T record, long index);
    }

    /** The good records with their new consecutive indices, and what was dropped. */
    record Kept<T>(JavaRDD<Tuple2<T, Long>> indexed, long skipped, List<String> firstSkipped) {
    }

    /**
     * Filters {@code ordered} (records with their original index, in index order across partitions).
     * The good records are persisted (memory and disk) and counted here, once, so the skip count
     * is exact and the check does not run again when the blocks are built.
     */
    static <T> Kept<T> keepGood(JavaSparkContext sc, String uri, String what, JavaRDD<Tuple2<T, Long>> ordered,
                                Check<T> check) throws IOException {
        LongAccumulator bad = sc.sc().longAccumulator(what + " skipped");
        CollectionAccumulator<String> where = sc.sc().collectionAccumulator(what + " skipped: where");
        JavaRDD<T> good = ordered.filter(r -> {
            try {
                check.check(r._1(), r._2());
                return true;
            } catch (IllegalArgumentException e) {
                bad.add(1);
                if (where.value().size() < REPORTED) {
                    where.add(e.getMessage());
                }
                return false;
            }
        }).map(Tuple2::_1).setName(uri + " (good " + what + ")").persist(StorageLevel.MEMORY_AND_DISK());
        long kept = good.count();
        List<String> first = new ArrayList<>(where.value());
        first = first.subList(0, Math.min(REPORTED, first.size()));
        if (kept == 0) {
            good.unpersist(false);
            throw new IOException(uri + ": the dataset is empty: all " + bad.value() + " " + what
                    + " are bad and were skipped (data.bad-records = skip); the first: " + first);
        }
        return new Kept<>(good.zipWithIndex().rdd().toJavaRDD(), bad.value(), first);
    }
}
