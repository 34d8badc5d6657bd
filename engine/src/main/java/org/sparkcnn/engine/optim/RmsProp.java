package org.sparkcnn.engine.optim;

/**
 * RMSprop, PyTorch {@code torch.optim.RMSprop}:
 * <pre>
 * g_t  = grad + weight_decay * p_{t-1}                     (if weight_decay != 0)
 * v_t  = alpha * v_{t-1} + (1 - alpha) * g_t^2
 * avg  = sqrt(v_t) + eps
 * centered: a_t = alpha * a_{t-1} + (1 - alpha) * g_t;  avg = sqrt(v_t - a_t^2) + eps
 * momentum > 0: b_t = momentum * b_{t-1} + g_t / avg;  p_t = p_{t-1} - lr * b_t
 * otherwise:    p_t = p_{t-1} - lr * g_t / avg
 * </pre>
 * Buffers: "square_avg", plus "momentum" when momentum > 0 and "grad_avg" when centered.
 * Defaults: alpha 0.99, eps 1e-8, weight_decay 0, momentum 0, centered false.
 */
public final class RmsProp extends Optimizer {
    private final float alpha;
    private final float c;
    private final float eps;
    private final float weightDecay;
    private final float momentum;
    private final float[] sq;
    private final float[] buf;
    private final float[] avg;

    /** RMSprop with PyTorch's defaults. */
    public RmsProp(int paramCount) {
        this(paramCount, 0.99, 1e-8, 0, 0, false);
    }

    public RmsProp(int paramCount, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
        super(paramCount);
        Check.nonNegative("rmsprop", "alpha", alpha);
        Check.nonNegative("rmsprop", "eps", eps);
        Check.nonNegative("rmsprop", "weight_decay", weightDecay);
        Check.nonNegative("rmsprop", "momentum", momentum);
        this.alpha = (float) alpha;
        this.c = (float) (1 - alpha);
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.momentum = (float) momentum;
        this.sq = buffer("square_avg", 0f);
        this.buf = momentum > 0 ? buffer("momentum", 0f) : null;
        this.avg = centered ? buffer("grad_avg", 0f) : null;
    }

    @Override
    public String name() {
        return "rmsprop";
    }

    @Override
    protected void update(float[] p, float[] g, double lr, long t) {
        float a = (float) lr;
        float wd = weightDecay;
        for (int i = 0; i < p.length; i++) {
            float d = g[i];
            if (wd != 0f && decays(i)) d += wd * p[i];
            float v = alpha * sq[i] + c * d * d;
            sq[i] = v;
            if (avg != null) {
                float ga = alpha * avg[i] + c * d;
                avg[i] = ga;
                v = v - ga * ga;
            }
            float den = (float) Math.sqrt(v) + eps;
            if (buf != null) {
                float b = momentum * buf[i] + d / den;
                buf[i] = b;
                p[i] -= a * b;
            } else {
                p[i] -= a * (d / den);
            }
        }
    }
}
