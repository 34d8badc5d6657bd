package org.sparkcnn.engine.train;

import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.layers.BatchNorm2d;

/**
 * Batch norm's running statistics under ghost groups: the update PyTorch applies after each training
 * batch, {@code running = (1 - momentum) * running + momentum * stat} (the batch mean into
 * running_mean, the unbiased batch variance into running_var), applied once per group, by the caller
 * in a fixed group order. Evaluated in double and rounded to float32 once per value, as the engine's
 * own update; {@code stats} holds the group's statistics as float32 ({@code Network.batchStatistics}).
 */
public final class RunningStatistics {

    private RunningStatistics() {
    }

    /** Applies one group's statistics {@code stats[offset .. offset + bufferCount)} to {@code buffers}. */
    public static void update(ModelDefinition def, float[] buffers, float[] stats, int offset) {
        for (ModelDefinition.ParamSlice s : def.buffers()) {
            double m = ((BatchNorm2d) def.layers().get(s.layer())).momentum();
            for (int i = s.offset(), e = s.offset() + s.size(); i < e; i++) {
                buffers[i] = (float) ((1 - m) * buffers[i] + m * stats[offset + i]);
            }
        }
    }
}
