package org.sparkcnn.jobs.data;

/**
 * One bad record (a row, an image), named in the message. Unchecked, so record checks can run inside
 * Spark functions; under {@code data.bad-records = skip} it is caught, counted and reported.
 */
public final class BadRecordException extends IllegalArgumentException {

    public BadRecordException(String message) {
        super(message);
    }

    public BadRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
