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
            return Optimizers.create((String) cfg.training().optimizer().get("name"), cfg.optimizerOptions(), def);
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
            return Initializer.parse(name.trim());
        } catch (IllegalArgumentException e) {
            throw new TrainerConfig.Invalid("config key 'training.initializer': " + e.getMessage());
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
        try {
            org.sparkcnn.jobs.run.TrainingRun.checkSameLayers(saved.definition(), def, uri);
        } catch (IllegalArgumentException e) {
            throw new TrainerConfig.Invalid("config key 'training.init-from': " + e.getMessage());
        }
        return saved;
    }
}
