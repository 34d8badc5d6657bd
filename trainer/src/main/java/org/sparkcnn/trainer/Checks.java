package org.sparkcnn.trainer;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.LrSchedules;
import org.sparkcnn.engine.optim.Optimizer;
import org.sparkcnn.engine.optim.Optimizers;

/** Builds the engine objects a configuration names, turning their complaints into errors that name the config key. */
final class Checks {

    private Checks() {
    }

    static ModelDefinition model(String nameOrPath) {
        try {
            return ModelDefinition.load(nameOrPath);
        } catch (IOException | IllegalArgumentException e) {
            throw new TrainerConfig.Invalid("config key 'model': " + e.getMessage());
        }
    }

    static Optimizer optimizer(TrainerConfig cfg, ModelDefinition def) {
        try {
            return Optimizers.create((String) cfg.training().optimizer().get("name"), cfg.optimizerOptions(), def.paramCount());
        } catch (IllegalArgumentException e) {
            throw new TrainerConfig.Invalid("config key 'training.optimizer': " + e.getMessage());
        }
    }

    static LrSchedule schedule(TrainerConfig cfg) {
        try {
            return LrSchedules.create((String) cfg.training().schedule().get("name"), cfg.scheduleOptions(),
                    ((Number) cfg.training().optimizer().get("lr")).doubleValue());
        } catch (IllegalArgumentException e) {
            throw new TrainerConfig.Invalid("config key 'training.schedule': " + e.getMessage());
        }
    }

    static Initializer initializer(String name) {
        try {
            return Initializer.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TrainerConfig.Invalid("config key 'training.initializer' is '" + name + "'; expected one of "
                    + Arrays.toString(Arrays.stream(Initializer.values()).map(i -> i.name().toLowerCase(Locale.ROOT)).toArray()));
        }
    }

    /**
     * The model file {@code training.init-from} names, which must hold the architecture of {@code def}
     * (the same layers, so the same parameter layout); its name may differ.
     */
    static ModelFile.SavedModel initFrom(org.apache.hadoop.conf.Configuration hadoop, String uri, ModelDefinition def) {
        ModelFile.SavedModel saved;
        try {
            saved = Storage.readModel(hadoop, uri);
        } catch (IOException | IllegalArgumentException e) {
            throw new TrainerConfig.Invalid("config key 'training.init-from': " + e.getMessage());
        }
        if (!sameLayers(saved.definition(), def)) {
            throw new TrainerConfig.Invalid("config key 'training.init-from': " + uri + " holds model '" + saved.definition().name()
                    + "' (" + saved.definition().paramCount() + " parameters), not the architecture of model '" + def.name() + "' ("
                    + def.paramCount() + " parameters); starting from trained weights needs the same layers");
        }
        return saved;
    }

    private static boolean sameLayers(ModelDefinition a, ModelDefinition b) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            com.fasterxml.jackson.databind.node.ObjectNode x = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(a.toJsonString());
            com.fasterxml.jackson.databind.node.ObjectNode y = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(b.toJsonString());
            x.remove("name");
            y.remove("name");
            return x.equals(y);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
