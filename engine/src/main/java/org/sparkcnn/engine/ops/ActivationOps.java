package org.sparkcnn.engine.ops;

/**
 * Element-wise activations over {@code len} elements. Backward overwrites {@code dinp}; it may alias
 * {@code dout}.
 */
public final class ActivationOps {

    private ActivationOps() {
    }

    /** y = max(x, 0); NaN stays NaN, as in PyTorch. Math.max compiles to vector max instructions. */
    public static void reluForward(float[] out, float[] inp, int len) {
        for (int i = 0; i < len; i++) {
            out[i] = Math.max(inp[i], 0f);
        }
    }

    /**
     * dx = dy * [x > 0]: the derivative at 0 is 0, as in PyTorch and Caffe. Read off the output
     * y = max(x, 0), which is > 0 exactly when x is: its bits, as an int, are then positive, so
     * {@code (-bits) >> 31} is an all-ones mask, and 0 for y = 0. Integer masking vectorizes where a
     * conditional does not.
     */
    public static void reluBackward(float[] dinp, float[] dout, float[] y, int len) {
        for (int i = 0; i < len; i++) {
            int mask = -Float.floatToRawIntBits(y[i]) >> 31;
            dinp[i] = Float.intBitsToFloat(Float.floatToRawIntBits(dout[i]) & mask);
        }
    }

    /** {@link #reluBackward} of {@code dout = d0 + d1} (two consumers' gradients, summed in float first). */
    public static void reluBackwardOfSum(float[] dinp, float[] d0, float[] d1, float[] y, int len) {
        for (int i = 0; i < len; i++) {
            int mask = -Float.floatToRawIntBits(y[i]) >> 31;
            dinp[i] = Float.intBitsToFloat(Float.floatToRawIntBits(d0[i] + d1[i]) & mask);
        }
    }

    /** y = x for x > 0, else slope * x. */
    public static void leakyReluForward(float[] out, float[] inp, int len, float slope) {
        for (int i = 0; i < len; i++) {
            out[i] = inp[i] > 0f ? inp[i] : slope * inp[i];
        }
    }

    /** dx = dy for x > 0, else slope * dy. */
    public static void leakyReluBackward(float[] dinp, float[] dout, float[] inp, int len, float slope) {
        for (int i = 0; i < len; i++) {
            dinp[i] = inp[i] > 0f ? dout[i] : slope * dout[i];
        }
    }

    /** y = 1 / (1 + exp(-x)). */
    public static void sigmoidForward(float[] out, float[] inp, int len) {
        for (int i = 0; i < len; i++) {
            out[i] = (float) (1.0 / (1.0 + StrictMath.exp(-inp[i])));
        }
    }

    /** dx = dy * y * (1 - y), from the forward output y. */
    public static void sigmoidBackward(float[] dinp, float[] dout, float[] out, int len) {
        for (int i = 0; i < len; i++) {
            dinp[i] = dout[i] * out[i] * (1f - out[i]);
        }
    }

    /** y = tanh(x). */
    public static void tanhForward(float[] out, float[] inp, int len) {
        for (int i = 0; i < len; i++) {
            out[i] = (float) StrictMath.tanh(inp[i]);
        }
    }

    /** dx = dy * (1 - y^2), from the forward output y. */
    public static void tanhBackward(float[] dinp, float[] dout, float[] out, int len) {
        for (int i = 0; i < len; i++) {
            dinp[i] = dout[i] * (1f - out[i] * out[i]);
        }
    }
}
