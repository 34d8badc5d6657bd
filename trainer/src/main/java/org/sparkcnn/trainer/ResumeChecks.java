package org.sparkcnn.trainer;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.jobs.checkpoint.Checkpoint;

/**
 * The checks that a resumed run continues the same run, by the CLI's configuration keys: which keys
 * may change, which need --force, which never may.
 */
final class ResumeChecks {

    /**
     * Config keys that change nothing in the weights: free to change on resume. (The block and chunk
     * sizes do change them: gradients are summed in float within a chunk, and chunks follow blocks.)
     */
    private static final Set<String> FREE = Set.of("data.partitions", "training.threads-per-task", "training.tree-depth",
            "training.step-loop");
    private static final String[] FREE_PREFIXES = {"output.", "checkpoint."};
    /** What a run did before these keys existed, where that is not their default (sampling's auto: block-chunks). */
    private static final Map<String, String> BEFORE_IT_EXISTED = Map.of("training.sampling",
            org.sparkcnn.jobs.Sampling.BEFORE_IT_EXISTED.key());

    /** Config keys a resumed run can never change: the state would not fit or would mean something else. */
    private static final Set<String> FIXED = Set.of("model", "data.classes", "data.format", "training.batch-size",
            "training.optimizer.name");

    private ResumeChecks() {
    }

    /**
     * Refuses to resume {@code saved} with an incompatible configuration, naming the key: a different
     * model or any of {@link #FIXED} always; other training settings unless {@code force}, which
     * allows, for example, a new learning rate or epoch count (each change is then reported).
     */
    static void checkCompatible(Checkpoint saved, String savedUri, Config current, ModelDefinition def, boolean force,
                                Consumer<String> warn) {
        Map<String, String> before = flatten(ConfigFactory.parseString(saved.config()));
        Map<String, String> now = flatten(current);
        Map<String, String> defaults = flatten(TrainerConfig.load(null, ConfigFactory.empty()));
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(now.keySet());
        for (String key : keys) {
            String a = before.getOrDefault(key, BEFORE_IT_EXISTED.getOrDefault(key, "(unset)")), b = now.getOrDefault(key, "(unset)");
            // a key newer than the checkpoint, at its default, changes nothing (training.augmentation)
            boolean newAtDefault = !before.containsKey(key) && !BEFORE_IT_EXISTED.containsKey(key) && b.equals(defaults.get(key));
            if (a.equals(b) || newAtDefault || FREE.contains(key) || startsWithAny(key)) {
                continue;
            }
            String change = "config key '" + key + "' is " + a + " in checkpoint " + savedUri + " but " + b + " now";
            if (FIXED.contains(key)) {
                throw new TrainerConfig.Invalid("cannot resume: " + change + "; a resumed run must keep it (start a new run "
                        + "with another --output instead)");
            }
            if (!force) {
                throw new TrainerConfig.Invalid("cannot resume: " + change + "; pass --force to continue with the new value");
            }
            warn.accept("resuming with a changed setting (--force): " + change);
        }
        if (!saved.modelJson().equals(def.toJsonString())) {
            throw new TrainerConfig.Invalid("cannot resume: the definition of model '" + def.name() + "' differs from the one "
                    + "in checkpoint " + savedUri + "; a resumed run must keep its model");
        }
    }

    private static boolean startsWithAny(String key) {
        for (String p : FREE_PREFIXES) {
            if (key.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> flatten(Config c) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
            out.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return out;
    }
}
