package org.sparkcnn.trainer;

import java.io.PrintWriter;
import org.sparkcnn.jobs.data.BadDataException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code spark-submit} application: {@code sparkcnn <command> [options]}. Exit status 0 on
 * success, 1 when a run fails (bad input data, divergence), 2 for a usage or configuration error,
 * which is always reported before Spark starts.
 */
@Command(name = "sparkcnn", mixinStandardHelpOptions = true, versionProvider = SparkCnn.Version.class,
        description = "Train, evaluate and run convolutional networks on Apache Spark.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, ConvertCommand.class, InspectCommand.class, ExportCommand.class,
                BenchCommand.class})
public final class SparkCnn implements Runnable {

    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: train, evaluate, predict, inspect or bench");
    }

    public static void main(String[] args) {
        int status = run(args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs a command line and returns its exit status (tests call this). */
    public static int run(String... args) {
        QuietDataErrors.install();
        CommandLine cli = new CommandLine(new SparkCnn());
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof TrainerConfig.Invalid || e instanceof org.sparkcnn.jobs.run.TrainingRun.CannotResume) {
                err.println("sparkcnn: " + e.getMessage());
                return USAGE;
            }
            err.println("sparkcnn " + commandLine.getCommandName() + " failed: " + message(e));
            if (Boolean.getBoolean("sparkcnn.stacktrace") || !expected(e)) {
                e.printStackTrace(err);
            } else {
                String trace = traceFile(commandLine.getCommandName(), e);
                if (trace != null) {
                    err.println("  (the full stack trace is in " + trace + ")");
                }
            }
            return FAILED;
        });
        return cli.execute(args);
    }

    /**
     * The message to show: the first exception in the cause chain that is not a wrapper (Spark's
     * job-abort exceptions and unchecked/execution wrappers carry our reader's message as a cause).
     */
    static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && isWrapper(t)) {
            t = t.getCause();
        }
        String msg = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        return t instanceof RuntimeException && !(t instanceof IllegalArgumentException) && !(t instanceof IllegalStateException)
                ? msg + " (" + t.getClass().getSimpleName() + ")" : msg;
    }

    /**
     * A failure whose message says it all: bad input data, an I/O error naming its path, or a run our
     * code stopped with a message (divergence). Anything else is unexpected and gets its stack trace.
     */
    static boolean expected(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (BadDataException.isBadData(c) || c instanceof java.io.IOException || c instanceof IllegalStateException
                    || c instanceof IllegalArgumentException) {
                return true;
            }
            if (!isWrapper(c)) {
                return false;
            }
        }
        return false;
    }

    /** Writes {@code e}'s stack trace to a new file in the temporary directory; returns its path, or null. */
    private static String traceFile(String command, Throwable e) {
        try {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("sparkcnn-" + command + "-", ".trace");
            java.io.StringWriter text = new java.io.StringWriter();
            e.printStackTrace(new PrintWriter(text));
            java.nio.file.Files.writeString(f, text.toString());
            return f.toString();
        } catch (java.io.IOException | RuntimeException io) {
            return null;
        }
    }

    private static boolean isWrapper(Throwable t) {
        return t.getClass().getName().equals("org.apache.spark.SparkException")
                || t instanceof java.io.UncheckedIOException
                || t instanceof java.util.concurrent.ExecutionException
                || t.getClass().getName().startsWith("picocli.");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SparkCnn.class.getPackage().getImplementationVersion();
            return new String[]{"sparkcnn " + (v != null ? v : "(development build)")};
        }
    }
}
