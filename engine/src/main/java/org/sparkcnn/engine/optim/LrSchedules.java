package org.sparkcnn.engine.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds an {@link LrSchedule} from a name and an option map (PyTorch's argument names, lower case).
 * <pre>
 * constant     -
 * step         step_size (required), gamma (0.1), unit
 * multistep    milestones (required), gamma (0.1), unit
 * exponential  gamma (required), unit
 * cosine       t_max (required), eta_min (0), unit
 * poly         total_iters (required), power (1.0), unit
 * plateau      mode ("min"), factor (0.1), patience (10), threshold (1e-4), threshold_mode ("rel"),
 *              cooldown (0), min_lr (0), eps (1e-8)
 * </pre>
 * {@code unit} is "epoch" (default) or "step": which counter the closed form reads. Every schedule
 * also takes {@code warmup_steps} (0 = none) and {@code warmup_start_factor} (1/3, PyTorch LinearLR's
 * default), which wrap it in {@link LrSchedule.Warmup}. Unknown names or keys, wrong types and
 * out-of-range values throw IllegalArgumentException naming the schedule and the key.
 */
public final class LrSchedules {
    private LrSchedules() {}

    private static final List<String> WARMUP = List.of("warmup_steps", "warmup_start_factor");
    private static final Map<String, List<String>> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("constant", keys());
        KEYS.put("step", keys("step_size", "gamma", "unit"));
        KEYS.put("multistep", keys("milestones", "gamma", "unit"));
        KEYS.put("exponential", keys("gamma", "unit"));
        KEYS.put("cosine", keys("t_max", "eta_min", "unit"));
        KEYS.put("poly", keys("total_iters", "power", "unit"));
        KEYS.put("plateau", keys("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps"));
    }

    private static List<String> keys(String... own) {
        List<String> all = new ArrayList<>(List.of(own));
        all.addAll(WARMUP);
        return List.copyOf(all);
    }

    /** The accepted schedule names. */
    public static List<String> names() {
        return List.copyOf(KEYS.keySet());
    }

    /** The option keys accepted for {@code name}. */
    public static List<String> keys(String name) {
        List<String> keys = KEYS.get(normalize(name));
        if (keys == null) throw unknown(name);
        return keys;
    }

    /** A fresh schedule starting from {@code baseLr}; {@code options} may be null or empty. */
    public static LrSchedule create(String name, Map<String, ?> options, double baseLr) {
        String n = normalize(name);
        List<String> keys = keys(name);
        Check.nonNegative(n, "lr", baseLr);
        Opts o = new Opts(n, options, keys);
        LrSchedule.Unit unit = o.choice("unit", "epoch", List.of("epoch", "step")).equals("step")
                ? LrSchedule.Unit.STEP : LrSchedule.Unit.EPOCH;
        LrSchedule s;
        switch (n) {
            case "constant":
                s = new LrSchedule.Constant(baseLr);
                break;
            case "step":
                s = new LrSchedule.StepDecay(baseLr, unit, o.integer("step_size"), o.num("gamma", 0.1));
                break;
            case "multistep":
                s = new LrSchedule.MultiStep(baseLr, unit, o.integers("milestones"), o.num("gamma", 0.1));
                break;
            case "exponential":
                s = new LrSchedule.Exponential(baseLr, unit, o.num("gamma"));
                break;
            case "cosine":
                s = new LrSchedule.Cosine(baseLr, unit, o.integer("t_max"), o.num("eta_min", 0));
                break;
            case "poly":
                s = new LrSchedule.Poly(baseLr, unit, o.integer("total_iters"), o.num("power", 1.0));
                break;
            case "plateau":
                s = new ReduceLrOnPlateau(baseLr, o.choice("mode", "min", List.of("min", "max")), o.num("factor", 0.1),
                        o.integer("patience", 10), o.num("threshold", 1e-4),
                        o.choice("threshold_mode", "rel", List.of("rel", "abs")), o.integer("cooldown", 0),
                        o.num("min_lr", 0), o.num("eps", 1e-8));
                break;
            default:
                throw unknown(name);
        }
        long warmup = o.integer("warmup_steps", 0);
        Check.atLeast(n, "warmup_steps", warmup, 0);
        if (warmup == 0) {
            if (o.has("warmup_start_factor")) throw Check.fail(n, "warmup_start_factor", "needs warmup_steps > 0", "warmup_steps 0");
            return s;
        }
        return new LrSchedule.Warmup(s, warmup, o.num("warmup_start_factor", 1.0 / 3));
    }

    private static String normalize(String name) {
        return name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown lr schedule '" + name + "'; valid names: " + KEYS.keySet());
    }
}
