package org.sparkcnn.jobs.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Optimizer;
import org.sparkcnn.jobs.Evaluation;
import org.sparkcnn.jobs.MetricsLog;
import org.sparkcnn.jobs.Sampling;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.checkpoint.Checkpoint;
import org.sparkcnn.jobs.checkpoint.CheckpointStore;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * One training run's whole policy, behind both front doors (the CLI and the Spark ML estimator):
 * initial weights or a checkpoint to resume, the step loop ({@link TrainingJob}), the learning-rate
 * schedule, validation at its cadence feeding the schedule and early stopping, restore-best,
 * checkpoints (periodic and at the last step), the metrics file, and divergence. The front doors
 * read and check their settings, load the data, and write what they publish.
 */
public final class TrainingRun {

    /** The data of a run: cached training blocks, the validation blocks (null: no validation), the normalization. */
    public record Data(JavaRDD<ExampleBlock> train, long trainCount, JavaRDD<ExampleBlock> validation, Normalization norm,
                       Map<String, String> fingerprint) {
    }

    /**
     * Where a run starts: a checkpoint to resume ({@code resumeFrom}), else {@code initialParams}, else
     * the settings' initializer. {@code config} is the text stored with each checkpoint.
     */
    public record Start(CheckpointStore.Found resumeFrom, float[] initialParams, String config, float[] initialBuffers) {
        public Start(CheckpointStore.Found resumeFrom, float[] initialParams, String config) {
            this(resumeFrom, initialParams, config, null);
        }

        public static Start fresh(String config) {
            return new Start(null, null, config);
        }
    }

    /**
     * Where a run's records go: the metrics log (open, owned by the caller: see {@link #openMetrics}),
     * and the checkpoint directory (used when checkpoints are enabled).
     */
    public record Sink(Configuration hadoop, MetricsLog metrics, String checkpointDir, Listener listener) {
    }

    /** Sees a run as it goes; every method has a default that does nothing. */
    public interface Listener {
        default void step(TrainingJob.StepMetrics m) {
        }

        default void epoch(TrainingJob.StepMetrics m, double[] lap) {
        }

        default void validation(TrainingJob.StepMetrics m, Evaluation.Counts v, boolean improved) {
        }

        /** A record of the interrupted attempt kept in the metrics of a resumed run, in order. */
        default void replayed(Map<String, Object> record) {
        }

        default void message(String text) {
        }
    }

