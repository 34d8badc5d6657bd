package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs for the spark-submit tests: SparkSubmit with the shaded jar, and a standalone Master
 * and Workers, all from the Spark jars Maven resolved (STACK.md section 8). Every process started
 * here is recorded and stopped by PID (with its descendants, such as executors) in {@link #close}.
 */
final class SparkProcesses implements AutoCloseable {

    static final Path JAR = Path.of(System.getProperty("sparkcnn.jar", "target/sparkcnn-trainer.jar"));

    /** This JVM's temporary directory for a child JVM (declared before {@link #JVM_OPTIONS}, which has it); executors and the launcher take it apart. */
    static final String TMPDIR_OPTION = "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir");

    /**
     * Options for every child JVM: the module opens Spark needs, and this JVM's temporary directory (the build's
     * target/, set by the pom), so that what Spark, lz4-java and the CLI leave there (a copy of the jar per
     * application, block managers, native libraries, error traces) is not left in /tmp.
     */
    static final List<String> JVM_OPTIONS = jvmOptions();

    private static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(Arrays.asList(System.getProperty("spark.jvm.opens", "").trim().split("\\s+")));
        options.add(TMPDIR_OPTION);
        return List.copyOf(options);
    }

    private final List<Process> started = new ArrayList<>();
    private final Path logs;

    SparkProcesses(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
    }

    static String sparkClasspath() throws IOException {
        return Files.readString(Path.of(System.getProperty("spark.classpath.file"))).trim();
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs spark-submit of the application jar to completion; returns its exit status. Output goes to {@code <name>.log}. */
    Result submit(String name, List<String> submitOptions, String... appArgs) throws IOException, InterruptedException {
        return await(startSubmit(name, submitOptions, Map.of(), appArgs));
    }

    /** Starts spark-submit of the application jar with extra environment variables; output goes to {@code <name>.log}. */
    Submitted startSubmit(String name, List<String> submitOptions, Map<String, String> env, String... appArgs)
            throws IOException {
        return startSubmit(name, List.of(), submitOptions, env, appArgs);
    }

    /** spark-submit to completion with extra options for its JVM (the driver, and in local mode the executors). */
    Result submitWithJvmOptions(String name, List<String> jvmOptions, List<String> submitOptions, String... appArgs)
            throws IOException, InterruptedException {
        return await(startSubmit(name, jvmOptions, submitOptions, Map.of(), appArgs));
    }

    Submitted startSubmit(String name, List<String> jvmOptions, List<String> submitOptions, Map<String, String> env,
                                  String... appArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.add("-Xmx1g");
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(jvmOptions);
        cmd.add("-Dsparkcnn.stacktrace=true");
        cmd.add("-cp");
        cmd.add(sparkClasspath());
        cmd.add("org.apache.spark.deploy.SparkSubmit");
        cmd.addAll(submitOptions);
        cmd.add("--conf");
        cmd.add("spark.ui.enabled=false");
        cmd.add(JAR.toString());
        cmd.addAll(List.of(appArgs));
        Path log = logs.resolve(name + ".log");
        return new Submitted(name, start(cmd, env, log), log);
    }

    /** A spark-submit in progress. */
    record Submitted(String name, Process process, Path log) {
    }

    /** Waits for a submit to finish. */
    static Result await(Submitted s) throws IOException, InterruptedException {
        if (!s.process().waitFor(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(s.name() + " did not finish in 10 minutes; see " + s.log());
        }
        return new Result(s.process().exitValue(), Files.readString(s.log()), s.log());
    }

    record Result(int exit, String output, Path log) {
    }

    /** Starts a long-running JVM (Master, Worker) whose output goes to {@code log}. */
    Process start(List<String> cmd, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    Path logs() {
        return logs;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits until {@code log} contains {@code text} at least {@code times} times. */
    static void awaitLog(Path log, String text, int times, long seconds) throws IOException, InterruptedException {
        awaitLog(log, text, times, seconds, null);
    }

    /** Waits until the submit's log contains {@code text}; fails as soon as the process has exited. */
    static void awaitLog(Submitted s, String text, long seconds) throws IOException, InterruptedException {
        awaitLog(s.log(), text, 1, seconds, s.process());
    }

    private static void awaitLog(Path log, String text, int times, long seconds, Process process)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            boolean exited = process != null && !process.isAlive();
            if (Files.exists(log)) {
                String s = Files.readString(log);
                int n = 0;
                for (int i = s.indexOf(text); i >= 0; i = s.indexOf(text, i + 1)) {
                    n++;
                }
                if (n >= times) {
                    return;
                }
            }
            if (exited) {
                break;  // the log is complete and the text is not in it
            }
            Thread.sleep(100);
        }
        assertTrue(false, "'" + text + "' did not appear " + times + " times in " + log + " within " + seconds + " s:\n"
                + (Files.exists(log) ? Files.readString(log) : "(no log)"));
    }

    /** Stops every process started here, children first, by PID. */
    @Override
    public void close() throws InterruptedException {
        for (int i = started.size() - 1; i >= 0; i--) {
            Process p = started.get(i);
            List<ProcessHandle> children = p.descendants().toList();
            children.forEach(ProcessHandle::destroy);
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle c : children) {
                if (c.isAlive()) {
                    c.destroyForcibly();
                }
            }
        }
        started.clear();
    }
}
