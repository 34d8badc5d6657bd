package org.sparkcnn.jobs;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * Test-only fault injection: lets the integration tests put a crash, or a pause, at an exact moment
 * instead of racing a timer. Inert unless the JVM system property or the environment variable below
 * is set; nothing in SparkCNN sets them, and a real run never should.
 *
 * <ul>
 *   <li>{@code -Dsparkcnn.test.halt-at=POINT} or {@code POINT@STEP}: when the driver reaches that
 *       point (for {@code @STEP}, while writing the checkpoint of that step), the JVM stops at once
 *       with {@code Runtime.halt(137)}: no shutdown hook, finally block or buffered write runs, as
 *       under SIGKILL. Points: {@value #CHECKPOINT_BEFORE_MANIFEST} (the checkpoint's state file is
 *       written, its manifest not yet) and {@value #OUTPUT_COMMIT} (the finished run's files are all
 *       in the staging directory; an earlier output being replaced has been moved aside; the new
 *       output is not yet moved into place).</li>
 *   <li>the environment variable {@code SPARKCNN_TEST_PAUSE_TRAINING_TASK=STEP:MS} (on executors,
 *       for example through {@code spark.executorEnv.SPARKCNN_TEST_PAUSE_TRAINING_TASK}; Spark
 *       refuses {@code -Dspark...} options in {@code spark.executor.extraJavaOptions}): every
 *       training task of global step STEP (1-based) that has examples to compute prints one line to
 *       stderr and then sleeps MS milliseconds, so that a test can kill its executor while the task
 *       is running. Sleeping changes no result.</li>
 * </ul>
 */
public final class TestFaults {

    public static final String HALT_AT = "sparkcnn.test.halt-at";
    public static final String PAUSE_TRAINING_TASK = "SPARKCNN_TEST_PAUSE_TRAINING_TASK";
    public static final String CHECKPOINT_BEFORE_MANIFEST = "checkpoint-before-manifest";
    public static final String OUTPUT_COMMIT = "output-commit";
    private static final String PAUSE = System.getenv(PAUSE_TRAINING_TASK);

    private TestFaults() {
    }

    /** Halts the JVM if {@value #HALT_AT} names {@code point}. */
    public static void haltPoint(String point) {
        haltPoint(point, -1);
    }

    /** Halts the JVM if {@value #HALT_AT} names {@code point}, or {@code point@step}. */
    public static void haltPoint(String point, long step) {
        String at = System.getProperty(HALT_AT);
        if (at != null && (at.equals(point) || (step >= 0 && at.equals(point + "@" + step)))) {
            System.out.flush();
            System.err.println(HALT_AT + ": halting the JVM at " + at);
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }

    /** Sleeps if the environment's {@value #PAUSE_TRAINING_TASK} names {@code step} (1-based), saying so on stderr first. */
    static void pauseTrainingTask(long step, TaskContext task) {
        String pause = PAUSE;
        if (pause == null || task == null) {
            return;
        }
        String[] parts = pause.split(":");
        if (parts.length != 2 || Long.parseLong(parts[0].trim()) != step) {
            return;
        }
        long ms = Long.parseLong(parts[1].trim());
        System.err.println(PAUSE_TRAINING_TASK + ": training task of step " + step + " partition " + task.partitionId()
                + " attempt " + task.attemptNumber() + " on executor " + SparkEnv.get().executorId() + " pausing " + ms
                + " ms");
        System.err.flush();
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