    /** A resumed run that would not continue the same run (other data); the message names what differs. */
    public static final class CannotResume extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        CannotResume(String message) {
            super(message);
        }
    }

    /**
     * The outcome: the weights kept ({@code kept} says which: the last, or the best validation's),
     * the step loop's result, where it resumed, training seconds and examples seen by this attempt,
     * the validation history and the checkpoints written.
     */
    public record Outcome(float[] params, String kept, TrainingJob.Result result, long resumedAt, double trainSeconds,
                          long examplesSeen, EarlyStopping stopping, long checkpointsWritten, double slowestCheckpointWriteMs,
                          float[] buffers) {
        /** The kept weights' hash, covering the state (running statistics) of a model with batch norm. */
        public String weightsSha256() {
            return TrainingJob.modelSha256(params, buffers);
        }
    }

    private TrainingRun() {
    }

    /**
     * Chunks drawn inside blocks (block-chunks, and batch norm's ghost groups) hold one class each
     * when the data is sorted by label, and train badly: says so when some training blocks hold a
     * single class (two small jobs over the cached blocks).
     */
    static void warnIfSortedByLabel(ModelDefinition def, RunSettings s, Data data, Listener listener) {
        boolean ghostGroups = def.bufferCount() > 0;
        if (!ghostGroups && s.sampling() != Sampling.BLOCK_CHUNKS) {
            return;
        }
        long single = data.train().filter(b -> b.size() > 1 && oneClass(b.labels())).count();
        if (single == 0) {
            return;
        }
        String drawn = ghostGroups ? "Batch norm's ghost groups" : "With training.sampling = block-chunks, gradient chunks";
        String remedy = ghostGroups ? "shuffle the data's order" : "set training.sampling = shuffle, or shuffle the data's order";
        listener.message("warning: " + single + " of " + data.train().count() + " training blocks hold a single class: is the data "
                + "sorted by label? " + drawn + " are drawn inside one block each, so they would hold one class; " + remedy);
    }

    private static boolean oneClass(int[] labels) {
        for (int label : labels) {
            if (label != labels[0]) {
                return false;
            }
        }
        return true;
    }

    /** Runs the whole policy; see the class comment. */
    public static Outcome run(JavaSparkContext sc, ModelDefinition def, RunSettings s, Data data, Start start, Sink sink)
            throws IOException {
        if (s.augmentation().enabled() && def.inputShape().isVector()) {
            throw new IllegalArgumentException("augmentation (augmentCropPadding, augmentHorizontalFlip, augmentErasing) needs an image input, but model '"
                    + def.name() + "' takes a vector of " + def.inputShape().channels() + " features");
        }
        Listener listener = sink.listener();
        warnIfSortedByLabel(def, s, data, listener);
        Optimizer optimizer = s.newOptimizer(def);
        LrSchedule schedule = s.newSchedule();
        EarlyStopping stopping = new EarlyStopping(s.validation());
        float[] params;
        float[] buffers = def.initialBuffers();  // batch norm's running statistics (empty without), updated in place
        long startStep = 0;
        CheckpointStore.Found resumeFrom = start.resumeFrom();
        if (resumeFrom != null) {
            Checkpoint c = resumeFrom.checkpoint();
            checkSameData(c, resumeFrom.uri(), data.fingerprint());
            params = c.params();
            buffers = c.buffers() != null ? c.buffers().clone() : def.initialBuffers();
            if (buffers.length != def.bufferCount()) {
                throw new CannotResume("cannot resume: checkpoint " + resumeFrom.uri() + " holds " + buffers.length
                        + " floats of state; model '" + def.name() + "' has " + def.bufferCount());
            }
            optimizer.restore(c.optimizer());
            if (c.schedule().type().equals(schedule.name())) {
                schedule.restore(c.schedule());
            } else {
                listener.message("warning: the lr schedule changed from " + c.schedule().type() + "; its state is not carried over");
            }
            stopping.restore(c.trainerState(), c.trainerArrays());
            startStep = c.step();
            if (stopping.shouldStop()) {
                listener.message("early stopping had ended this run at step " + c.step() + " (no improvement of "
                        + s.validation().monitor() + " in " + s.validation().patience()
                        + " validations): no further steps are trained");
            }
            listener.message(String.format(Locale.ROOT, "resuming from %s: step %d (epoch %d, step %d of it), weights sha256 %s",
                    resumeFrom.uri(), c.step(), c.epoch() + 1, c.stepInEpoch(), c.weightsSha256()));
        } else if (start.initialParams() != null) {
            params = start.initialParams().clone();
            if (start.initialBuffers() != null && start.initialBuffers().length == def.bufferCount()) {
                buffers = start.initialBuffers().clone();
            }
        } else {
            params = s.initializer().initialize(def, s.seed());
        }
        int stepsPerEpoch = s.stepsPerEpoch(data.train(), (int) data.trainCount(), def);
        float[] state = buffers;
        long resumedAt = startStep;
        // A run that early stopping ended stays ended when resumed: no step after the checkpoint's.
        long maxSteps = resumeFrom != null && stopping.shouldStop() ? startStep : s.maxSteps();
        long[] seen = new long[1];
        RunCheckpoints checkpoints = new RunCheckpoints(sink.hadoop(), s.checkpoints(), sink.checkpointDir());
        MetricsLog metrics = sink.metrics();
        try (checkpoints) {
            EpochClock clock = new EpochClock();
            TrainingJob.StepListener steps = (m, p) -> {
                try {
                    if (m.endOfEpoch()) {  // before validation: the lap is the epoch's training steps
                        double[] lap = clock.lap();
                        metrics.write(EpochClock.record(m.epoch() + 1, m.step() + 1, lap));
                        listener.epoch(m, lap);
                    }
                    boolean goOn = afterStep(m, p, state, sc, s, def, data, schedule, stopping, metrics, listener);
                    seen[0] += m.examples();
                    if (checkpoints.due(m)) {
                        checkpoints.write(m.step() + 1, stepsPerEpoch, s.seed(), start.config(), def, data.fingerprint(),
                                p, state, optimizer, schedule, stopping, metrics, listener::message);
                    } else {
                        checkpoints.check();
                    }
                    if (m.endOfEpoch()) {
                        clock.lap();  // the next epoch's lap starts here, after validation and checkpoint
                    }
                    return goOn;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            long t0 = System.nanoTime();
            TrainingJob.Result result;
            try {
                result = TrainingJob.train(sc, def, data.norm(), data.train(), (int) data.trainCount(), params, buffers,
                        optimizer, schedule, s.jobConfig(startStep, maxSteps), s.bnGroupSize(), steps);
            } catch (TrainingJob.DivergenceException e) {
                throw diverged(e, checkpoints);
            }
            if (checkpoints.enabled() && result.steps() > resumedAt && checkpoints.lastStep() != result.steps()) {
                // the final state too, so that a completed run can be continued where it ended
                checkpoints.write(result.steps(), stepsPerEpoch, s.seed(), start.config(), def, data.fingerprint(),
                        result.params(), buffers, optimizer, schedule, stopping, metrics, listener::message);
            }
            checkpoints.close();  // the last checkpoint is complete before the caller publishes anything
            double seconds = (System.nanoTime() - t0) / 1e9;
            float[] kept = result.params();
            float[] keptBuffers = buffers;
            String which = "last";
            if (s.validation().restoreBest() && stopping.best() != null) {
                kept = stopping.best();
                keptBuffers = stopping.bestBuffers() != null ? stopping.bestBuffers() : buffers;
                which = "best (step " + stopping.bestStep() + ")";
            }
            return new Outcome(kept, which, result, resumedAt, seconds, seen[0], stopping, checkpoints.written(),
                    checkpoints.slowestWriteMs(), keptBuffers);
        }
    }

    /**
     * The metrics log of a run at {@code uri} (null: none): a new file, or for a run resuming from
     * {@code resumeFrom}, the old one's records up to the checkpoint's step (each handed to the
     * listener's {@link Listener#replayed}) followed by the new ones.
     */
    public static MetricsLog openMetrics(Configuration hadoop, String uri, CheckpointStore.Found resumeFrom, Listener listener)
            throws IOException {
        if (uri == null) {
            return MetricsLog.none();
        }
        return resumeFrom != null ? MetricsLog.continueAt(hadoop, uri, resumeFrom.checkpoint().step(), listener::replayed,
                w -> listener.message("warning: " + w)) : MetricsLog.create(hadoop, uri);
    }

    /**
     * After each step: its metrics record; a validation pass when due, feeding the lr schedule and
     * early stopping. Returns false to stop early.
     */
    private static boolean afterStep(TrainingJob.StepMetrics m, float[] p, float[] buffers, JavaSparkContext sc, RunSettings s, ModelDefinition def,
                                     Data data, LrSchedule schedule, EarlyStopping stopping, MetricsLog metrics, Listener listener)
            throws IOException {
        metrics.write(MetricsLog.stepRecord(m));
        listener.step(m);
        if (m.skipped() != null) {
            listener.message("warning: step " + (m.step() + 1) + " skipped (training.on-divergence = skip): " + m.skipped());
        }
        RunSettings.Validation v = s.validation();
        boolean due = v.everySteps() > 0 ? (m.step() + 1) % v.everySteps() == 0 : m.endOfEpoch();
        if (!due || data.validation() == null) {
            return true;
        }
        Evaluation.Counts counts = Evaluation.evaluate(sc, def, data.norm(), p, buffers, data.validation());
        double monitored = "loss".equals(v.monitor()) ? counts.loss() : counts.accuracy();
        schedule.onMetric(monitored);
        boolean improved = stopping.observe(monitored, m.step() + 1, p, buffers);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("type", "validation");
        record.put("epoch", m.epoch() + 1);
        record.put("step", m.step() + 1);
        record.put("loss", counts.loss());
        record.put("accuracy", counts.accuracy());
        record.put("improved", improved);
        metrics.write(record);
        listener.validation(m, counts, improved);
        if (stopping.shouldStop()) {
            listener.message("early stopping: no improvement of " + v.monitor() + " by more than " + v.minDelta() + " in "
                    + v.patience() + " validations");
            return false;
        }
        return true;
    }

    /** The divergence, naming the newest checkpoint once a write in flight has finished (or failed). */
    private static IllegalStateException diverged(TrainingJob.DivergenceException e, RunCheckpoints checkpoints) {
        IOException closing = null;
        try {
            checkpoints.close();
        } catch (IOException ce) {
            closing = ce;
        }
        IllegalStateException failure = new IllegalStateException(e.getMessage() + "; " + (checkpoints.newest() == null
                ? "no checkpoint was written"
                : "the last checkpoint, " + checkpoints.newest() + ", is intact: lower the learning rate and "
                + "continue from it (train --resume --force)") + " (or set training.on-divergence = skip)", e);
        if (closing != null) {
            failure.addSuppressed(closing);
        }
        return failure;
    }

    /**
     * Refuses initial weights of another architecture: {@code from} must have the layers of
     * {@code def} (its name may differ), so the parameter layout is the same.
     */
    public static void checkSameLayers(ModelDefinition from, ModelDefinition def, String what) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        boolean same;
        try {
            com.fasterxml.jackson.databind.node.ObjectNode a = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(from.toJsonString());
            com.fasterxml.jackson.databind.node.ObjectNode b = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(def.toJsonString());
            a.remove("name");
            b.remove("name");
            same = a.equals(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!same) {
            throw new IllegalArgumentException(what + " holds model '" + from.name() + "' (" + from.paramCount()
                    + " parameters), not the architecture of model '" + def.name() + "' (" + def.paramCount()
                    + " parameters); starting from trained weights needs the same layers");
        }
    }

    /** Refuses to resume on other data: every fingerprint field must match; the message names the first that differs. */
    public static void checkSameData(Checkpoint saved, String savedUri, Map<String, String> fingerprint) {
        for (Map.Entry<String, String> e : new TreeMap<>(fingerprint).entrySet()) {
            String before = saved.dataFingerprint().get(e.getKey());
            if (!e.getValue().equals(before)) {
                throw new CannotResume("cannot resume: the training data differs from checkpoint " + savedUri + ": "
                        + e.getKey() + " is " + before + " in the checkpoint but " + e.getValue() + " now");
            }
        }
    }
}
