package org.sparkcnn.jobs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** S3Mock's child JVM listens on 127.0.0.1 only, on both of its connectors (read from /proc). */
class S3MockServerTest {

    private static final String LOOPBACK_V4 = "0100007F";
    private static final String LOOPBACK_V4_MAPPED = "0000000000000000FFFF00000100007F";

    @Test
    void everyListeningSocketIsOnLoopback() throws IOException {
        S3MockServer s3 = S3MockServer.get();
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(s3.pid()), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // a descriptor closed while listing
                }
            }
        }
        List<String> listening = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table)).size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) {  // state LISTEN, owned by S3Mock
                    listening.add(f[1]);
                }
            }
        }
        assertEquals(2, listening.size(), "S3Mock's two connectors: " + listening);
        for (String local : listening) {
            String address = local.substring(0, local.indexOf(':'));
            assertTrue(address.equals(LOOPBACK_V4) || address.equals(LOOPBACK_V4_MAPPED),
                    "listening on " + local + " (not 127.0.0.1)");
        }
        assertTrue(listening.stream().anyMatch(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1), 16) == s3.port()));
    }
}
