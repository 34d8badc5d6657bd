package org.sparkcnn.engine;

/**
 * The shape of one example's tensor, without the batch dimension: channels x height x width.
 * A flat vector (after {@code flatten} or {@code dense}) is {@code (features, 1, 1)}.
 */
public record Shape(int channels, int height, int width) implements java.io.Serializable {

    public Shape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("shape dimensions must be positive, got " + channels + "x" + height + "x" + width);
        }
    }

    public static Shape vector(int features) {
        return new Shape(features, 1, 1);
    }

    /** Elements per example. */
    public int size() {
        return channels * height * width;
    }

    public boolean isVector() {
        return height == 1 && width == 1;
    }

    @Override
    public String toString() {
        return isVector() ? "[" + channels + "]" : channels + "x" + height + "x" + width;
    }
}
