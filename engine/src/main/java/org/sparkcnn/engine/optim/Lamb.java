package org.sparkcnn.engine.optim;

/**
 * LAMB (You et al. 2019, "Large batch optimization for deep learning", Algorithm 2 with Adam's bias
 * correction, as NVIDIA's FusedLAMB):
 * <pre>
 * per element:  m_t = beta1 * m_{t-1} + (1 - beta1) * g
 *               v_t = beta2 * v_{t-1} + (1 - beta2) * g^2
 *               r   = (m_t / (1 - beta1^t)) / (sqrt(v_t) / sqrt(1 - beta2^t) + eps) + wd * w
 * per tensor:   trust = ||w|| / ||r||   (1 if ||w|| = 0, ||r|| = 0 or not adapted)
 *               w_t = w_{t-1} - lr * trust * r
 * </pre>
 * wd = weight_decay, 0 for a tensor exempt from decay. {@code lr * trust} is computed in double and
 * rounded to float once. Buffers: "exp_avg", "exp_avg_sq". Defaults: betas (0.9, 0.999), eps 1e-6,
 * weight_decay 0.01.
 */
public final class Lamb extends LayerwiseOptimizer {
    private final Betas betas;
    private final float eps;
    private final double weightDecay;
    private final float[] m;
    private final float[] v;
    private final float[] r;  // this step's update direction; scratch, not state

    public Lamb(int paramCount, double beta1, double beta2, double eps, double weightDecay) {
        super(paramCount);
        this.betas = Betas.of("lamb", beta1, beta2);
        Check.nonNegative("lamb", "eps", eps);
        Check.nonNegative("lamb", "weight_decay", weightDecay);
        this.eps = (float) eps;
        this.weightDecay = weightDecay;
        this.m = buffer("exp_avg", 0f);
        this.v = buffer("exp_avg_sq", 0f);
        this.r = new float[paramCount];
    }

    @Override
    public String name() {
        return "lamb";
    }

    @Override
    protected void update(float[] p, float[] g, double lr, long t) {
        float bc1 = (float) betas.correction1(t);
        float bc2Sqrt = betas.correction2Sqrt(t);
        float b1 = betas.b1(), c1 = betas.c1(), b2 = betas.b2(), c2 = betas.c2();
        for (int k = 0; k < tensorCount(); k++) {
            int from = start(k);
            int to = end(k);
            float wd = decays(from) ? (float) weightDecay : 0f;
            for (int i = from; i < to; i++) {
                float d = g[i];
                float mi = b1 * m[i] + c1 * d;
                float vi = b2 * v[i] + c2 * d * d;
                m[i] = mi;
                v[i] = vi;
                float ri = (mi / bc1) / ((float) Math.sqrt(vi) / bc2Sqrt + eps);
                if (wd != 0f) ri += wd * p[i];
                r[i] = ri;
            }
            double trust = 1;
            if (adapted(k)) {
                double wNorm = norm(p, from, to);
                double rNorm = norm(r, from, to);
                if (wNorm != 0 && rNorm != 0) trust = wNorm / rNorm;
            }
            float step = (float) (lr * trust);
            for (int i = from; i < to; i++) p[i] -= step * r[i];
        }
    }
}
