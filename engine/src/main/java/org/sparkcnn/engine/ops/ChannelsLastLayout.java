package org.sparkcnn.engine.ops;

/**
 * Activations between NCHW ({@code x[((b*C + ch)*H + y)*W + x]}) and channels-last, NHWC
 * ({@code x[((b*H + y)*W + x)*C + ch]}), which inference keeps between the layers that read and write it
 * (docs/ENGINE.md, "Channels-last inference"). Only data moves: no float changes.
 */
public final class ChannelsLastLayout {

    private ChannelsLastLayout() {
    }

    /** Whether C channels fill whole vectors, as a channels-last activation's rows must here. */
    public static boolean suits(int c) {
        return VectorSupport.AVAILABLE && c == Conv2dOps.paddedChannels(c);
    }

    /** {@code out[to ..]} (N, H*W, C) from {@code x[from ..]} (N, C, H*W); {@code index}: C ints of scratch. */
    public static void toChannelsLast(float[] x, int from, int n, int c, int hw, float[] out, int to, int[] index) {
        check(c);
        for (int b = 0, e = c * hw; b < n; b++) {
            TransposeVector.channelsLast(x, from + b * e, c, hw, hw, out, to + b * e, c, index);
        }
    }

    /** {@code out[to ..]} (N, C, H*W) from {@code x[from ..]} (N, H*W, C). */
    public static void toPlanes(float[] x, int from, int n, int c, int hw, float[] out, int to) {
        check(c);
        for (int b = 0, e = c * hw; b < n; b++) {
            TransposeVector.planes(x, from + b * e, c, hw, out, to + b * e, hw);
        }
    }

    private static void check(int c) {
        if (!suits(c)) {
            throw new IllegalArgumentException(c + " channels are not whole vectors of " + VectorSupport.lanes()
                    + " lanes: no channels-last activation here");
        }
    }
}
