package org.sparkcnn.jobs;

import org.apache.spark.api.java.JavaRDD;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.jobs.data.ExampleBlock;

/** Dataset-wide statistics, computed by one distributed pass. */
public final class Datasets {

    private Datasets() {
    }

    /**
     * The global mean and standard deviation of 8-bit pixel data (values k/255). Sums of k and k^2
     * are exact in 64-bit integers, so the constants are the same whatever the partitioning.
     */
    public static Normalization normalization(JavaRDD<ExampleBlock> blocks) {
        long[] sums = blocks.map(b -> {
            long s = 0, s2 = 0;
            for (float v : b.features()) {
                long k = Math.round(v * 255.0);
                s += k;
                s2 += k * k;
            }
            return new long[]{s, s2, b.features().length};
        }).reduce((a, b) -> new long[]{a[0] + b[0], a[1] + b[1], a[2] + b[2]});
        double n = sums[2];
        double mean = sums[0] / n / 255.0;
        double var = sums[1] / n / (255.0 * 255.0) - mean * mean;
        return new Normalization(new float[]{(float) mean}, new float[]{(float) Math.sqrt(var)});
    }
}
