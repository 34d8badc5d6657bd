package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Same bits everywhere: {@link KernelDigest} (every kernel, forward and backward, every GEMM tile, one
 * training step of each shipped model) gives one hash in JVMs running the scalar path and the Vector
 * API at 128, 256 and 512 bits, and in this JVM at its own width. A width this CPU lacks still runs
 * (the Vector API falls back to Java code), so every width is checked on every machine.
 */
class KernelBitsTest {

    private record Run(int lanes, String digest) {
    }

    private static Run run(String... flags) throws Exception {
        String out = ChildJvm.run(KernelDigest.class, 512, 5, flags);
        int lanes = -1;
        String digest = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("lanes=")) {
                lanes = Integer.parseInt(line.substring(6).trim());
            } else if (line.startsWith("digest=")) {
                digest = line.substring(7).trim();
            }
        }
        assertTrue(digest != null && digest.length() == 64, "no digest from " + List.of(flags) + ":\n" + out);
        return new Run(lanes, digest);
    }

    @Test
    void theScalarPathAndEveryVectorWidthGiveTheSameBits() throws Exception {
        Map<String, Run> runs = new LinkedHashMap<>();
        runs.put("scalar", run("-Dsparkcnn.noVector=true"));
        runs.put("128-bit", run("-Dsparkcnn.vectorBits=128"));
        runs.put("256-bit", run("-Dsparkcnn.vectorBits=256"));
        runs.put("512-bit", run("-Dsparkcnn.vectorBits=512"));
        if (System.getProperty("os.arch").matches("amd64|x86_64")) {  // 16 vector registers: the 12-accumulator tiles alone
            runs.put("256-bit, 16 registers", run("-XX:UseAVX=2"));
        }
        assertEquals(1, runs.get("scalar").lanes(), "the scalar run must not use vectors");
        assertEquals(4, runs.get("128-bit").lanes());
        assertEquals(8, runs.get("256-bit").lanes());
        assertEquals(16, runs.get("512-bit").lanes());
        String here = KernelDigest.digest();
        for (Map.Entry<String, Run> e : runs.entrySet()) {
            assertEquals(here, e.getValue().digest(),
                    e.getKey() + " gives other bits than this JVM (" + VectorSupport.describe() + "): " + runs);
        }
    }

    @Test
    void everyTileOfTheChainProductGivesTheScalarBitsOnEdgeShapes() {
        assertTrue(VectorSupport.AVAILABLE, "the tests run with jdk.incubator.vector");
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        int[][] shapes = {{1, 1, 1}, {1, 17, 1}, {9, 1, 300}, {8, 48, 256}, {8, 48, 257}, {13, 95, 513}, {64, 33, 5}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = new float[m * k], b = new float[k * n], c0 = new float[m * n];
            for (float[] arr : new float[][]{a, b, c0}) {
                for (int i = 0; i < arr.length; i++) {
                    arr[i] = (float) (rng.nextGaussian() * 1e3);  // large values: any reordering shows
                }
            }
            float[] expected = c0.clone();
            Gemm.chainScalar(m, n, k, a, 0, k, 1, b, 0, n, expected, 0, n);
            for (int tile = 0; tile < Gemm.TILES.length; tile++) {
                float[] c = c0.clone();
                Gemm.chainVector(tile, m, n, k, a, 0, k, 1, b, 0, n, c, 0, n);
                for (int i = 0; i < c.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(c[i]),
                            m + "x" + n + "x" + k + " tile " + Gemm.tileNames()[tile] + " entry " + i);
                }
            }
        }
    }

    @Test
    void theChainOrderIsOneFusedMultiplyAddPerKAndDot16IsSixteenPartialSums() {
        // Fused: (1 + 2^-12)^2 - 1 = 2^-11 + 2^-24 exactly; rounding the product first would give 2^-11.
        float a = 1f + 0x1p-12f;
        float[] c = {-1f};
        Gemm.chainScalar(1, 1, 1, new float[]{a}, 0, 1, 1, new float[]{a}, 0, 1, c, 0, 1);
        assertEquals(0x1p-11f + 0x1p-24f, c[0]);
        // In k order: 2^30 + 1 rounds to 2^30, then - 2^30 gives 0 (other orders give 1).
        float[] v = {0f};
        Gemm.chain(Gemm.choice("test chain", 1, 1, 3), 1, 1, 3, new float[]{0x1p30f, 1f, -0x1p30f}, 0, 3, 1,
                new float[]{1f, 1f, 1f}, 0, 1, v, 0, 1);
        assertEquals(0f, v[0]);
        // dot16: k = 16 and 17 land in partial sums 0 and 1; the tree adds them after the others.
        float[] x = new float[18], y = new float[18];
        x[0] = 1f;
        y[0] = 0x1p30f;
        x[16] = 1f;
        y[16] = -0x1p30f;
        x[1] = 1f;
        y[1] = 1f;
        float[] d = new float[1];
        Gemm.dot16(1, 1, 18, x, 0, 18, y, 0, 18, d, 0, 1);
        assertEquals(1f, d[0], "S0 = 2^30 - 2^30 = 0 exactly, S1 = 1 (one chain over k would give 0)");
    }
}
