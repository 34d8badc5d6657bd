package org.sparkcnn.engine.layers;

import java.util.Arrays;

/**
 * One parameter (or state buffer) tensor of a layer: its short name ({@code w}, {@code b}, {@code gamma},
 * {@code running_mean}), its shape, and the fans used by the initializers (fan_in = inputs per output
 * unit, fan_out = outputs per input unit). {@code fill} is a constant every initializer uses instead of
 * drawing (batch norm's gamma 1, beta 0, running mean 0, running variance 1), or NaN to draw.
 */
public record ParamTensor(String name, int[] shape, int fanIn, int fanOut, boolean isBias, float fill) {

    /** A drawn tensor. */
    public ParamTensor(String name, int[] shape, int fanIn, int fanOut, boolean isBias) {
        this(name, shape, fanIn, fanOut, isBias, Float.NaN);
    }

    /** A tensor of C values all equal to {@code fill}. */
    public static ParamTensor constant(String name, int c, float fill) {
        return new ParamTensor(name, new int[]{c}, c, c, true, fill);
    }

    public int size() {
        int s = 1;
        for (int d : shape) {
            s *= d;
        }
        return s;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
