package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * No engine method that {@link KernelDigest} runs has a C1 compilation (tiers 1-3) skipped. A kernel too large for
 * C1's profiled tier (3) can stay on the C1 code of tier 2, where HotSpot puts a hot method while C2's queue is
 * long: in the JVM logged (docs/PERFORMANCE.md, "A JVM of ours many
 * times slower"), two such tiles stayed there after their tier-3 compilation failed and never reached C2, and C1
 * does not turn Vector API calls into vector instructions. {@code -XX:+PrintCompilation} prints each compilation,
 * its tier, and each one skipped and why.
 */
class C1CompilationTest {

    private static void compilesAtC1(String... flags) throws Exception {
        String[] all = new String[flags.length + 1];
        all[0] = "-XX:+PrintCompilation";
        System.arraycopy(flags, 0, all, 1, flags.length);
        List<String> lines = ChildJvm.run(KernelDigest.class, 512, 5, all).lines().collect(Collectors.toList());
        List<String> skipped = lines.stream()
                .filter(l -> l.contains("org.sparkcnn") && l.contains("COMPILE SKIPPED") && !l.contains("concurrent class loading"))
                .filter(l -> tier(l) >= 1 && tier(l) <= 3)
                .collect(Collectors.toList());
        assertTrue(skipped.isEmpty(), "C1 compilations skipped " + List.of(flags) + ":\n" + String.join("\n", skipped));
        assertTrue(lines.stream().anyMatch(l -> l.contains("ProductChannelsLast3x3::tile")), "the 3x3 tiles ran " + List.of(flags));
    }

    /** A PrintCompilation line's tier: the first single digit after the time stamp and compile id (flags are letters and %). */
    private static int tier(String line) {
        String[] fields = line.trim().split("\\s+");
        return Arrays.stream(fields).skip(2).filter(f -> f.matches("[0-4]")).mapToInt(Integer::parseInt).findFirst().orElse(-1);
    }

    @Test
    void atThisCpusWidth() throws Exception {
        compilesAtC1();
    }

    @Test
    void withSixteenRegisters() throws Exception {
        assumeTrue(Lanes.useAvx() >= 0, "UseAVX is HotSpot's on x86");
        compilesAtC1("-XX:UseAVX=2");
    }
}
