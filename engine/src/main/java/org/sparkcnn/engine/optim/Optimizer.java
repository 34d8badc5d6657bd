package org.sparkcnn.engine.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimizer over one flat parameter buffer and a gradient buffer of the same layout.
 *
 * <p>{@link #step} applies one update in place to {@code params}; {@code grads} is the already averaged
 * gradient and is never written. Each element is updated by PyTorch's documented formula (see each
 * subclass) in a plain loop in index order, with state and per-element arithmetic in float32 and the
 * per-step scalars (bias corrections, decayed lr) in double, cast to float once, as PyTorch does with
 * Python scalars. Results are bit-identical for identical inputs on any JVM (Java float arithmetic is
 * strict; scalars use {@link StrictMath}). They agree with PyTorch to float rounding, not bit for bit,
 * since PyTorch's fused/vectorized kernels round differently.
 *
 * <p>Buffers are allocated at construction for {@code paramCount} elements, so {@code step} never
 * allocates. The lr is passed to every step (it belongs to the {@link LrSchedule}), as PyTorch reads
 * {@code param_group["lr"]} afresh on each step.
 */
public abstract class Optimizer {
    private final int n;
    private long t;
    private final LinkedHashMap<String, float[]> buffers = new LinkedHashMap<>();
    private boolean[] decayed;  // null: weight decay applies to every element

    protected Optimizer(int paramCount) {
        if (paramCount < 0) throw Check.fail(name(), "paramCount", "must be >= 0", paramCount);
        n = paramCount;
    }

    /** Registers a state buffer of {@code size()} elements filled with {@code init}; call from constructors. */
    protected final float[] buffer(String name, float init) {
        float[] b = new float[n];
        if (init != 0f) Arrays.fill(b, init);
        buffers.put(name, b);
        return b;
    }

    /** Type name, as accepted by {@link Optimizers#create}: "sgd", "adam", "adamw", "rmsprop", "adagrad", "lars", "lamb". */
    public abstract String name();

    /**
     * Restricts weight decay to the elements where {@code mask} is true (null: all, the default);
     * the others are updated as with weight_decay 0.
     */
    public final void decayOnly(boolean[] mask) {
        if (mask != null && mask.length != n) throw Check.fail(name(), "weight decay mask length", "must be " + n, mask.length);
        decayed = mask == null ? null : mask.clone();
    }

    /** Whether weight decay applies to element {@code i}. */
    protected final boolean decays(int i) {
        return decayed == null || decayed[i];
    }

    /** Number of parameters this optimizer was built for. */
    public final int size() {
        return n;
    }

    /** Number of updates taken so far (PyTorch's {@code state["step"]}). */
    public final long steps() {
        return t;
    }

    /** Applies one update to {@code params} with learning rate {@code lr}; {@code grads} is read only. */
    public final void step(float[] params, float[] grads, double lr) {
        if (params == null || params.length != n) throw Check.fail(name(), "params length", "must be " + n, len(params));
        if (grads == null || grads.length != n) throw Check.fail(name(), "grads length", "must be " + n, len(grads));
        Check.nonNegative(name(), "lr", lr);
        t++;
        update(params, grads, lr, t);
    }

    private static Object len(float[] a) {
        return a == null ? "null" : a.length;
    }

    /** One update; {@code t} is the 1-based number of this step. */
    protected abstract void update(float[] p, float[] g, double lr, long t);

    /** A deep copy of the step count and buffers. */
    public final OptimizerState state() {
        LinkedHashMap<String, float[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : buffers.entrySet()) copy.put(e.getKey(), e.getValue().clone());
        return new OptimizerState(name(), t, copy);
    }

    /**
     * Copies {@code s} into this optimizer. The type, the set of buffer names and every buffer length must
     * match; otherwise an IllegalArgumentException names the mismatch and nothing is changed.
     */
    public final void restore(OptimizerState s) {
        if (!name().equals(s.type())) {
            throw new IllegalArgumentException(name() + ": cannot restore state of type '" + s.type() + "'");
        }
        for (String key : s.buffers().keySet()) {
            if (!buffers.containsKey(key)) {
                throw new IllegalArgumentException(name() + ": unknown state buffer '" + key + "'; expected " + buffers.keySet());
            }
        }
        for (Map.Entry<String, float[]> e : buffers.entrySet()) {
            float[] src = s.buffers().get(e.getKey());
            if (src == null) throw new IllegalArgumentException(name() + ": state buffer '" + e.getKey() + "' is missing");
            if (src.length != n) {
                throw new IllegalArgumentException(name() + ": state buffer '" + e.getKey() + "' has length "
                        + src.length + ", expected " + n);
            }
        }
        for (Map.Entry<String, float[]> e : buffers.entrySet()) {
            System.arraycopy(s.buffers().get(e.getKey()), 0, e.getValue(), 0, n);
        }
        t = s.step();
    }
}
