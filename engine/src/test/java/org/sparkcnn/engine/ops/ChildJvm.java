package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A test's main class in a JVM of its own, for what a JVM fixes at its start (vector width, registers, properties). */
final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * Runs {@code main} on this JVM's java and test classpath with the Vector API module, {@code -Xmx<heapMib>m} and
     * {@code flags} (and not {@code JAVA_TOOL_OPTIONS}); asserts that it ends within {@code minutes} with exit code 0 and returns its output, standard error
     * included. The process is stopped by its own handle, whatever happens.
     */
    static String run(Class<?> main, int heapMib, int minutes, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Xmx" + heapMib + "m"));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        String what = main.getSimpleName() + " " + List.of(flags);
        Path log = Files.createTempFile("child-jvm", ".log");  // read after the end: a pipe could block waitFor's limit
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("JAVA_TOOL_OPTIONS");  // its flags only: not those that run the suite as another CPU
        Process p = builder.start();
        try {
            assertTrue(p.waitFor(minutes, TimeUnit.MINUTES), what + " did not finish within " + minutes + " min");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), what + " failed:\n" + out);
            return out;
        } finally {
            p.destroyForcibly().waitFor();
            Files.deleteIfExists(log);
        }
    }
}
