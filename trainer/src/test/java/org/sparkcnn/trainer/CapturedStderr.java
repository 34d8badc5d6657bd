package org.sparkcnn.trainer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Captures System.err around each test ({@code @RegisterExtension}), for the CLI's error messages. */
final class CapturedStderr implements BeforeEachCallback, AfterEachCallback {

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream old;

    @Override
    public void beforeEach(ExtensionContext context) {
        old = System.err;
        err.reset();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        System.setErr(old);
    }

    /** What was written so far. */
    String text() {
        return err.toString(StandardCharsets.UTF_8);
    }

    void reset() {
        err.reset();
    }

    @Override
    public String toString() {
        return text();
    }
}
