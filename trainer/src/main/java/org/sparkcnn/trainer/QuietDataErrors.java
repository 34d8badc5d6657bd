package org.sparkcnn.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.filter.AbstractFilter;
import org.sparkcnn.jobs.data.BadDataException;

/**
 * A log filter for the command line: a task that fails on bad input data makes Spark's executor
 * and task-set loggers print the same exception and stack trace several times; SparkCNN reports it
 * once, as one line, and writes the trace to a file ({@link SparkCnn}). Only bad-data failures are
 * dropped: every other task failure (a lost executor, a bug) is logged by Spark as before.
 */
final class QuietDataErrors extends AbstractFilter {

    /** How a bad-data exception shows in a message Spark formats from a task's failure reason. */
    private static final List<String> NAMES = List.of(BadDataException.class.getName(),
            org.sparkcnn.jobs.data.BadRecordException.class.getName());
    /** The scheduler's line after a task failed for good: "Task 0 in stage 2.0 failed 1 times; aborting job". */
    private static final Pattern ABORTING = Pattern.compile("Task \\S+ in stage \\S+ failed \\d+ times?; aborting job");

    private static volatile boolean seen;

    private QuietDataErrors() {
        super(Result.NEUTRAL, Result.DENY);
    }

    @Override
    public Result filter(LogEvent event) {
        String message = event.getMessage() == null ? "" : event.getMessage().getFormattedMessage();
        boolean badData = BadDataException.isBadData(event.getThrown()) || NAMES.stream().anyMatch(message::contains);
        if (badData) {
            seen = true;
            return Result.DENY;
        }
        return seen && ABORTING.matcher(message).find() ? Result.DENY : Result.NEUTRAL;
    }

    /**
     * Adds the filter to every configured logger of the current log4j configuration (once). Called
     * when the command starts and again once Spark has started, which may load its own configuration.
     * Does nothing when log4j-core is not the logging backend.
     */
    static void install() {
        try {
            if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
                return;
            }
            Configuration config = context.getConfiguration();
            List<LoggerConfig> loggers = new ArrayList<>(config.getLoggers().values());
            loggers.add(config.getRootLogger());
            QuietDataErrors filter = new QuietDataErrors();
            for (LoggerConfig logger : loggers) {
                Filter existing = logger.getFilter();
                if (!(existing instanceof QuietDataErrors) && !containsQuiet(existing)) {
                    logger.addFilter(filter);
                }
            }
            context.updateLoggers();
        } catch (LinkageError e) {
            // another logging backend: Spark's messages stay as they are
        }
    }

    private static boolean containsQuiet(Filter f) {
        if (f instanceof org.apache.logging.log4j.core.filter.CompositeFilter composite) {
            for (Filter part : composite.getFiltersArray()) {
                if (part instanceof QuietDataErrors) {
                    return true;
                }
            }
        }
        return false;
    }
}
