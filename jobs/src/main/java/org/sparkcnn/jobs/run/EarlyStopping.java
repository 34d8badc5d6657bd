package org.sparkcnn.jobs.run;

import java.util.LinkedHashMap;
import java.util.Map;

/** Tracks the monitored validation metric: the best value, its weights, and patience. */
public final class EarlyStopping {
    private final RunSettings.Validation v;
    private double best = Double.NaN;
    private double last = Double.NaN;
    private long bestStep;
    private float[] bestParams;
    private float[] bestBuffers;  // a model with state: the running statistics that go with bestParams
    private int sinceBest;

    public EarlyStopping(RunSettings.Validation v) {
        this.v = v;
    }

    /** Records a validation; returns whether it improved on the best by more than min-delta. */
    public boolean observe(double value, long step, float[] params) {
        return observe(value, step, params, null);
    }

    /** As above, keeping the model's state ({@code buffers}, null for none) with the best weights. */
    public boolean observe(double value, long step, float[] params, float[] buffers) {
        last = value;
        boolean higherIsBetter = v.higherIsBetter();
        boolean improved = Double.isNaN(best)
                || (higherIsBetter ? value > best + v.minDelta() : value < best - v.minDelta());
        if (improved) {
            best = value;
            bestStep = step;
            sinceBest = 0;
            if (v.restoreBest()) {
                bestParams = params.clone();
                bestBuffers = buffers == null || buffers.length == 0 ? null : buffers.clone();
            }
        } else {
            sinceBest++;
        }
        return improved;
    }

    /** The scalars of {@link #observe}'s state, for a checkpoint. */
    public Map<String, Double> state() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("best", best);
        m.put("last", last);
        m.put("best_step", (double) bestStep);
        m.put("since_best", (double) sinceBest);
        return m;
    }

    public Map<String, float[]> arrays() {
        if (bestParams == null) {
            return Map.of();
        }
        return bestBuffers == null ? Map.of("best_params", bestParams.clone())
                : Map.of("best_params", bestParams.clone(), "best_buffers", bestBuffers.clone());
    }

    public void restore(Map<String, Double> state, Map<String, float[]> arrays) {
        best = state.getOrDefault("best", Double.NaN);
        last = state.getOrDefault("last", Double.NaN);
        bestStep = state.getOrDefault("best_step", 0.0).longValue();
        sinceBest = state.getOrDefault("since_best", 0.0).intValue();
        bestParams = arrays.containsKey("best_params") ? arrays.get("best_params").clone() : null;
        bestBuffers = arrays.containsKey("best_buffers") ? arrays.get("best_buffers").clone() : null;
    }

    public boolean shouldStop() {
        return v.patience() > 0 && sinceBest >= v.patience();
    }

    public float[] best() {
        return bestParams;
    }

    /** The running statistics kept with {@link #best()}, or null (a model without state). */
    public float[] bestBuffers() {
        return bestBuffers;
    }

    public long bestStep() {
        return bestStep;
    }

    public double bestValue() {
        return best;
    }

    public double lastValue() {
        return last;
    }
}
