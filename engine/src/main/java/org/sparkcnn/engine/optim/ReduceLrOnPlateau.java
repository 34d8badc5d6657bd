package org.sparkcnn.engine.optim;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * PyTorch ReduceLROnPlateau, driven by {@link #onMetric} once per epoch:
 * <pre>
 * better(a): min/rel a &lt; best * (1 - threshold)    min/abs a &lt; best - threshold
 *            max/rel a &gt; best * (1 + threshold)    max/abs a &gt; best + threshold
 * if better(a): best = a, bad = 0  else bad += 1
 * if cooldown_counter &gt; 0: cooldown_counter -= 1, bad = 0
 * if bad &gt; patience:
 *     new = max(lr * factor, min_lr);  if lr - new &gt; eps: lr = new
 *     cooldown_counter = cooldown, bad = 0
 * </pre>
 * best starts at +inf (min) or -inf (max); a NaN metric counts as a bad epoch. The lr does not depend on
 * the counters, so it lives in {@link #state()}. Defaults: mode min, factor 0.1, patience 10,
 * threshold 1e-4, threshold_mode rel, cooldown 0, min_lr 0, eps 1e-8.
 */
public final class ReduceLrOnPlateau implements LrSchedule {
    private static final List<String> KEYS = List.of("lr", "best", "num_bad_epochs", "cooldown_counter", "last_epoch");

    private final boolean max;
    private final double factor;
    private final long patience;
    private final double threshold;
    private final boolean rel;
    private final long cooldown;
    private final double minLr;
    private final double eps;

    private double lr;
    private double best;
    private long bad;
    private long cooldownLeft;
    private long lastEpoch;

    /** PyTorch's defaults: mode min, factor 0.1, patience 10, threshold 1e-4 rel, cooldown 0, min_lr 0, eps 1e-8. */
    public ReduceLrOnPlateau(double baseLr) {
        this(baseLr, "min", 0.1, 10, 1e-4, "rel", 0, 0, 1e-8);
    }

    public ReduceLrOnPlateau(double baseLr, String mode, double factor, long patience, double threshold,
            String thresholdMode, long cooldown, double minLr, double eps) {
        String who = "plateau";
        Check.nonNegative("lr schedule", "lr", baseLr);
        if (!"min".equals(mode) && !"max".equals(mode)) throw Check.fail(who, "mode", "must be 'min' or 'max'", mode);
        if (!(factor >= 0 && factor < 1)) throw Check.fail(who, "factor", "must be in [0, 1)", factor);
        Check.atLeast(who, "patience", patience, 0);
        Check.nonNegative(who, "threshold", threshold);
        if (!"rel".equals(thresholdMode) && !"abs".equals(thresholdMode)) {
            throw Check.fail(who, "threshold_mode", "must be 'rel' or 'abs'", thresholdMode);
        }
        Check.atLeast(who, "cooldown", cooldown, 0);
        Check.nonNegative(who, "min_lr", minLr);
        Check.nonNegative(who, "eps", eps);
        this.max = mode.equals("max");
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.rel = thresholdMode.equals("rel");
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.eps = eps;
        this.lr = baseLr;
        this.best = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    @Override
    public String name() {
        return "plateau";
    }

    /** The current lr; the counters are ignored. */
    @Override
    public double lr(long step, int epoch) {
        return lr;
    }

    private boolean better(double a) {
        if (max) return rel ? a > best * (1 + threshold) : a > best + threshold;
        return rel ? a < best * (1 - threshold) : a < best - threshold;
    }

    @Override
    public void onMetric(double metric) {
        lastEpoch++;
        if (better(metric)) {
            best = metric;
            bad = 0;
        } else {
            bad++;
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            bad = 0; // bad epochs during cooldown are ignored
        }
        if (bad > patience) {
            double next = Math.max(lr * factor, minLr);
            if (lr - next > eps) lr = next;
            cooldownLeft = cooldown;
            bad = 0;
        }
    }

    @Override
    public ScheduleState state() {
        LinkedHashMap<String, Double> v = new LinkedHashMap<>();
        v.put("lr", lr);
        v.put("best", best);
        v.put("num_bad_epochs", (double) bad);
        v.put("cooldown_counter", (double) cooldownLeft);
        v.put("last_epoch", (double) lastEpoch);
        return new ScheduleState(name(), v);
    }

    @Override
    public void restore(ScheduleState s) {
        LrSchedule.super.restore(s);
        for (String k : s.values().keySet()) {
            if (!KEYS.contains(k)) throw new IllegalArgumentException("plateau: unknown state value '" + k + "'; expected " + KEYS);
        }
        for (String k : KEYS) {
            if (s.values().get(k) == null) throw new IllegalArgumentException("plateau: state value '" + k + "' is missing");
        }
        double newLr = s.values().get("lr");
        Check.nonNegative("plateau state", "lr", newLr);
        long[] counts = new long[3];
        for (int i = 0; i < 3; i++) {
            String k = KEYS.get(i + 2);
            double d = s.values().get(k);
            if (!(d >= 0) || Double.isInfinite(d) || d != Math.rint(d)) throw Check.fail("plateau state", k, "must be an integer >= 0", d);
            counts[i] = (long) d;
        }
        lr = newLr;
        best = s.values().get("best");
        bad = counts[0];
        cooldownLeft = counts[1];
        lastEpoch = counts[2];
    }
}
