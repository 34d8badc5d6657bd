package org.sparkcnn.jobs.data;

import java.io.IOException;

/**
 * Input data that is not what the reader expects (a truncated file, a malformed row, an undecodable
 * image), with a message that names the file, line, row or record and what was expected. The
 * command line reports it as one line, without the stack traces Spark logs for a failed task.
 */
public final class BadDataException extends IOException {

    public BadDataException(String message) {
        super(message);
    }

    public BadDataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code t} or one of its causes is bad input data ({@link BadDataException}, {@link BadRecordException}). */
    public static boolean isBadData(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof BadDataException || c instanceof BadRecordException) {
                return true;
            }
        }
        return false;
    }
}
