package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every engine method that runs compiles at C1's tiers (1-3). A kernel too large for C1's profiled tier (3) can stay
 * on the C1 code of tier 2, where HotSpot puts a hot method while C2's queue is long: in the JVM logged, HotSpot did
 * not move two such tiles on from tier 2 after their tier-3 compilation failed, and C1 does not turn Vector API calls
 * into vector instructions, so they ran 12-40 times slower for as long as that JVM ran (docs/PERFORMANCE.md, "A JVM
 * of ours slow for as long as it ran"). {@link KernelDigest} runs every kernel, here with {@code -XX:+PrintCompilation}, which
 * prints each compilation skipped, its tier and why.
 */
class C1CompilationTest {

    /** {@code tile}: a 3x3 tile that must have compiled in this run (the tiles of 24 accumulators do not run with 16 registers). */
    private static void compilesAtC1(String tile, String... flags) throws Exception {
        String[] all = new String[flags.length + 1];
        all[0] = "-XX:+PrintCompilation";
        System.arraycopy(flags, 0, all, 1, flags.length);
        String out = ChildJvm.run(KernelDigest.class, 512, 5, all);
        assertTrue(out.contains("ProductChannelsLast3x3::" + tile + " "), "the 3x3 tiles ran and compiled " + List.of(flags));
        List<String> skipped = out.lines()
                .filter(l -> l.contains("org.sparkcnn") && l.contains("COMPILE SKIPPED") && !l.contains("concurrent class loading"))
                .filter(l -> tier(l) >= 1 && tier(l) <= 3)
                .collect(Collectors.toList());
        assertTrue(skipped.isEmpty(), "C1 compilations skipped " + List.of(flags) + ":\n" + String.join("\n", skipped));
    }

    /** A PrintCompilation line's tier: the first single digit after the time stamp and compile id (flags are letters and %). */
    private static int tier(String line) {
        String[] fields = line.trim().split("\\s+");
        return Arrays.stream(fields).skip(2).filter(f -> f.matches("[0-4]")).mapToInt(Integer::parseInt).findFirst().orElse(-1);
    }

    @Test
    void atThisCpusWidth() throws Exception {
        compilesAtC1(Lanes.NARROW_TILES_ONLY ? "tile2" : "tile12x2");
    }

    @Test
    void withSixteenRegisters() throws Exception {
        compilesAtC1("tile2", "-XX:UseAVX=2");
    }
}
