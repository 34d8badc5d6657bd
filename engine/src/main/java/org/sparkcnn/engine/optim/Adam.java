package org.sparkcnn.engine.optim;

/**
 * Adam, PyTorch {@code torch.optim.Adam} (weight decay as L2 added to the gradient):
 * <pre>
 * g_t   = grad + weight_decay * p_{t-1}                    (if weight_decay != 0)
 * m_t   = beta1 * m_{t-1} + (1 - beta1) * g_t
 * v_t   = beta2 * v_{t-1} + (1 - beta2) * g_t^2
 * vmax_t = max(vmax_{t-1}, v_t)                            (amsgrad; then v_t := vmax_t below)
 * p_t   = p_{t-1} - lr / (1 - beta1^t) * m_t / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * Buffers: "exp_avg", "exp_avg_sq", and "max_exp_avg_sq" with amsgrad.
 * Defaults: betas (0.9, 0.999), eps 1e-8, weight_decay 0, amsgrad false.
 */
public class Adam extends Optimizer {
    private final Betas betas;
    private final float eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final float[] m;
    private final float[] v;
    private final float[] vmax;

    /** Adam with PyTorch's defaults. */
    public Adam(int paramCount) {
        this(paramCount, 0.9, 0.999, 1e-8, 0, false);
    }

    public Adam(int paramCount, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        this(paramCount, beta1, beta2, eps, weightDecay, amsgrad, false);
    }

    Adam(int paramCount, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad, boolean decoupled) {
        super(paramCount);
        String who = decoupled ? "adamw" : "adam";
        this.betas = Betas.of(who, beta1, beta2);
        Check.nonNegative(who, "eps", eps);
        Check.nonNegative(who, "weight_decay", weightDecay);
        this.eps = (float) eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.m = buffer("exp_avg", 0f);
        this.v = buffer("exp_avg_sq", 0f);
        this.vmax = amsgrad ? buffer("max_exp_avg_sq", 0f) : null;
    }

    @Override
    public String name() {
        return "adam";
    }

    @Override
    protected void update(float[] p, float[] g, double lr, long t) {
        float stepSize = (float) (lr / betas.correction1(t));
        float bc2Sqrt = betas.correction2Sqrt(t);
        float b1 = betas.b1(), c1 = betas.c1(), b2 = betas.b2(), c2 = betas.c2();
        float l2 = decoupled ? 0f : (float) weightDecay;
        float shrink = (float) (1 - lr * weightDecay); // AdamW: p *= 1 - lr * weight_decay
        boolean decay = decoupled && weightDecay != 0;
        for (int i = 0; i < p.length; i++) {
            float pi = p[i];
            if (decay && decays(i)) pi *= shrink;
            float d = g[i];
            if (l2 != 0f && decays(i)) d += l2 * pi;
            float mi = b1 * m[i] + c1 * d;
            float vi = b2 * v[i] + c2 * d * d;
            m[i] = mi;
            v[i] = vi;
            if (vmax != null) {
                vi = Math.max(vmax[i], vi);
                vmax[i] = vi;
            }
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p[i] = pi - stepSize * (mi / denom);
        }
    }
}
