package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user of {@code bin/sparkcnn} sees: a data error is one line (its trace in a file), and a
 * local run listens on 127.0.0.1 only, whether Spark comes from the Maven-resolved jars, from a
 * {@code SPARK_HOME}, or the jar is given straight to spark-submit.
 */
class LauncherIT {

    static final Path LAUNCHER = Path.of("..", "bin", "sparkcnn").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    /** bin/sparkcnn with a clean environment: no SPARK_HOME or SPARK_LOCAL_IP unless {@code env} sets them. */
    private Process launch(Map<String, String> env, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SPARK_HOME");
        pb.environment().remove("SPARK_LOCAL_IP");
        pb.environment().remove("SPARK_CONF_DIR");
        pb.environment().put("SPARKCNN_NO_INSTALL", "1");
        pb.environment().put("SPARKCNN_JAR", SparkProcesses.JAR.toAbsolutePath().toString());
        pb.environment().put("JAVA", SparkProcesses.java());
        pb.environment().put("SPARKCNN_JAVA_OPTS", SparkProcesses.TMPDIR_OPTION);  // not /tmp
        pb.environment().putAll(env);
        return pb.start();
    }

    private static int await(Process p, Path log) throws Exception {
        try {
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "finished in 5 minutes; see " + log);
            return p.exitValue();
        } finally {
            stop(p);
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** A fake JDK: its release file says {@code version}; its java, when there is one, prints its own path and exits. */
    private static Path fakeJdk(Path jvms, String name, String version, boolean withJava) throws IOException {
        Path home = Files.createDirectories(jvms.resolve(name));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        if (withJava) {
            Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
            Files.writeString(java, "#!/bin/sh\necho \"fake java $0\"\n");
            assertTrue(java.toFile().setExecutable(true));
        }
        return home;
    }

    @Test
    void withoutJavaSetItRunsOnTheNewestJdkFrom25_0_3() throws Exception {
        Path jvms = Files.createDirectories(tmp.resolve("jvm"));
        fakeJdk(jvms, "jdk-17", "17.0.15", true);
        fakeJdk(jvms, "jdk-25.0.2", "25.0.2", true);
        Path chosen = fakeJdk(jvms, "jdk-25.0.10", "25.0.10", true);
        fakeJdk(jvms, "jdk-25.0.9", "25.0.9", true);
        fakeJdk(jvms, "jdk-26-no-java", "26.0.1", false);
        Path log = tmp.resolve("pick.log");
        Process p = launch(Map.of("SPARKCNN_JVM_DIR", jvms.toString(), "JAVA", ""), log, "--help");
        assertEquals(0, await(p, log));
        String out = Files.readString(log);
        String picked = chosen.resolve("bin").resolve("java").toString();
        assertTrue(out.contains("sparkcnn: running on " + picked + " (set JAVA to choose another JVM)"), out);
        assertTrue(out.contains("fake java " + picked), out);

        // nothing at 25.0.3 or later: the default java, said nothing about
        Files.walk(chosen).sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        Files.walk(jvms.resolve("jdk-25.0.9")).sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        Path fallback = tmp.resolve("fallback.log");
        Process q = launch(Map.of("SPARKCNN_JVM_DIR", jvms.toString(), "JAVA", ""), fallback, "--help");
        assertEquals(0, await(q, fallback));
        String help = Files.readString(fallback);
        assertTrue(!help.contains("fake java") && !help.contains("running on") && help.contains("train"), help);
    }

    @Test
    void aBadRecordIsReportedInOneLineWithItsTraceInAFile() throws Exception {
        Path train = tmp.resolve("train.csv");
        StringBuilder csv = new StringBuilder("label");
        for (int i = 0; i < 784; i++) {
            csv.append(",p").append(i);
        }
        csv.append('\n');
        for (int r = 0; r < 100; r++) {
            csv.append(r % 10);
            for (int i = 0; i < (r == 57 ? 700 : 784); i++) {
                csv.append(',').append((r * 31 + i) % 256);
            }
            csv.append('\n');
        }
        Files.writeString(train, csv.toString());
        Path out = tmp.resolve("out");
        Path log = tmp.resolve("bad-data.log");
        int exit = await(launch(Map.of(), log, "train", "--master", "local[2]", "--set", "data.format=csv", "--data",
                train.toString(), "--test-data", train.toString(), "--max-steps", "2", "--output", out.toString()), log);
        String output = Files.readString(log);
        assertEquals(1, exit, output);
        String expected = "sparkcnn train failed: " + train.toUri().toString().replace("file:///", "file:/")
                + ":59: expected 785 cells (a label and 784 pixels), got 701";
        List<String> lines = output.lines().toList();
        assertEquals(1, lines.stream().filter(l -> l.contains("expected 785 cells")).count(),
                "the bad row is named once, in SparkCNN's line:\n" + output);
        assertTrue(lines.contains(expected), output);
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("\tat ") || l.contains("Exception in task")
                || l.contains("Lost task") || l.contains("aborting job")), "no Spark task-failure logs:\n" + output);
        Matcher trace = Pattern.compile("\\(the full stack trace is in (\\S+)\\)").matcher(output);
        assertTrue(trace.find(), output);
        String traceText = Files.readString(Path.of(trace.group(1)));
        Files.delete(Path.of(trace.group(1)));
        assertTrue(traceText.contains("org.sparkcnn.jobs.data.BadDataException: ") && traceText.contains("\tat org.sparkcnn.jobs.data.CsvDataset"),
                traceText);
        assertFalse(Files.exists(out) || Files.exists(tmp.resolve("out.inprogress")), "a failed run leaves no output");
    }

    @Test
    void aLocalRunWithSparkHomeListensOnLoopbackOnly() throws Exception {
        Path sparkHome = StandaloneClusterIT.sparkHome(tmp.resolve("spark-home"));
        Path bin = Files.createDirectories(sparkHome.resolve("bin"));
        // What a Spark distribution's bin/spark-submit comes down to: SparkSubmit on $SPARK_HOME/jars.
        Path submit = bin.resolve("spark-submit");
        Files.writeString(submit, "#!/usr/bin/env bash\nexec " + SparkProcesses.java() + " " + String.join(" ", SparkProcesses.JVM_OPTIONS)
                + " -cp \"$SPARK_HOME/jars/*\" org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        Set<String> listening = listeningWhileTraining(Map.of("SPARK_HOME", sparkHome.toString()), "with-spark-home",
                "--conf", "spark.ui.enabled=true");
        assertTrue(listening.size() >= 2, "the driver's RPC, block manager and UI listen: " + listening);
        assertTrue(listening.stream().allMatch(LauncherIT::loopback), "only 127.0.0.1: " + listening);
    }

    @Test
    void theJarUnderAPlainSparkSubmitListensOnLoopbackOnly() throws Exception {
        Path data = TinyDataset.write(tmp.resolve("data"), 640, 20);
        Path out = tmp.resolve("direct");
        List<String> cmd = new ArrayList<>(List.of(SparkProcesses.java(), "-Xmx1g"));
        cmd.addAll(SparkProcesses.JVM_OPTIONS);
        cmd.addAll(List.of("-cp", SparkProcesses.sparkClasspath(), "org.apache.spark.deploy.SparkSubmit", "--master", "local[1]",
                SparkProcesses.JAR.toString(), "train", "--data", data.toString(), "--epochs", "100", "--batch-size", "16",
                "--output", out.toString()));
        Path log = tmp.resolve("direct.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SPARK_LOCAL_IP");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        Process p = pb.start();
        try {
            Set<String> listening = socketsOnceTraining(p, tmp.resolve("direct.inprogress"), log);
            assertTrue(listening.size() >= 2, "the driver's RPC and block manager listen: " + listening);
            assertTrue(listening.stream().allMatch(LauncherIT::loopback), "only 127.0.0.1: " + listening);
            assertTrue(Files.readString(log).contains("spark: the web UI is off: for a local master it would listen on every interface"),
                    Files.readString(log));
        } finally {
            stop(p);
        }
    }

    private Set<String> listeningWhileTraining(Map<String, String> env, String name, String... extra) throws Exception {
        Path data = TinyDataset.write(tmp.resolve("data-" + name), 640, 20);
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("train", "--master", "local[1]", "--data", data.toString(), "--epochs", "100",
                "--batch-size", "16", "--output", out.toString()));
        args.addAll(List.of(extra));
        Path log = tmp.resolve(name + ".log");
        Process p = launch(env, log, args.toArray(new String[0]));
        try {
            return socketsOnceTraining(p, tmp.resolve(name + ".inprogress"), log);
        } finally {
            stop(p);
        }
    }

    /** The listening TCP addresses of {@code p} and its descendants, once its run has trained a step. */
    private static Set<String> socketsOnceTraining(Process p, Path staging, Path log) throws Exception {
        Path metrics = staging.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!(Files.exists(metrics) && Files.readString(metrics).contains("\"type\":\"step\""))) {
            assertTrue(p.isAlive(), "the run ended before training; see " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "no training step in 3 minutes; see " + log);
            Thread.sleep(100);
        }
        Set<String> addresses = new TreeSet<>();
        List<ProcessHandle> all = new ArrayList<>(List.of(p.toHandle()));
        p.descendants().forEach(all::add);
        for (ProcessHandle h : all) {
            addresses.addAll(listening(h.pid()));
        }
        return addresses;
    }

    /** "address:port" of the TCP sockets process {@code pid} listens on, from /proc. */
    static Set<String> listening(long pid) throws IOException {
        Set<String> inodes = new TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Matcher m = Pattern.compile("socket:\\[(\\d+)]").matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(m.group(1));
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        Set<String> out = new TreeSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> rows = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table));
            for (String row : rows.subList(1, rows.size())) {
                String[] f = row.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) {  // 0A: LISTEN
                    out.add(address(f[1]));
                }
            }
        }
        return out;
    }

    /** /proc/net/tcp's little-endian hex "0100007F:1F90" as "127.0.0.1:8080" (IPv6 kept in hex, loopback named). */
    private static String address(String hex) {
        String[] ipPort = hex.split(":");
        int port = Integer.parseInt(ipPort[1], 16);
        String ip = ipPort[0];
        if (ip.length() == 8) {
            long v = Long.parseLong(ip, 16);
            return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff) + ":" + port;
        }
        if (ip.equals("00000000000000000000000001000000") || ip.equals("0000000000000000FFFF00000100007F")) {
            return "127.0.0.1(v6):" + port;
        }
        return ip + ":" + port;
    }

    private static boolean loopback(String address) {
        return address.startsWith("127.0.0.1");
    }
}
