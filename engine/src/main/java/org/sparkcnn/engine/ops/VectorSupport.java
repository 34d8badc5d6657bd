package org.sparkcnn.engine.ops;

/**
 * Whether the engine's Java Vector API kernels run here: the {@code jdk.incubator.vector} module is
 * present (the launcher and Spark's executor options add it) and a float vector has at least 8
 * lanes. Otherwise the engine uses its scalar kernels or BLAS. {@code -Dsparkcnn.noVector=true}
 * turns the vector kernels off, for comparisons.
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
            int lanes = DirectConvVector.lanes();
            return lanes >= 8 && DirectConv.BLOCK % (4 * lanes) == 0;
        } catch (LinkageError e) {
            return false;
        }
    }

    /** For logs: "Vector API, 8 lanes" or "scalar (no jdk.incubator.vector)". */
    public static String describe() {
        return AVAILABLE ? "Vector API, " + DirectConvVector.lanes() + " lanes" : "scalar (no jdk.incubator.vector)";
    }
}
