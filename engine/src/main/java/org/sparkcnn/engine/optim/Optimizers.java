package org.sparkcnn.engine.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkcnn.engine.ModelDefinition;

/**
 * Builds an {@link Optimizer} from a name and an option map whose keys are PyTorch's argument names.
 * The learning rate is not an option: it is passed to every {@link Optimizer#step} by the schedule.
 * <pre>
 * sgd      momentum (0), dampening (0), nesterov (false), weight_decay (0)
 * adam     betas ([0.9, 0.999]), eps (1e-8), weight_decay (0), amsgrad (false)
 * adamw    betas ([0.9, 0.999]), eps (1e-8), weight_decay (0.01), amsgrad (false)
 * rmsprop  alpha (0.99), eps (1e-8), weight_decay (0), momentum (0), centered (false)
 * adagrad  lr_decay (0), weight_decay (0), initial_accumulator_value (0), eps (1e-10)
 * lars     momentum (0.9), dampening (0), nesterov (false), weight_decay (0), trust_coefficient (0.001),
 *          eps (1e-8), no_adapt_bias_and_norm (false)
 * lamb     betas ([0.9, 0.999]), eps (1e-6), weight_decay (0.01), no_adapt_bias_and_norm (false)
 * </pre>
 * Each also takes {@code no_decay_bias_and_norm} (false): true applies weight_decay to the conv and
 * dense weights only, not to biases nor batch-norm gamma and beta (the usual recipe). LARS and LAMB
 * (the layer-wise {@link LayerwiseOptimizer}s) take a trust ratio per parameter tensor;
 * {@code no_adapt_bias_and_norm} true leaves biases and batch-norm gamma and beta at ratio 1. Both need
 * the model, so {@link #create(String, Map, ModelDefinition)}; without it, LARS and LAMB see the whole
 * buffer as one tensor.
 * An unknown name or key, a wrong type or an out-of-range value throws IllegalArgumentException naming
 * the optimizer and the key.
 */
public final class Optimizers {
    private Optimizers() {}

    private static final Map<String, List<String>> KEYS = new LinkedHashMap<>();
    /** The option that exempts biases and normalization parameters from weight decay. */
    public static final String NO_DECAY = "no_decay_bias_and_norm";
    /** The option that leaves biases and normalization parameters out of LARS's and LAMB's trust ratios. */
    public static final String NO_ADAPT = "no_adapt_bias_and_norm";

    static {
        KEYS.put("sgd", List.of("momentum", "dampening", "nesterov", "weight_decay", NO_DECAY));
        KEYS.put("adam", List.of("betas", "eps", "weight_decay", "amsgrad", NO_DECAY));
        KEYS.put("adamw", List.of("betas", "eps", "weight_decay", "amsgrad", NO_DECAY));
        KEYS.put("rmsprop", List.of("alpha", "eps", "weight_decay", "momentum", "centered", NO_DECAY));
        KEYS.put("adagrad", List.of("lr_decay", "weight_decay", "initial_accumulator_value", "eps", NO_DECAY));
        KEYS.put("lars", List.of("momentum", "dampening", "nesterov", "weight_decay", "trust_coefficient", "eps", NO_DECAY, NO_ADAPT));
        KEYS.put("lamb", List.of("betas", "eps", "weight_decay", NO_DECAY, NO_ADAPT));
    }

    /** The accepted optimizer names. */
    public static List<String> names() {
        return List.copyOf(KEYS.keySet());
    }

    /** The option keys accepted for {@code name}. */
    public static List<String> keys(String name) {
        List<String> keys = KEYS.get(normalize(name));
        if (keys == null) throw unknown(name);
        return keys;
    }

