package org.sparkcnn.engine.optim;

/**
 * Stochastic gradient descent, PyTorch {@code torch.optim.SGD}:
 * <pre>
 * g_t = grad + weight_decay * p_{t-1}                       (if weight_decay != 0)
 * if momentum != 0:
 *     b_t = g_t                                            (t = 1: no dampening)
 *     b_t = momentum * b_{t-1} + (1 - dampening) * g_t     (t > 1)
 *     g_t = g_t + momentum * b_t                           (nesterov)
 *     g_t = b_t                                            (otherwise)
 * p_t = p_{t-1} - lr * g_t
 * </pre>
 * Buffer: "momentum" (only when momentum != 0). Nesterov requires momentum > 0 and dampening = 0.
 */
public final class Sgd extends Optimizer {
    private final float momentum;
    private final float keep;
    private final float weightDecay;
    private final boolean nesterov;
    private final float[] buf;

    /** Plain SGD: no momentum, no weight decay. */
    public Sgd(int paramCount) {
        this(paramCount, 0, 0, false, 0);
    }

    public Sgd(int paramCount, double momentum, double dampening, boolean nesterov, double weightDecay) {
        super(paramCount);
        Check.nonNegative("sgd", "momentum", momentum);
        Check.finite("sgd", "dampening", dampening);
        Check.nonNegative("sgd", "weight_decay", weightDecay);
        Check.nesterov("sgd", nesterov, momentum, dampening);
        this.momentum = (float) momentum;
        this.keep = (float) (1 - dampening);
        this.weightDecay = (float) weightDecay;
        this.nesterov = nesterov;
        this.buf = momentum != 0 ? buffer("momentum", 0f) : null;
    }

    @Override
    public String name() {
        return "sgd";
    }

    /**
     * PyTorch SGD's momentum for element i, shared with {@link Lars}: {@code b = d} at the first step,
     * else {@code mu * b + keep * d}; returns {@code d + mu * b} (Nesterov) or {@code b}.
     */
    static float momentum(float d, float[] buf, int i, boolean first, float mu, float keep, boolean nesterov) {
        float b = first ? d : mu * buf[i] + keep * d;
        buf[i] = b;
        return nesterov ? d + mu * b : b;
    }

    @Override
    protected void update(float[] p, float[] g, double lr, long t) {
        float a = (float) lr;
        float mu = momentum;
        float wd = weightDecay;
        boolean first = t == 1;
        for (int i = 0; i < p.length; i++) {
            float d = g[i];
            if (wd != 0f && decays(i)) d += wd * p[i];
            if (buf != null) {
                d = momentum(d, buf, i, first, mu, keep, nesterov);
            }
            p[i] -= a * d;
        }
    }
}
