package org.sparkcnn.engine.layers;

import java.util.Arrays;

/**
 * One parameter tensor of a layer: its short name ({@code w} or {@code b}), its shape, and the fans
 * used by the initializers (fan_in = inputs per output unit, fan_out = outputs per input unit).
 */
public record ParamTensor(String name, int[] shape, int fanIn, int fanOut, boolean isBias) {

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