    /** A fresh optimizer for {@code def}'s parameters; {@code options} may be null or empty. */
    public static Optimizer create(String name, Map<String, ?> options, ModelDefinition def) {
        Opts o = new Opts(normalize(name), options, keys(name));
        Optimizer opt = build(name, o, def.paramCount());
        if (o.bool(NO_DECAY, false)) {
            opt.decayOnly(decayMask(def));
        }
        if (opt instanceof LayerwiseOptimizer layerwise) {
            boolean adaptAll = !o.bool(NO_ADAPT, false);
            List<ModelDefinition.ParamSlice> slices = def.params();
            int[] starts = new int[slices.size()];
            boolean[] adapted = new boolean[slices.size()];
            for (int k = 0; k < starts.length; k++) {
                starts[k] = slices.get(k).offset();
                adapted[k] = adaptAll || !slices.get(k).tensor().isBias();
            }
            if (starts.length > 0) layerwise.tensors(starts, adapted);
        }
        return opt;
    }

    /**
     * A fresh optimizer for {@code paramCount} parameters; {@code options} may be null or empty, and
     * may not turn {@code no_decay_bias_and_norm} on (that needs the model).
     */
    public static Optimizer create(String name, Map<String, ?> options, int paramCount) {
        Opts o = new Opts(normalize(name), options, keys(name));
        for (String key : List.of(NO_DECAY, NO_ADAPT)) {
            if (o.bool(key, false)) throw new IllegalArgumentException(normalize(name) + ": " + key + " needs the model definition");
        }
        return build(name, o, paramCount);
    }

    /** True for the elements of conv and dense weights, false for biases and batch-norm gamma and beta. */
    public static boolean[] decayMask(ModelDefinition def) {
        boolean[] mask = new boolean[def.paramCount()];
        for (ModelDefinition.ParamSlice s : def.params()) {
            if (!s.tensor().isBias()) {
                Arrays.fill(mask, s.offset(), s.offset() + s.size(), true);
            }
        }
        return mask;
    }

    private static Optimizer build(String name, Opts o, int paramCount) {
        String n = normalize(name);
        switch (n) {
            case "sgd":
                return new Sgd(paramCount, o.num("momentum", 0), o.num("dampening", 0), o.bool("nesterov", false),
                        o.num("weight_decay", 0));
            case "adam":
            case "adamw": {
                double[] betas = betas(o, n);
                double wd = o.num("weight_decay", n.equals("adam") ? 0 : 0.01);
                double eps = o.num("eps", 1e-8);
                boolean ams = o.bool("amsgrad", false);
                return n.equals("adam")
                        ? new Adam(paramCount, betas[0], betas[1], eps, wd, ams)
                        : new AdamW(paramCount, betas[0], betas[1], eps, wd, ams);
            }
            case "rmsprop":
                return new RmsProp(paramCount, o.num("alpha", 0.99), o.num("eps", 1e-8), o.num("weight_decay", 0),
                        o.num("momentum", 0), o.bool("centered", false));
            case "adagrad":
                return new Adagrad(paramCount, o.num("lr_decay", 0), o.num("weight_decay", 0),
                        o.num("initial_accumulator_value", 0), o.num("eps", 1e-10));
            case "lars":
                return new Lars(paramCount, o.num("momentum", 0.9), o.num("dampening", 0), o.bool("nesterov", false),
                        o.num("weight_decay", 0), o.num("trust_coefficient", 0.001), o.num("eps", 1e-8));
            case "lamb": {
                double[] betas = betas(o, n);
                return new Lamb(paramCount, betas[0], betas[1], o.num("eps", 1e-6), o.num("weight_decay", 0.01));
            }
            default:
                throw unknown(name);
        }
    }

    private static double[] betas(Opts o, String n) {
        double[] betas = o.nums("betas", new double[] {0.9, 0.999});
        if (betas.length != 2) throw Check.fail(n, "betas", "must have 2 elements", betas.length);
        return betas;
    }

    private static String normalize(String name) {
        return name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown optimizer '" + name + "'; valid names: " + KEYS.keySet());
    }
}
