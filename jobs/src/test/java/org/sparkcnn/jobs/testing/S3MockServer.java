package org.sparkcnn.jobs.testing;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;

/**
 * One real S3 API server per test JVM: S3Mock's exec jar in a child JVM serving plain HTTP on
 * 127.0.0.1 (STACK.md sections 2 and 6), with a fresh store root. Stopped by its PID when the JVM
 * exits. S3Mock also opens a second plain-HTTP connector, on every interface by default;
 * {@link S3MockLoopbackOnly} binds it to 127.0.0.1 (on an ephemeral port, never used).
 */
public final class S3MockServer {

    private static final Pattern STARTED = Pattern.compile("Tomcat started on ports? (\\d+) \\(http\\)");
    private static S3MockServer instance;

    private final Process process;
    private final int port;

    private S3MockServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static synchronized S3MockServer get() throws IOException {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    private static S3MockServer start() throws IOException {
        String jar = System.getProperty("s3mock.jar", "target/s3mock/s3mock-exec.jar");
        if (!new File(jar).isFile()) {
            throw new IllegalStateException("S3Mock exec jar not found at " + jar + " (the build copies it there)");
        }
        Path root = Files.createTempDirectory(new File("target").getAbsoluteFile().toPath(), "s3mock-root");
        Path log = root.resolveSibling(root.getFileName() + ".log");
        // Spring Boot's PropertiesLauncher with our test classes on its loader path: their
        // META-INF/spring.factories installs S3MockLoopbackOnly, which binds S3Mock's second connector
        // to loopback too. (Located through this class: loading that one here would need Spring.)
        String ours = new File(S3MockServer.class.getProtectionDomain().getCodeSource().getLocation().getPath()).getPath();
        List<String> cmd = new ArrayList<>(List.of(
                new File(System.getProperty("java.home"), "bin/java").getPath(), "-Xmx512m",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-cp", jar,
                "-Dloader.path=" + ours, "-Dloader.main=com.adobe.testing.s3mock.S3MockApplication",
                "org.springframework.boot.loader.launch.PropertiesLauncher",
                "--server.ssl.enabled=false", "--server.address=127.0.0.1", "--server.port=0",
                "--com.adobe.testing.s3mock.http-port=0",
                "--com.adobe.testing.s3mock.store.root=" + root.resolve("store"),
                "--spring.main.banner-mode=off"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long pid = p.pid();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(p), "s3mock-stop-" + pid));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("S3Mock (pid " + pid + ") exited with " + p.exitValue() + "; see " + log);
            }
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = STARTED.matcher(line);
                if (m.find()) {
                    return new S3MockServer(p, Integer.parseInt(m.group(1)));
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stop(p);
        throw new IllegalStateException("S3Mock did not start within 90 s; see " + log);
    }

    private static void stop(Process p) {
        ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** The S3A settings for this server (STACK.md section 6), as Hadoop keys without "spark.hadoop.". */
    public Map<String, String> s3aSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("fs.s3a.endpoint", endpoint());
        s.put("fs.s3a.endpoint.region", "us-east-1");
        s.put("fs.s3a.path.style.access", "true");
        s.put("fs.s3a.connection.ssl.enabled", "false");
        s.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        s.put("fs.s3a.access.key", "test-access-key");
        s.put("fs.s3a.secret.key", "test-secret-key");
        s.put("fs.s3a.attempts.maximum", "2");
        s.put("fs.s3a.retry.limit", "2");
        return s;
    }

    public Configuration configure(Configuration conf) {
        s3aSettings().forEach(conf::set);
        return conf;
    }

    /** Creates a bucket (an unsigned path-style PUT, which S3Mock accepts). */
    public void createBucket(String bucket) throws IOException {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(endpoint() + "/" + bucket)).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 && r.statusCode() != 409) {
                throw new IOException("creating bucket " + bucket + ": HTTP " + r.statusCode() + " " + r.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
