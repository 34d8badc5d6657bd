package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * With 16 vector registers ({@code -XX:UseAVX=2}: the JIT's code for an x86 CPU without AVX-512) a layer's timed
 * paths leave out the tiles of 24 accumulators, which spill there ({@link Lanes#NARROW_TILES_ONLY}); with 32
 * ({@code -XX:MaxVectorSize=32} on an AVX-512 CPU) both kinds are timed. Each in a JVM of its own, as the flag is
 * the JVM's. Prints, for resnet20's 16-channel 3x3 layer at 28x28: the flag, the forward's and dW's timed paths, and
 * what dW's candidate 1 means ({@link ConvChoices#WEIGHTS_PATHS}).
 */
class SixteenRegistersTest {

    public static void main(String[] args) {
        ConvChoices choices = ConvChoices.of("t", 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 9);
        System.out.println("narrow=" + Lanes.NARROW_TILES_ONLY);
        System.out.println("forward=" + String.join("|", choices.forwardPath().candidates()));
        System.out.println("weights=" + String.join("|", choices.weightsPath().candidates()));
        System.out.println("weights candidate 1=" + ConvChoices.WEIGHTS_PATHS[ConvChoices.weightsPath(choices.weightsPath(), 1)]);
    }

    private static String run(String flag) throws Exception {
        return ChildJvm.run(SixteenRegistersTest.class, 256, 2, flag);
    }

    @Test
    void sixteenRegistersLeaveOutTheSpillingTiles() throws Exception {
        assumeTrue(Lanes.useAvx() >= 0, "UseAVX is HotSpot's on x86");
        String out = run("-XX:UseAVX=2");
        assertTrue(out.contains("narrow=true"), out);
        assertTrue(out.contains("forward=vectors along positions|vectors along channels\n"), out);
        assertTrue(out.contains("weights=vectors along output channels|vectors along input channels, 12 accumulators\n"), out);
        assertTrue(out.contains("weights candidate 1=vectors along input channels, 12 accumulators\n"), out);
        assertFalse(out.contains("24 accumulators"), out);
    }

    @Test
    void thirtyTwoRegistersTimeBothKinds() throws Exception {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        assumeTrue(Lanes.useAvx() >= 0 && Files.isReadable(cpuinfo) && Files.readString(cpuinfo).contains(" avx512f"),
                "an AVX-512 CPU, HotSpot");
        String out = run("-XX:MaxVectorSize=32");
        assertTrue(out.contains("narrow=false"), out);
        assertTrue(out.contains("forward=vectors along positions|vectors along channels|vectors along channels, 24 accumulators\n"), out);
        assertTrue(out.contains("weights=vectors along output channels|vectors along input channels|vectors along input channels, 12 accumulators\n"), out);
        assertTrue(out.contains("weights candidate 1=vectors along input channels\n"), out);
    }
}
