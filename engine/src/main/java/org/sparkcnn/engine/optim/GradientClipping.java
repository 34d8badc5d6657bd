package org.sparkcnn.engine.optim;

/** Gradient clipping over one flat gradient buffer, as PyTorch's {@code clip_grad_norm_} with norm_type 2. */
public final class GradientClipping {
    private GradientClipping() {}

    /** L2 norm of {@code grads}, summed in double in index order. */
    public static double globalNorm(float[] grads) {
        double s = 0;
        for (float g : grads) s += (double) g * g;
        return Math.sqrt(s);
    }

    /**
     * If the L2 norm exceeds {@code maxNorm}, scales {@code grads} in place by
     * {@code maxNorm / (norm + 1e-6)}; otherwise leaves them untouched. Returns the norm before clipping.
     * A non-finite gradient gives a non-finite norm, so callers should check the result: an infinite norm
     * scales by 0 (finite elements become 0, infinite ones NaN, as in PyTorch); a NaN norm scales nothing.
     */
    public static double clipByGlobalNorm(float[] grads, double maxNorm) {
        if (!(maxNorm > 0) || maxNorm == Double.POSITIVE_INFINITY) {
            throw Check.fail("clipByGlobalNorm", "maxNorm", "must be finite and > 0", maxNorm);
        }
        double norm = globalNorm(grads);
        if (norm > maxNorm) {
            float coef = (float) (maxNorm / (norm + 1e-6));
            for (int i = 0; i < grads.length; i++) grads[i] *= coef;
        }
        return norm;
    }
}
