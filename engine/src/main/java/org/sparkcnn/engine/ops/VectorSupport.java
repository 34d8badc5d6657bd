package org.sparkcnn.engine.ops;

/**
 * Whether the engine's Java Vector API kernels run here: the {@code jdk.incubator.vector} module is
 * present (the launcher and Spark's executor options add it) and a float vector has at least 4 lanes.
 * Otherwise the engine runs the scalar twins of the same kernels, which give the same bits.
 * {@code -Dsparkcnn.noVector=true} turns the vector kernels off; {@code -Dsparkcnn.vectorBits=128|256|512}
 * picks a width other than the machine's widest.
 */
public final class VectorSupport {

    public static final boolean AVAILABLE = probe();

    private VectorSupport() {
    }

    private static boolean probe() {
        if (Boolean.getBoolean("sparkcnn.noVector")
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return Lanes.L >= 4;
        } catch (LinkageError e) {
            return false;
        }
    }

    /** Float lanes of the vector kernels, 1 when they are off. */
    public static int lanes() {
        return AVAILABLE ? Lanes.L : 1;
    }

    /** For logs: "Vector API, 16 lanes" or "scalar (no jdk.incubator.vector)". */
    public static String describe() {
        if (AVAILABLE) {
            return "Vector API, " + Lanes.L + " lanes";
        }
        return Boolean.getBoolean("sparkcnn.noVector") ? "scalar (-Dsparkcnn.noVector)" : "scalar (no jdk.incubator.vector)";
    }
}
