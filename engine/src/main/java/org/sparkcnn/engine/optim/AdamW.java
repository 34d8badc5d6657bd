package org.sparkcnn.engine.optim;

/**
 * AdamW, PyTorch {@code torch.optim.AdamW}: decoupled weight decay applied to the parameters before the
 * {@link Adam} update (which then runs without the L2 term):
 * <pre>
 * p_{t-1} = p_{t-1} * (1 - lr * weight_decay)
 * p_t     = Adam update of p_{t-1} with g_t = grad
 * </pre>
 * Buffers as {@link Adam}. Defaults: betas (0.9, 0.999), eps 1e-8, weight_decay 0.01, amsgrad false.
 */
public final class AdamW extends Adam {
    /** AdamW with PyTorch's defaults (weight_decay 0.01). */
    public AdamW(int paramCount) {
        this(paramCount, 0.9, 0.999, 1e-8, 0.01, false);
    }

    public AdamW(int paramCount, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(paramCount, beta1, beta2, eps, weightDecay, amsgrad, true);
    }

    @Override
    public String name() {
        return "adamw";
    }
}
