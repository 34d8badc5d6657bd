package org.sparkcnn.engine.optim;

import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * Checkpointable optimizer state: the optimizer's {@link Optimizer#name() type name}, the number of
 * updates taken, and its named per-parameter buffers ("momentum", "exp_avg", "exp_avg_sq",
 * "max_exp_avg_sq", "square_avg", "grad_avg", "sum"), in the optimizer's own order.
 * {@link Optimizer#state()} hands out copies and {@link Optimizer#restore} copies in, so an instance never
 * aliases live optimizer memory. Hyperparameters are not part of the state: they come from the config.
 */
public record OptimizerState(String type, long step, LinkedHashMap<String, float[]> buffers) {
    public OptimizerState {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(buffers, "buffers");
        if (step < 0) throw new IllegalArgumentException("optimizer state: step must be >= 0, got " + step);
    }
}
