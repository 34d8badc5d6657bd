package org.sparkcnn.engine.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;

/**
 * A learning-rate schedule. {@link #lr(long, int)} gives the lr for the next optimizer update from two
 * counters: {@code step}, the number of optimizer updates already done, and {@code epoch}, the 0-based
 * index of the current epoch. Each closed-form schedule reads one of them ({@link Unit}); its value equals
 * PyTorch's closed form with {@code last_epoch} = that counter, i.e. the lr after that many
 * {@code scheduler.step()} calls, so a run resumed at (step, epoch) gets the same lr.
 *
 * <p>Only {@link ReduceLrOnPlateau} has state; it is driven by {@link #onMetric}, which the other
 * schedules ignore, and saved with {@link #state()} / {@link #restore}.
 */
public interface LrSchedule {
    /** Which counter a closed-form schedule reads. */
    enum Unit {
        STEP, EPOCH;

        long pick(long step, int epoch) {
            return this == STEP ? step : epoch;
        }
    }

    /** Type name, as accepted by {@link LrSchedules#create}. */
    String name();

    /** The lr for the next update; {@code step} and {@code epoch} must be >= 0. */
    double lr(long step, int epoch);

    /** Reports a validation metric once per epoch; only {@link ReduceLrOnPlateau} reacts. */
    default void onMetric(double metric) {}

    /** A copy of the mutable state; empty for closed-form schedules. */
    default ScheduleState state() {
        return new ScheduleState(name(), new LinkedHashMap<>());
    }

    /** Restores {@link #state()}; the type must match. */
    default void restore(ScheduleState s) {
        if (!name().equals(s.type())) {
            throw new IllegalArgumentException(name() + ": cannot restore schedule state of type '" + s.type() + "'");
        }
    }

    private static long counter(Unit unit, long step, int epoch) {
        if (step < 0 || epoch < 0) {
            throw new IllegalArgumentException("lr schedule: step and epoch must be >= 0, got " + step + ", " + epoch);
        }
        return unit.pick(step, epoch);
    }

    private static void check(double base) {
        Check.nonNegative("lr schedule", "lr", base);
    }

    /** {@code lr = base}. */
    record Constant(double base) implements LrSchedule {
        public Constant {
            check(base);
        }

        @Override
        public String name() {
            return "constant";
        }

        @Override
        public double lr(long step, int epoch) {
            counter(Unit.STEP, step, epoch);
            return base;
        }
    }

    /** PyTorch StepLR: {@code lr = base * gamma^floor(t / step_size)}. */
    record StepDecay(double base, Unit unit, long stepSize, double gamma) implements LrSchedule {
        public StepDecay {
            check(base);
            Check.atLeast("step", "step_size", stepSize, 1);
            Check.positive("step", "gamma", gamma);
        }

        @Override
        public String name() {
            return "step";
        }

        @Override
        public double lr(long step, int epoch) {
            return base * StrictMath.pow(gamma, counter(unit, step, epoch) / stepSize);
        }
    }

    /** PyTorch MultiStepLR: {@code lr = base * gamma^(number of milestones <= t)}; repeated milestones count twice. */
    record MultiStep(double base, Unit unit, long[] milestones, double gamma) implements LrSchedule {
        public MultiStep {
            check(base);
            milestones = milestones.clone();
            Arrays.sort(milestones);
            if (milestones.length > 0) Check.atLeast("multistep", "milestones", milestones[0], 0);
            Check.positive("multistep", "gamma", gamma);
        }

        @Override
        public long[] milestones() {
            return milestones.clone();
        }

        @Override
        public String name() {
            return "multistep";
        }

        @Override
        public double lr(long step, int epoch) {
            long t = counter(unit, step, epoch);
            int passed = 0;
            while (passed < milestones.length && milestones[passed] <= t) passed++;
            return base * StrictMath.pow(gamma, passed);
        }
    }

    /** PyTorch ExponentialLR: {@code lr = base * gamma^t}. */
    record Exponential(double base, Unit unit, double gamma) implements LrSchedule {
        public Exponential {
            check(base);
            Check.positive("exponential", "gamma", gamma);
        }

        @Override
        public String name() {
            return "exponential";
        }

        @Override
        public double lr(long step, int epoch) {
            return base * StrictMath.pow(gamma, counter(unit, step, epoch));
        }
    }

    /**
     * PyTorch CosineAnnealingLR, closed form:
     * {@code lr = eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2}.
     * As in PyTorch, the cosine continues past T_max (the lr rises again): set T_max to the run length.
     */
    record Cosine(double base, Unit unit, long tMax, double etaMin) implements LrSchedule {
        public Cosine {
            check(base);
            Check.atLeast("cosine", "t_max", tMax, 1);
            Check.nonNegative("cosine", "eta_min", etaMin);
        }

        @Override
        public String name() {
            return "cosine";
        }

        @Override
        public double lr(long step, int epoch) {
            double t = counter(unit, step, epoch);
            return etaMin + (base - etaMin) * (1 + StrictMath.cos(Math.PI * t / tMax)) / 2;
        }
    }

    /** PyTorch PolynomialLR: {@code lr = base * (1 - min(t, total_iters) / total_iters)^power}. */
    record Poly(double base, Unit unit, long totalIters, double power) implements LrSchedule {
        public Poly {
            check(base);
            Check.atLeast("poly", "total_iters", totalIters, 1);
            Check.nonNegative("poly", "power", power);
        }

        @Override
        public String name() {
            return "poly";
        }

        @Override
        public double lr(long step, int epoch) {
            long t = Math.min(counter(unit, step, epoch), totalIters);
            return base * StrictMath.pow(1 - (double) t / totalIters, power);
        }
    }

    /**
     * Linear warm-up over optimizer steps, multiplying the wrapped schedule by PyTorch LinearLR's factor
     * with end_factor 1:
     * {@code lr = inner(step, epoch) * (start_factor + (1 - start_factor) * min(step, warmup_steps) / warmup_steps)}.
     * For a multiplicative inner schedule this equals PyTorch's
     * {@code ChainedScheduler([LinearLR(opt, start_factor, 1.0, warmup_steps), inner])}. Metrics and state
     * pass through to the inner schedule.
     */
    record Warmup(LrSchedule inner, long steps, double startFactor) implements LrSchedule {
        public Warmup {
            if (inner == null) throw new IllegalArgumentException("warmup: inner schedule must not be null");
            Check.atLeast("warmup", "warmup_steps", steps, 1);
            if (!(startFactor > 0 && startFactor <= 1)) {
                throw Check.fail("warmup", "warmup_start_factor", "must be in (0, 1]", startFactor);
            }
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public double lr(long step, int epoch) {
            double f = startFactor + (1 - startFactor) * Math.min(counter(Unit.STEP, step, epoch), steps) / steps;
            return inner.lr(step, epoch) * f;
        }

        @Override
        public void onMetric(double metric) {
            inner.onMetric(metric);
        }

        @Override
        public ScheduleState state() {
            return inner.state();
        }

        @Override
        public void restore(ScheduleState s) {
            inner.restore(s);
        }
    }
}
