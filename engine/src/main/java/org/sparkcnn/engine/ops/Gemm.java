package org.sparkcnn.engine.ops;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Row-major single-precision GEMM: {@code C = alpha * op(A) * op(B) + beta * C}, where op(A) is M x K
 * and op(B) is K x N. Backed by {@code dev.ludovic.netlib} BLAS, which is column-major: a row-major
 * matrix is the transpose of the same array read column-major, so we compute
 * {@code C^T = op(B)^T * op(A)^T} by swapping the operands.
 */
public final class Gemm {

    private static final BLAS BLAS_IMPL = BLAS.getInstance();

    private Gemm() {
    }

    /** The BLAS implementation in use, for logs and benchmark reports. */
    public static String implementation() {
        return BLAS_IMPL.getClass().getName();
    }

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        BLAS_IMPL.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha,
                b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc);
    }
}
