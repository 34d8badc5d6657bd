package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one float species every engine vector kernel uses, constant for the JIT. It is the machine's
 * widest ({@code SPECIES_PREFERRED}), or the one {@code -Dsparkcnn.vectorBits=128|256|512} names, so a
 * test can run any width on any machine. Loaded only when {@code jdk.incubator.vector} is present.
 *
 * <p>Every vector of every element type in the engine has this one shape. The JDK's shared vector methods
 * (for example {@code FloatVector.intoArray}) keep one type profile of their receivers for the whole JVM;
 * a second shape in it (a 256-bit helper beside 512-bit kernels) made C2 inline the shape check
 * bimorphically in kernels compiled afterwards, and their vector stores then ran as Java objects: a third
 * of the training speed for the rest of the JVM's life, in the JVMs where the second shape ran first
 * (docs/PERFORMANCE.md, "Slow JVMs: found").
 */
public final class Lanes {

    /** Floats, the machine's (or the chosen) width. */
    public static final VectorSpecies<Float> F = pick(Integer.getInteger("sparkcnn.vectorBits", 0));
    /** Doubles and longs of the same shape: half as many lanes. */
    public static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    public static final VectorSpecies<Long> J = VectorSpecies.of(long.class, F.vectorShape());
    static final int L = F.length();
    /**
     * Whether the tiles of 24 accumulators are the only ones a kernel offers: at 16 lanes the CPU has AVX-512's
     * 32 vector registers. Narrower, tiles of 12 are timed beside them where the JIT has 32 registers (AVX-512VL
     * limited to 256 bits, -XX:MaxVectorSize=32), and offered alone where it has 16 ({@link #NARROW_TILES_ONLY}),
     * where 24 accumulators spill (docs/PERFORMANCE.md, "A true AVX2 JIT").
     */
    static final boolean WIDE_TILES_ONLY = L >= 16;
    /**
     * Whether the channels-last kernels ({@link ProductChannelsLast}, {@link WeightsChannelsLast}) offer only their
     * tiles of 12 accumulators: the JIT has 16 vector registers (x86 with {@code UseAVX} below 3: a CPU without
     * AVX-512, or {@code -XX:UseAVX=2}), where 24 accumulators spill. Timed beside them there, the spilling tiles
     * were chosen in one resnet8 JVM of four, which trained at 543 img/s against 956-1,011 (docs/PERFORMANCE.md,
     * "Frames not kept where dW makes its own"). The GEMM's tiles are all timed, as before.
     */
    static final boolean NARROW_TILES_ONLY = L < 16 && java.util.List.of(0, 1, 2).contains(useAvx());
    /**
     * A float vector's halves swapped: its upper half widens to doubles as the swapped vector's lower
     * ({@code convertShape}'s part 1 slices instead: two to three operations for this one permute).
     */
    public static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromOp(F, i -> (i + L / 2) % L);

    private Lanes() {
    }

    /** HotSpot's x86 flag {@code UseAVX} (3: AVX-512, 32 vector registers; below: 16), or -1 where this JVM has none. */
    static int useAvx() {
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return Integer.parseInt(vm.getVMOption("UseAVX").getValue());
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    private static VectorSpecies<Float> pick(int bits) {
        return switch (bits) {
            case 0 -> FloatVector.SPECIES_PREFERRED;
            case 128 -> FloatVector.SPECIES_128;
            case 256 -> FloatVector.SPECIES_256;
            case 512 -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("sparkcnn.vectorBits must be 128, 256 or 512, got " + bits);
        };
    }
}
