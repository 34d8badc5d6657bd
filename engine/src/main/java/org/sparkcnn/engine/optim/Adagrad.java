package org.sparkcnn.engine.optim;

/**
 * Adagrad, PyTorch {@code torch.optim.Adagrad}:
 * <pre>
 * g_t   = grad + weight_decay * p_{t-1}                    (if weight_decay != 0)
 * clr   = lr / (1 + (t - 1) * lr_decay)
 * s_t   = s_{t-1} + g_t^2,   s_0 = initial_accumulator_value
 * p_t   = p_{t-1} - clr * g_t / (sqrt(s_t) + eps)
 * </pre>
 * Buffer: "sum". Defaults: lr_decay 0, weight_decay 0, initial_accumulator_value 0, eps 1e-10.
 */
public final class Adagrad extends Optimizer {
    private final double lrDecay;
    private final float weightDecay;
    private final float eps;
    private final float[] sum;

    /** Adagrad with PyTorch's defaults. */
    public Adagrad(int paramCount) {
        this(paramCount, 0, 0, 0, 1e-10);
    }

    public Adagrad(int paramCount, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps) {
        super(paramCount);
        Check.nonNegative("adagrad", "lr_decay", lrDecay);
        Check.nonNegative("adagrad", "weight_decay", weightDecay);
        Check.nonNegative("adagrad", "initial_accumulator_value", initialAccumulatorValue);
        Check.nonNegative("adagrad", "eps", eps);
        this.lrDecay = lrDecay;
        this.weightDecay = (float) weightDecay;
        this.eps = (float) eps;
        this.sum = buffer("sum", (float) initialAccumulatorValue);
    }

    @Override
    public String name() {
        return "adagrad";
    }

    @Override
    protected void update(float[] p, float[] g, double lr, long t) {
        float clr = (float) (lr / (1 + (t - 1) * lrDecay));
        float wd = weightDecay;
        for (int i = 0; i < p.length; i++) {
            float d = g[i];
            if (wd != 0f && decays(i)) d += wd * p[i];
            float s = sum[i] + d * d;
            sum[i] = s;
            p[i] -= clr * (d / ((float) Math.sqrt(s) + eps));
        }
    }
}
