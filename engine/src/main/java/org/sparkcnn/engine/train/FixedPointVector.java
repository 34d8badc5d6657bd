package org.sparkcnn.engine.train;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector kernel of {@link FixedPointSum#add}, on the Java Vector API; loaded only when
 * {@code jdk.incubator.vector} is present. AVX2 has no double-to-long conversion, so the rounding is
 * done by adding C = 1.5 * 2^52: for |x| < 2^51 the double x + C is the integer nearest x (ties to
 * even, as {@code Math.rint}), held in its low mantissa bits, and {@code bits(x + C) - bits(C)} is that
 * integer. x = v * 2^40 is exact, so each word equals the scalar path's. Lanes with |v| >= 2^11 (x
 * at or above 2^51) or NaN are rare; their group of 8 takes the scalar path.
 */
final class FixedPointVector {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_256;
    private static final double C = 0x1.8p52;
    private static final long C_BITS = Double.doubleToRawLongBits(C);
    private static final float FAST_LIMIT = 0x1p11f;

    private FixedPointVector() {
    }

    /**
     * Adds round(grads[i] * 2^40) into sums[i] for i in [from, to). Returns the OR of the overflow
     * words {@code (a ^ r) & (b ^ r)} (negative if any addition overflowed), or {@code Long.MIN_VALUE}
     * if a value was out of range or not finite; the caller then finds the first such index.
     */
    static long add(float[] grads, long[] sums, int from, int to, double scale, double limit) {
        long overflow = 0;
        int i = from;
        LongVector ov = LongVector.zero(L);
        for (; i + 8 <= to; i += 8) {
            FloatVector v = FloatVector.fromArray(F, grads, i);
            if (!v.abs().compare(VectorOperators.LT, FAST_LIMIT).allTrue()) {
                overflow |= scalar(grads, sums, i, i + 8, scale, limit);
                continue;
            }
            for (int part = 0; part < 2; part++) {
                DoubleVector x = (DoubleVector) v.convertShape(VectorOperators.F2D, D, part);
                LongVector b = x.mul(scale).add(C).reinterpretAsLongs().sub(C_BITS);
                LongVector a = LongVector.fromArray(L, sums, i + 4 * part);
                LongVector r = a.add(b);
                ov = ov.or(a.lanewise(VectorOperators.XOR, r).and(b.lanewise(VectorOperators.XOR, r)));
                r.intoArray(sums, i + 4 * part);
            }
        }
        overflow |= ov.reduceLanes(VectorOperators.OR);
        return overflow | scalar(grads, sums, i, to, scale, limit);
    }

    private static long scalar(float[] grads, long[] sums, int from, int to, double scale, double limit) {
        long overflow = 0;
        for (int i = from; i < to; i++) {
            double v = grads[i];
            overflow |= Math.abs(v) < limit ? 0 : Long.MIN_VALUE;
            long a = sums[i], b = (long) Math.rint(v * scale), r = a + b;
            overflow |= (a ^ r) & (b ^ r);
            sums[i] = r;
        }
        return overflow;
    }
}
