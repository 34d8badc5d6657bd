package org.sparkcnn.engine.ops;

/** Fully connected layer: {@code y = x W^T + b}, x (N, in), W (out, in), b (out). */
public final class DenseOps {

    private DenseOps() {
    }

    public static void forward(float[] out, float[] inp, float[] params, int wOff, int bOff, int n, int in, int outF) {
        if (bOff >= 0) {
            for (int r = 0; r < n; r++) {
                System.arraycopy(params, bOff, out, r * outF, outF);
            }
        }
        Gemm.sgemm(false, true, n, outF, in, 1f, inp, 0, in, params, wOff, in, bOff >= 0 ? 1f : 0f, out, 0, outF);
    }

    /** dW += dY^T X, db += column sums of dY, and (if dinp is not null) dX = dY W. */
    public static void backward(float[] dinp, float[] grads, float[] dout, float[] inp, float[] params,
                                int wOff, int bOff, int n, int in, int outF) {
        Gemm.sgemm(true, false, outF, in, n, 1f, dout, 0, outF, inp, 0, in, 1f, grads, wOff, in);
        if (bOff >= 0) {
            for (int r = 0; r < n; r++) {
                for (int o = 0, p = r * outF; o < outF; o++, p++) {
                    grads[bOff + o] += dout[p];
                }
            }
        }
        if (dinp != null) {
            Gemm.sgemm(false, false, n, in, outF, 1f, dout, 0, outF, params, wOff, in, 0f, dinp, 0, in);
        }
    }
}
