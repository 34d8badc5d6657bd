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

    /**
     * Whether a convolution's inference forward of this shape can read and write activations channels-last:
     * its products can run along the output channels (it takes frames, or it is 1x1 without padding and reads X
     * where it is), C fills whole vectors and O pairs of them.
     */
    public static boolean convolution(int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw) {
        boolean alongChannels = ConvFrame.suits(h, w, kh, kw, sh, sw, ph, pw, false) || kh * kw == 1 && ph == 0 && pw == 0;
        return alongChannels && ProductChannelsLast.suits(o) && suits(c);  // O in pairs of vectors: whole vectors too
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
