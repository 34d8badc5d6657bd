package org.sparkcnn.jobs.data;

import java.io.Serializable;
import org.sparkcnn.engine.Shape;

/**
 * A contiguous run of examples, decoded once into primitive arrays: example {@code i} of the block
 * is the dataset's example {@code firstIndex + i}, its pixels are
 * {@code features[i * shape.size() .. (i + 1) * shape.size())} (CHW, float32) and its label is
 * {@code labels[i]}. Blocks are what the training job caches; their boundaries depend only on the
 * dataset and the block size, never on the Spark partitioning.
 */
public final class ExampleBlock implements Serializable {

    private static final long serialVersionUID = 1L;

    private final long firstIndex;
    private final int channels;
    private final int height;
    private final int width;
    private final float[] features;
    private final int[] labels;

    public ExampleBlock(long firstIndex, Shape shape, float[] features, int[] labels) {
        if (features.length != (long) labels.length * shape.size()) {
            throw new IllegalArgumentException("block at example " + firstIndex + ": " + features.length + " floats for "
                    + labels.length + " examples of shape " + shape);
        }
        this.firstIndex = firstIndex;
        this.channels = shape.channels();
        this.height = shape.height();
        this.width = shape.width();
        this.features = features;
        this.labels = labels;
    }

    /** The dataset index of this block's first example. */
    public long firstIndex() {
        return firstIndex;
    }

    public int size() {
        return labels.length;
    }

    public Shape shape() {
        return new Shape(channels, height, width);
    }

    public float[] features() {
        return features;
    }

    public int[] labels() {
        return labels;
    }

    /** Bytes held, for logs and memory estimates. */
    public long bytes() {
        return 4L * features.length + 4L * labels.length;
    }
}
