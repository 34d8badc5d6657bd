package org.sparkcnn.engine.optim;

/**
 * LARS (You, Gitman, Ginsburg 2017), as NVIDIA apex's {@code LARC} (clip off) around
 * {@code torch.optim.SGD}: each tensor's gradient is scaled by its trust ratio, then SGD's momentum
 * update runs on it.
 * <pre>
 * per tensor w with gradient g (wd = weight_decay, 0 for a tensor exempt from decay):
 *   trust = trust_coefficient * ||w|| / (||g|| + wd * ||w|| + eps)   (1 if ||w|| = 0, ||g|| = 0 or not adapted)
 *   d     = trust * (g + wd * w)
 * per element, torch.optim.SGD without weight decay:
 *   b_t = d (t = 1);  b_t = momentum * b_{t-1} + (1 - dampening) * d (t > 1)
 *   d   = d + momentum * b_t (nesterov), b_t (otherwise)
 *   w_t = w_{t-1} - lr * d
 * </pre>
 * trust is computed in double and rounded to float once. Buffer: "momentum" (when momentum != 0).
 * Defaults: momentum 0.9, dampening 0, nesterov false, weight_decay 0, trust_coefficient 0.001 (the
 * paper's eta), eps 1e-8.
 */
public final class Lars extends LayerwiseOptimizer {
    private final float momentum;
    private final float keep;
    private final boolean nesterov;
    private final double weightDecay;
    private final double trustCoefficient;
    private final double eps;
    private final float[] buf;

    public Lars(int paramCount, double momentum, double dampening, boolean nesterov, double weightDecay,
                double trustCoefficient, double eps) {
        super(paramCount);
        Check.nonNegative("lars", "momentum", momentum);
        Check.finite("lars", "dampening", dampening);
        Check.nonNegative("lars", "weight_decay", weightDecay);
        Check.positive("lars", "trust_coefficient", trustCoefficient);
        Check.nonNegative("lars", "eps", eps);
        Check.nesterov("lars", nesterov, momentum, dampening);
        this.momentum = (float) momentum;
        this.keep = (float) (1 - dampening);
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
        this.trustCoefficient = trustCoefficient;
        this.eps = eps;
        this.buf = momentum != 0 ? buffer("momentum", 0f) : null;
    }

    @Override
    public String name() {
        return "lars";
    }

    /** trust_coefficient * ||w|| / (||g|| + wd * ||w|| + eps), or 1. */
    double trust(double wNorm, double gNorm, double wd) {
        if (wNorm == 0 || gNorm == 0) return 1;
        return trustCoefficient * wNorm / (gNorm + wd * wNorm + eps);
    }

    @Override
    protected void update(float[] p, float[] g, double lr, long t) {
        float a = (float) lr;
        float mu = momentum;
        boolean first = t == 1;
        for (int k = 0; k < tensorCount(); k++) {
            int from = start(k);
            int to = end(k);
            double wd = decays(from) ? weightDecay : 0;
            float s = adapted(k) ? (float) trust(norm(p, from, to), norm(g, from, to), wd) : 1f;
            float l2 = (float) wd;
            for (int i = from; i < to; i++) {
                float d = g[i];
                if (l2 != 0f) d += l2 * p[i];
                d *= s;
                if (buf != null) {
                    d = Sgd.momentum(d, buf, i, first, mu, keep, nesterov);
                }
                p[i] -= a * d;
            }
        }
    }
}
