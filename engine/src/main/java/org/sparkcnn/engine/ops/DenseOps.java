package org.sparkcnn.engine.ops;

/**
 * Fully connected layer: {@code y = x W^T + b}, x (N, in), W (out, in), b (out).
 * Orders (docs/ENGINE.md): {@code y[n][o] = b[o] + tree16(...)}, a {@link Gemm#dot16} over in (both x
 * and W run along it); dW[o][i] continues its old value with one fused multiply-add per example, in
 * order; db[o] adds dY[n][o] for n in order; dX[n][i] is a chain over o from +0.
 */
public final class DenseOps {

    private DenseOps() {
    }

    /** The tile choices of the two chain products of a layer of this shape and batch. */
    public record Choices(KernelChoice weights, KernelChoice input) {

        public static Choices of(String name, int maxBatch, int in, int outF) {
            return new Choices(Gemm.choice(name + " dW = dY^T X", outF, in, maxBatch),
                    Gemm.choice(name + " dX = dY W", maxBatch, in, outF));
        }
    }

    public static void forward(float[] out, float[] inp, float[] params, int wOff, int bOff, int n, int in, int outF) {
        for (int r = 0; r < n; r++) {
            if (bOff >= 0) {
                System.arraycopy(params, bOff, out, r * outF, outF);
            } else {
                java.util.Arrays.fill(out, r * outF, (r + 1) * outF, 0f);
            }
        }
        Gemm.dot16(n, outF, in, inp, 0, in, params, wOff, in, out, 0, outF);
    }

    /** dW += dY^T X, db += column sums of dY, and (if dinp is not null) dX = dY W. */
    public static void backward(float[] dinp, float[] grads, float[] dout, float[] inp, float[] params,
                                int wOff, int bOff, int n, int in, int outF, Choices choices) {
        // dW (out x in) += dY^T (out x N) * X (N x in)
        Gemm.chain(choices.weights(), outF, in, n, dout, 0, 1, outF, inp, 0, in, grads, wOff, in);
        if (bOff >= 0) {
            for (int r = 0; r < n; r++) {
                for (int o = 0, p = r * outF; o < outF; o++, p++) {
                    grads[bOff + o] += dout[p];
                }
            }
        }
        if (dinp != null) {
            // dX (N x in) = dY (N x out) * W (out x in)
            java.util.Arrays.fill(dinp, 0, n * in, 0f);
            Gemm.chain(choices.input(), n, in, outF, dout, 0, outF, 1, params, wOff, in, dinp, 0, in);
        }
    }
}
