package org.sparkcnn.engine.train;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.sparkcnn.engine.ops.Lanes;

/**
 * The vector kernel of {@link FixedPointSum#add}, on the Java Vector API; loaded only when
 * {@code jdk.incubator.vector} is present. AVX2 has no double-to-long conversion, so the rounding is
 * done by adding C = 1.5 * 2^52: for |x| < 2^51 the double x + C is the integer nearest x (ties to
 * even, as {@code Math.rint}), held in its low mantissa bits, and {@code bits(x + C) - bits(C)} is that
 * integer. x = v * 2^40 is exact, so each word equals the scalar path's. Lanes with |v| >= 2^11 (x
 * at or above 2^51) or NaN are rare; their group of one vector takes the scalar path.
 */
final class FixedPointVector {

    /** The engine's one vector shape ({@link Lanes}): W floats, then W/2 doubles and longs per half. */
    private static final VectorSpecies<Float> F = Lanes.F;
    private static final VectorSpecies<Double> D = Lanes.D;
    private static final VectorSpecies<Long> L = Lanes.J;
    private static final int W = F.length(), H = W / 2;
    /** The halves swapped: the upper widens as the swapped vector's lower. */
    private static final VectorShuffle<Float> SWAP = Lanes.SWAP_HALVES;
    private static final double C = 0x1.8p52;
    private static final long C_BITS = Double.doubleToRawLongBits(C);
    private static final float FAST_LIMIT = 0x1p11f;

    private FixedPointVector() {
    }

    /** Compiles the kernel before its first real call ({@link org.sparkcnn.engine.ops.JitWarmUp}). */
    private static final class Warm {
        static {
            float[] g = new float[64];
            long[] sums = new long[64];
            org.sparkcnn.engine.ops.JitWarmUp.untilCompiled(
                    java.util.List.of(() -> add(g, sums, 0, 61, false), () -> add(g, sums, 0, 61, true)), 1_000_000_000L);
        }

        static void ensure() {
        }
    }

    /**
     * As {@link FixedPointSum#addScalar}: adds round(grads[i] * 2^40) into sums[i] for i in [from, to)
     * (into 0 instead of sums[i] when {@code set}), and returns a negative value if a value was out of range
     * or not finite, or an addition overflowed.
     */
    static long add(float[] grads, long[] sums, int from, int to, boolean set) {
        Warm.ensure();
        long overflow = 0;
        int i = from;
        LongVector ov = LongVector.zero(L);
        for (; i + W <= to; i += W) {
            FloatVector v = FloatVector.fromArray(F, grads, i);
            if (!v.abs().compare(VectorOperators.LT, FAST_LIMIT).allTrue()) {
                overflow |= FixedPointSum.addScalar(grads, sums, i, i + W, set);
                continue;
            }
            DoubleVector x0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector x1 = (DoubleVector) v.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0);
            LongVector b0 = x0.mul(FixedPointSum.SCALE).add(C).reinterpretAsLongs().sub(C_BITS);
            LongVector b1 = x1.mul(FixedPointSum.SCALE).add(C).reinterpretAsLongs().sub(C_BITS);
            LongVector a0 = set ? LongVector.zero(L) : LongVector.fromArray(L, sums, i);
            LongVector a1 = set ? LongVector.zero(L) : LongVector.fromArray(L, sums, i + H);
            LongVector r0 = a0.add(b0), r1 = a1.add(b1);
            ov = ov.or(a0.lanewise(VectorOperators.XOR, r0).and(b0.lanewise(VectorOperators.XOR, r0)))
                    .or(a1.lanewise(VectorOperators.XOR, r1).and(b1.lanewise(VectorOperators.XOR, r1)));
            r0.intoArray(sums, i);
            r1.intoArray(sums, i + H);
        }
        overflow |= ov.reduceLanes(VectorOperators.OR);
        return overflow | FixedPointSum.addScalar(grads, sums, i, to, set);
    }
}
