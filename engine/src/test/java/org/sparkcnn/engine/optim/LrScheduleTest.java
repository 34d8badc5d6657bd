package org.sparkcnn.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LrScheduleTest {
    static final double BASE = 0.1;

    static void near(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-12 * Math.max(1, Math.abs(expected)), what);
    }

    @Test
    void constant() {
        LrSchedule s = LrSchedules.create("constant", Map.of(), BASE);
        assertEquals(BASE, s.lr(0, 0));
        assertEquals(BASE, s.lr(123_456, 78));
    }

    @Test
    void stepDecayReadsEpochByDefault() {
        LrSchedule s = LrSchedules.create("step", Map.of("step_size", 3, "gamma", 0.5), BASE);
        for (int e = 0; e < 10; e++) near(BASE * Math.pow(0.5, e / 3), s.lr(1000L * e + 7, e), "epoch " + e);
        near(BASE * 0.25, s.lr(0, 6), "the step counter is ignored");
    }

    @Test
    void stepDecayByStep() {
        LrSchedule s = LrSchedules.create("step", Map.of("step_size", 100, "unit", "step"), BASE);
        near(BASE, s.lr(99, 5), "step 99");
        near(BASE * 0.1, s.lr(100, 0), "step 100");
        near(BASE * 0.01, s.lr(250, 0), "step 250");
    }

    @Test
    void multiStepSortsAndCountsRepeats() {
        LrSchedule s = LrSchedules.create("multistep", Map.of("milestones", List.of(6, 2, 6), "gamma", 0.1), BASE);
        int[] passed = {0, 0, 1, 1, 1, 1, 3, 3, 3};
        for (int e = 0; e < passed.length; e++) near(BASE * Math.pow(0.1, passed[e]), s.lr(0, e), "epoch " + e);
    }

    @Test
    void exponential() {
        LrSchedule s = LrSchedules.create("exponential", Map.of("gamma", 0.9), BASE);
        for (int e : new int[] {0, 1, 2, 10, 50}) near(BASE * Math.pow(0.9, e), s.lr(0, e), "epoch " + e);
    }

    @Test
    void cosineClosedForm() {
        double etaMin = 0.001;
        LrSchedule s = LrSchedules.create("cosine", Map.of("t_max", 10, "eta_min", etaMin), BASE);
        near(BASE, s.lr(0, 0), "start");
        near((BASE + etaMin) / 2, s.lr(0, 5), "half way");
        near(etaMin, s.lr(0, 10), "end");
        for (int e : new int[] {1, 3, 7, 15}) {
            near(etaMin + (BASE - etaMin) * (1 + Math.cos(Math.PI * e / 10)) / 2, s.lr(0, e), "epoch " + e);
        }
    }

    @Test
    void polyClosedForm() {
        LrSchedule s = LrSchedules.create("poly", Map.of("total_iters", 4, "power", 2.0, "unit", "step"), BASE);
        for (int t = 0; t <= 6; t++) {
            near(BASE * Math.pow(1 - Math.min(t, 4) / 4.0, 2), s.lr(t, 0), "step " + t);
        }
        assertEquals(0.0, s.lr(5, 0));
    }

    @Test
    void warmupMultipliesTheWrappedSchedule() {
        LrSchedule s = LrSchedules.create("cosine",
                Map.of("t_max", 10, "warmup_steps", 4, "warmup_start_factor", 0.25), BASE);
        near(BASE * 0.25, s.lr(0, 0), "step 0");
        near(BASE * (0.25 + 0.75 * 2 / 4), s.lr(2, 0), "step 2");
        near(BASE, s.lr(4, 0), "step 4");
        double cos3 = BASE * (1 + Math.cos(Math.PI * 3 / 10)) / 2;
        near(cos3, s.lr(40, 3), "after warm-up: inner only");
        near(cos3 * (0.25 + 0.75 / 4), s.lr(1, 3), "during warm-up at epoch 3");
        assertEquals("cosine", s.name());
    }

    @Test
    void warmupDefaultStartFactorIsOneThird() {
        LrSchedule s = LrSchedules.create("constant", Map.of("warmup_steps", 3), BASE);
        near(BASE / 3, s.lr(0, 0), "step 0");
        near(BASE * (1.0 / 3 + (2.0 / 3) / 3), s.lr(1, 0), "step 1");
        near(BASE, s.lr(3, 0), "step 3");
    }

    @Test
    void resumedScheduleGivesTheSameLr() {
        Map<String, Object> opts = Map.of("t_max", 50, "unit", "step", "warmup_steps", 10);
        LrSchedule first = LrSchedules.create("cosine", opts, BASE);
        double[] seen = new double[40];
        for (int t = 0; t < 40; t++) seen[t] = first.lr(t, t / 8);
        LrSchedule resumed = LrSchedules.create("cosine", opts, BASE);
        for (int t = 25; t < 40; t++) assertEquals(seen[t], resumed.lr(t, t / 8), "step " + t);
    }

    /** patience 2, cooldown 1, factor 0.5, min_lr 0.02, threshold 0.01 abs, mode min. */
    static LrSchedule plateau() {
        return LrSchedules.create("plateau", Map.of("factor", 0.5, "patience", 2, "cooldown", 1, "min_lr", 0.02,
                "threshold", 0.01, "threshold_mode", "abs"), BASE);
    }

    static final double[] METRICS = {1.0, 0.995, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6};
    // 0.995 is not better than 1.0 by the absolute threshold 0.01; 0.5 is.
    static final double[] LRS = {
        0.1,   // best = 1.0
        0.1,   // bad 1
        0.1,   // bad 2
        0.05,  // bad 3 > patience: reduce, cooldown 1
        0.05,  // cooldown: bad reset to 0
        0.05,  // bad 1
        0.05,  // better: best = 0.5
        0.05,  // bad 1
        0.05,  // bad 2
        0.025, // bad 3: reduce
        0.025, // cooldown
        0.025, // bad 1
        0.025, // bad 2
        0.02,  // bad 3: max(0.0125, min_lr)
        0.02,  // cooldown
        0.02,  // bad 1
        0.02,  // bad 2
        0.02,  // bad 3: already at min_lr, unchanged
    };

    @Test
    void plateauReducesAfterPatienceHonoursCooldownAndMinLr() {
        LrSchedule s = plateau();
        assertEquals(BASE, s.lr(0, 0));
        for (int i = 0; i < METRICS.length; i++) {
            s.onMetric(METRICS[i]);
            near(LRS[i], s.lr(0, 0), "after metric " + i);
        }
    }

    @Test
    void plateauMaxModeRelThreshold() {
        LrSchedule s = LrSchedules.create("plateau", Map.of("mode", "max", "patience", 0, "threshold", 0.1), 1.0);
        s.onMetric(1.0);  // best 1.0
        s.onMetric(1.2);  // 1.2 > 1.1: better
        assertEquals(1.0, s.lr(0, 0));
        s.onMetric(1.3);  // 1.3 < 1.32: bad 1 > patience 0 -> reduce by default factor 0.1
        near(0.1, s.lr(0, 0), "after a bad epoch");
    }

    @Test
    void plateauStateRoundTrip() {
        LrSchedule a = plateau();
        for (int i = 0; i < 8; i++) a.onMetric(METRICS[i]);
        ScheduleState st = a.state();
        assertEquals("plateau", st.type());
        assertEquals(0.5, st.values().get("best"));
        LrSchedule b = plateau();
        b.restore(st);
        for (int i = 8; i < METRICS.length; i++) {
            a.onMetric(METRICS[i]);
            b.onMetric(METRICS[i]);
            assertEquals(a.lr(0, 0), b.lr(0, 0), "after metric " + i);
            near(LRS[i], b.lr(0, 0), "after metric " + i);
        }
        assertEquals(a.state(), b.state());
    }

    @Test
    void plateauRestoreValidates() {
        LrSchedule s = plateau();
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
                () -> s.restore(LrSchedules.create("constant", Map.of(), BASE).state()));
        assertTrue(e1.getMessage().contains("constant"), e1.getMessage());
        ScheduleState st = s.state();
        st.values().remove("cooldown_counter");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> s.restore(st));
        assertTrue(e2.getMessage().contains("cooldown_counter"), e2.getMessage());
    }

    @Test
    void warmupPassesMetricsAndStateToPlateau() {
        LrSchedule s = LrSchedules.create("plateau", Map.of("patience", 0, "warmup_steps", 2), BASE);
        s.onMetric(1.0);
        s.onMetric(2.0); // bad: reduce to 0.01
        near(0.01, s.lr(5, 0), "after warm-up");
        near(0.01 / 3, s.lr(0, 0), "in warm-up");
        assertEquals(0.01, s.state().values().get("lr"), 1e-15);
    }
}
