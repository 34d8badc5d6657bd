package org.sparkcnn.jobs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.jobs.data.ExampleBlock;

/** Dataset-wide statistics, computed by one distributed pass. */
public final class Datasets {

    private Datasets() {
    }

    /**
     * The mean and standard deviation of every channel over the whole dataset. Each block's sums
     * are taken in double in a fixed order, and the block sums are added in dataset-index order, so
     * the constants do not depend on the partitioning (blocks sit on the index grid).
     */
    public static Normalization normalization(JavaRDD<ExampleBlock> blocks) {
        List<double[]> sums = new ArrayList<>(blocks.map(b -> {
            Shape shape = b.shape();
            int c = shape.channels(), plane = shape.height() * shape.width();
            double[] s = new double[1 + 2 * c + 1];
            s[0] = b.firstIndex();
            float[] x = b.features();
            for (int e = 0; e < b.size(); e++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int i = (e * c + ch) * plane, end = i + plane; i < end; i++) {
                        s[1 + ch] += x[i];
                        s[1 + c + ch] += (double) x[i] * x[i];
                    }
                }
            }
            s[1 + 2 * c] = (double) b.size() * plane;
            return s;
        }).collect());
        if (sums.isEmpty()) {
            throw new IllegalArgumentException("the dataset is empty");
        }
        sums.sort(Comparator.comparingDouble(s -> s[0]));
        int c = (sums.get(0).length - 2) / 2;
        double[] total = new double[sums.get(0).length];
        for (double[] s : sums) {
            for (int i = 1; i < s.length; i++) {
                total[i] += s[i];
            }
        }
        double n = total[1 + 2 * c];
        float[] mean = new float[c], std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = total[1 + ch] / n;
            double var = Math.max(0, total[1 + c + ch] / n - m * m);
            mean[ch] = (float) m;
            std[ch] = (float) Math.max(Math.sqrt(var), 1e-6);
        }
        return new Normalization(mean, std);
    }
}
