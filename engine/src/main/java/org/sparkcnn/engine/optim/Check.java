package org.sparkcnn.engine.optim;

/** Argument checks whose messages name the owner and the field, e.g. "sgd: momentum must be >= 0, got -1.0". */
final class Check {
    private Check() {}

    static IllegalArgumentException fail(String owner, String field, String rule, Object got) {
        return new IllegalArgumentException(owner + ": " + field + " " + rule + ", got " + got);
    }

    static double finite(String owner, String field, double v) {
        if (!Double.isFinite(v)) throw fail(owner, field, "must be finite", v);
        return v;
    }

    static double nonNegative(String owner, String field, double v) {
        if (!(v >= 0) || v == Double.POSITIVE_INFINITY) throw fail(owner, field, "must be finite and >= 0", v);
        return v;
    }

    static double positive(String owner, String field, double v) {
        if (!(v > 0) || v == Double.POSITIVE_INFINITY) throw fail(owner, field, "must be finite and > 0", v);
        return v;
    }

    /** 0 <= v < 1, as PyTorch requires of betas. */
    static double unitOpen(String owner, String field, double v) {
        if (!(v >= 0 && v < 1)) throw fail(owner, field, "must be in [0, 1)", v);
        return v;
    }

    /** PyTorch's rule for Nesterov momentum: momentum > 0 and no dampening. */
    static void nesterov(String owner, boolean nesterov, double momentum, double dampening) {
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException(owner + ": nesterov requires momentum > 0 and dampening == 0, got momentum "
                    + momentum + ", dampening " + dampening);
        }
    }

    static long atLeast(String owner, String field, long v, long min) {
        if (v < min) throw fail(owner, field, "must be >= " + min, v);
        return v;
    }
}
