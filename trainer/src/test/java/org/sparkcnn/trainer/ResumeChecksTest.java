package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.optim.Optimizer;
import org.sparkcnn.engine.optim.ScheduleState;
import org.sparkcnn.jobs.checkpoint.Checkpoint;
import org.sparkcnn.jobs.checkpoint.CheckpointStore;

/**
 * What --resume refuses, before Spark starts (exit status 2, naming the key): a changed setting
 * without --force, a key a resumed run can never change, a missing checkpoint; and a fresh run
 * over the checkpoints of an interrupted one.
 */
class ResumeChecksTest {

    @TempDir
    Path tmp;

    @RegisterExtension
    final CapturedStderr err = new CapturedStderr();

    private String stderr() {
        return err.text();
    }

    /** An interrupted run of the embedded defaults in {@code out}, with a checkpoint at step 40. */
    private String interruptedRun() throws IOException {
        String out = tmp.resolve("run").toString();
        TrainerConfig cfg = TrainerConfig.bind(TrainerConfig.load(null, ConfigFactory.empty()));
        String rendered = TrainerConfig.render(TrainerConfig.load(null, ConfigFactory.empty()));
        ModelDefinition def = Checks.model(cfg.model());
        Optimizer optimizer = Checks.optimizer(cfg, def);
        Checkpoint c = new Checkpoint(40, 0, 40, cfg.training().seed(), def.toJsonString(), rendered, Map.of(),
                new float[def.paramCount()], optimizer.state(), new ScheduleState("cosine", new LinkedHashMap<>()),
                Map.of(), Map.of());
        new CheckpointStore(new Configuration(), out + ".inprogress/checkpoints", 3, CheckpointStore.Retry.DEFAULT)
                .commit(c, c.toBytes());
        return out;
    }

    @Test
    void aChangedLearningRateNeedsForce() throws IOException {
        String out = interruptedRun();
        assertEquals(2, SparkCnn.run("train", "--output", out, "--resume", "--lr", "0.1"));
        assertTrue(stderr().contains("cannot resume: config key 'training.optimizer.lr' is 0.05 in checkpoint ")
                && stderr().contains("step-000000040 but 0.1 now; pass --force to continue with the new value"), stderr());
    }

    @Test
    void theModelAndTheBatchSizeCanNeverChange() throws IOException {
        String out = interruptedRun();
        assertEquals(2, SparkCnn.run("train", "--output", out, "--resume", "--force", "--model", "small"));
        assertTrue(stderr().contains("cannot resume: config key 'model' is lenet5 in checkpoint ")
                && stderr().contains("a resumed run must keep it"), stderr());
        err.reset();
        assertEquals(2, SparkCnn.run("train", "--output", out, "--resume", "--force", "--batch-size", "128"));
        assertTrue(stderr().contains("config key 'training.batch-size' is 64 in checkpoint "), stderr());
    }

    @Test
    void aFreshRunDoesNotDestroyAnInterruptedOnesCheckpoints() throws IOException {
        String out = interruptedRun();
        assertEquals(2, SparkCnn.run("train", "--output", out, "--max-steps", "1"));
        assertTrue(stderr().contains("holds the checkpoints of an interrupted run; pass --resume to continue it, or "
                + "--overwrite to start over"), stderr());
    }

    /** A lenet5 checkpoint at step 40 whose stored configuration is {@code config}. */
    private static Checkpoint lenet5CheckpointOf(String config, com.typesafe.config.Config now, ModelDefinition def) {
        return new Checkpoint(40, 0, 40, 1, def.toJsonString(), config, Map.of(), new float[def.paramCount()],
                Checks.optimizer(TrainerConfig.bind(now), def).state(), new ScheduleState("cosine", new LinkedHashMap<>()),
                Map.of(), Map.of());
    }

    /** A checkpoint from before training.augmentation existed resumes at its default; another value needs --force. */
    @Test
    void aKeyNewerThanTheCheckpointIsFreeOnlyAtItsDefault() {
        com.typesafe.config.Config now = ConfigFactory.parseString("training.sampling = shuffle")
                .withFallback(TrainerConfig.load(null, ConfigFactory.empty()));
        String older = TrainerConfig.render(now.withoutPath("training.augmentation"));
        ModelDefinition def = Checks.model("lenet5");
        Checkpoint c = lenet5CheckpointOf(older, now, def);
        java.util.List<String> warnings = new java.util.ArrayList<>();
        ResumeChecks.checkCompatible(c, "old", now, def, false, warnings::add);
        assertEquals(java.util.List.of(), warnings);
        com.typesafe.config.Config flipped = ConfigFactory.parseString("training.augmentation.horizontal-flip = true")
                .withFallback(now);
        TrainerConfig.Invalid e = org.junit.jupiter.api.Assertions.assertThrows(TrainerConfig.Invalid.class,
                () -> ResumeChecks.checkCompatible(c, "old", flipped, def, false, warnings::add));
        assertEquals("cannot resume: config key 'training.augmentation.horizontal-flip' is (unset) in checkpoint old but true "
                + "now; pass --force to continue with the new value", e.getMessage());
    }

    /** Before training.sampling existed, runs drew shuffle's batches: its default (auto) is not free, shuffle is. */
    @Test
    void aCheckpointFromBeforeSamplingExistedResumesOnlyWithShuffle() {
        com.typesafe.config.Config now = TrainerConfig.load(null, ConfigFactory.empty());
        String older = TrainerConfig.render(now.withoutPath("training.sampling"));
        ModelDefinition def = Checks.model("lenet5");
        Checkpoint c = lenet5CheckpointOf(older, now, def);
        java.util.List<String> warnings = new java.util.ArrayList<>();
        TrainerConfig.Invalid e = org.junit.jupiter.api.Assertions.assertThrows(TrainerConfig.Invalid.class,
                () -> ResumeChecks.checkCompatible(c, "old", now, def, false, warnings::add));
        assertEquals("cannot resume: config key 'training.sampling' is shuffle in checkpoint old but auto now; pass --force "
                + "to continue with the new value", e.getMessage());
        ResumeChecks.checkCompatible(c, "old", ConfigFactory.parseString("training.sampling = shuffle").withFallback(now), def,
                false, warnings::add);
        assertEquals(java.util.List.of(), warnings);
    }

    @Test
    void resumeNeedsACheckpoint() {
        String out = tmp.resolve("never-ran").toString();
        assertEquals(2, SparkCnn.run("train", "--output", out, "--resume"));
        assertTrue(stderr().contains("--resume: no complete checkpoint in ") && stderr().contains("never-ran.inprogress/checkpoints"),
                stderr());
    }
}
