package org.sparkcnn.engine.optim;

/**
 * Adam's moment coefficients, shared by {@link Adam} and {@link Lamb}: {@code m = b1*m + c1*g} and
 * {@code v = b2*v + c2*g^2} in float, with c = 1 - beta rounded once, and the betas in double for the
 * bias corrections {@code 1 - beta^t}.
 */
record Betas(double beta1, double beta2, float b1, float c1, float b2, float c2) {

    /** Checks 0 <= beta < 1, as PyTorch does, naming {@code owner}. */
    static Betas of(String owner, double beta1, double beta2) {
        Check.unitOpen(owner, "betas[0]", beta1);
        Check.unitOpen(owner, "betas[1]", beta2);
        return new Betas(beta1, beta2, (float) beta1, (float) (1 - beta1), (float) beta2, (float) (1 - beta2));
    }

    /** {@code 1 - beta1^t}, Adam's first bias correction. */
    double correction1(long t) {
        return 1 - StrictMath.pow(beta1, t);
    }

    /** {@code sqrt(1 - beta2^t)}, rounded to float as the second bias correction is used. */
    float correction2Sqrt(long t) {
        return (float) Math.sqrt(1 - StrictMath.pow(beta2, t));
    }
}
