package org.sparkcnn.engine.train;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The exact sum of any number of doubles, rounded to a double once, when read: the same bits for any
 * order and grouping of the addends (over batches, partitions, executors). For evaluation losses,
 * where {@link FixedPointSum}'s range is too small (a bad model's loss of a large set).
 *
 * <p>A finite double is an integer multiple of 2^-1074. Each addend is added as that integer, in
 * base-2^32 digits held in longs, so that carries can wait: a digit grows by less than 2^32 per
 * addition, and carries are propagated every 2^30 additions. NaN and infinities are counted apart,
 * and give what IEEE addition would: NaN, or the infinity.
 */
public final class ExactSum implements Serializable {

    private static final long serialVersionUID = 1L;
    /** Digit i weighs 2^(32i - 1074). 2098 bits span every finite double; the rest is carry room. */
    private static final int DIGITS = 68;
    private static final long MASK = 0xFFFF_FFFFL;
    private static final int CARRY_EVERY = 1 << 30;
    private static final BigInteger FIVE_POW_1074 = BigInteger.valueOf(5).pow(1074);

    private long[] digits = new long[DIGITS];
    private int pending;  // additions since the last carry propagation
    private boolean nan;
    private boolean plusInfinity;
    private boolean minusInfinity;

    /** Adds {@code v}, exactly. */
    public void add(double v) {
        if (!Double.isFinite(v)) {
            nan |= Double.isNaN(v);
            plusInfinity |= v == Double.POSITIVE_INFINITY;
            minusInfinity |= v == Double.NEGATIVE_INFINITY;
            return;
        }
        long bits = Double.doubleToRawLongBits(v);
        int exponent = (int) (bits >>> 52) & 0x7FF;
        long m = bits & ((1L << 52) - 1);
        if (exponent == 0) {
            exponent = 1;  // subnormal: m * 2^-1074
        } else {
            m |= 1L << 52;  // normal: m * 2^(exponent - 1075)
        }
        if (m == 0) {
            return;
        }
        int shift = exponent - 1;  // |v| = m * 2^shift * 2^-1074, shift in [0, 2045]
        int w = shift >>> 5, s = shift & 31;
        long low = (m << s) & MASK, high = m >>> (32 - s);  // m * 2^s = low + high * 2^32, high < 2^52
        long sign = v < 0 ? -1 : 1;
        digits[w] += sign * low;
        digits[w + 1] += sign * (high & MASK);
        digits[w + 2] += sign * (high >>> 32);
        if (++pending == CARRY_EVERY) {
            carry();
        }
    }

    /** Adds {@code other} into this sum and returns this; exact. {@code other} keeps its value. */
    public ExactSum merge(ExactSum other) {
        carry();
        other.carry();
        for (int i = 0; i < DIGITS; i++) {
            digits[i] += other.digits[i];
        }
        pending = 2;  // each digit is now below 2^33, as after two additions
        nan |= other.nan;
        plusInfinity |= other.plusInfinity;
        minusInfinity |= other.minusInfinity;
        return this;
    }

    /** The sum rounded to the nearest double (ties to even); NaN or an infinity as IEEE addition would give. */
    public double value() {
        if (nan || (plusInfinity && minusInfinity)) {
            return Double.NaN;
        }
        if (plusInfinity || minusInfinity) {
            return plusInfinity ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        }
        carry();
        BigInteger n = BigInteger.valueOf(digits[DIGITS - 1]);
        for (int i = DIGITS - 2; i >= 0; i--) {
            n = n.shiftLeft(32).add(BigInteger.valueOf(digits[i]));
        }
        // n * 2^-1074 = n * 5^1074 / 10^1074, as an exact decimal, then rounded once
        return new BigDecimal(n.multiply(FIVE_POW_1074), 1074).doubleValue();
    }

    /** Every digit but the last into [0, 2^32), the excess carried up; the value is unchanged. */
    private void carry() {
        if (pending == 0) {
            return;
        }
        for (int i = 0; i < DIGITS - 1; i++) {
            long c = digits[i] >> 32;  // floor division, so negative digits borrow
            digits[i] &= MASK;
            digits[i + 1] += c;
        }
        pending = 0;
    }
}
