package org.sparkcnn.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** ExactSum: the correctly rounded exact sum, whatever the order and grouping of the addends. */
class ExactSumTest {

    private static double exact(List<Double> values) {
        BigDecimal s = BigDecimal.ZERO;
        for (double v : values) {
            s = s.add(new BigDecimal(v));
        }
        return s.doubleValue();
    }

    private static double sumOf(List<Double> values) {
        ExactSum s = new ExactSum();
        values.forEach(s::add);
        return s.value();
    }

    @Test
    void anyOrderAndGroupingGivesTheCorrectlyRoundedSum() {
        Random rnd = new Random(3);
        List<Double> wide = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {  // signs, magnitudes from 2^-1074 to 2^1000, subnormals
            double v = Math.scalb(rnd.nextDouble(), rnd.nextInt(2040) - 1040);
            wide.add(rnd.nextBoolean() ? v : -v);
        }
        wide.add(Double.MIN_VALUE);
        wide.add(-Double.MAX_VALUE / 4);
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {  // like per-example losses: where the order of plain addition shows
            losses.add(rnd.nextDouble() * 3);
        }
        for (List<Double> values : List.of(wide, losses)) {
            double expected = exact(values);
            for (int round = 0; round < 5; round++) {
                Collections.shuffle(values, rnd);
                assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(sumOf(values)), "shuffle " + round);
                // in three pieces, merged in another order
                int cut1 = rnd.nextInt(values.size()), cut2 = cut1 + rnd.nextInt(values.size() - cut1);
                ExactSum a = new ExactSum(), b = new ExactSum(), c = new ExactSum();
                values.subList(0, cut1).forEach(a::add);
                values.subList(cut1, cut2).forEach(b::add);
                values.subList(cut2, values.size()).forEach(c::add);
                assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(c.merge(b).merge(a).value()),
                        "merged " + round);
            }
        }
    }

    @Test
    void cancellationLeavesTheSmallAddends() {
        assertEquals(1.0, sumOf(List.of(1e300, 1.0, -1e300)));
        assertEquals(Double.MIN_VALUE * 3, sumOf(List.of(Double.MIN_VALUE, 1.0, Double.MIN_VALUE, -1.0, Double.MIN_VALUE)));
        assertEquals(0.1 + 0.2, sumOf(List.of(0.1, 0.2)), "one addition is one rounding");
        assertEquals(0.0, sumOf(List.of()));
        assertEquals(Double.MAX_VALUE, sumOf(List.of(Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE)),
                "no overflow in between");
        assertEquals(Double.POSITIVE_INFINITY, sumOf(List.of(Double.MAX_VALUE, Double.MAX_VALUE)), "overflow of the result");
    }

    @Test
    void nanAndInfinitiesAsIeeeAdditionGivesThem() {
        assertEquals(Double.POSITIVE_INFINITY, sumOf(List.of(1.0, Double.POSITIVE_INFINITY, -5.0)));
        assertEquals(Double.NEGATIVE_INFINITY, sumOf(List.of(Double.NEGATIVE_INFINITY, 1e308)));
        assertEquals(Double.NaN, sumOf(List.of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
        ExactSum a = new ExactSum();
        a.add(1);
        ExactSum b = new ExactSum();
        b.add(Double.NaN);
        assertEquals(Double.NaN, a.merge(b).value());
    }
}
