package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Top-k, precision, recall and F1 from counts worked out by hand. */
class EvaluationCountsTest {

    private static Evaluation.Counts count(float[][] scores, int[] truths) {
        Evaluation.Counts c = new Evaluation.Counts(scores[0].length);
        for (int i = 0; i < scores.length; i++) {
            c.add(scores[i], 0, scores[i].length, truths[i]);
        }
        return c;
    }

    @Test
    void metricsMatchTheHandCount() {
        Evaluation.Counts c = count(new float[][]{{3, 1, 2}, {3, 1, 2}, {1, 1, 5}, {4, 1, 3}}, new int[]{0, 1, 2, 2});
        // predictions 0, 0, 2, 0; true-class ranks 0, 2, 0, 1
        assertArrayEquals(new long[]{1, 0, 0}, c.confusion()[0]);
        assertArrayEquals(new long[]{1, 0, 0}, c.confusion()[1]);
        assertArrayEquals(new long[]{1, 0, 1}, c.confusion()[2]);
        assertEquals(0.5, c.accuracy());
        assertEquals(0.5, c.topKAccuracy(1));
        assertEquals(0.75, c.topKAccuracy(2));
        assertEquals(1.0, c.topKAccuracy(3));
        assertEquals(3, c.maxK());
        assertEquals(1.0 / 3, c.precision(0), 1e-15);
        assertEquals(1.0, c.recall(0));
        assertEquals(0.5, c.f1(0), 1e-15);
        assertTrue(Double.isNaN(c.precision(1)), "class 1 is never predicted");
        assertEquals(0.0, c.recall(1));
        assertEquals(0.0, c.f1(1), "never predicted scores 0, not NaN");
        assertEquals(1.0, c.precision(2));
        assertEquals(0.5, c.recall(2));
        assertEquals(2.0 / 3, c.f1(2), 1e-15);
        assertEquals((0.5 + 0 + 2.0 / 3) / 3, c.macroF1(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> c.topKAccuracy(4));
    }

    @Test
    void tiesGoToTheLowerClassLikeArgmax() {
        Evaluation.Counts c = count(new float[][]{{2, 2, 0}, {2, 2, 0}}, new int[]{1, 0});
        assertEquals(1, c.confusion()[1][0], "argmax takes the first maximum");
        assertEquals(0.5, c.topKAccuracy(1));
        assertEquals(1.0, c.topKAccuracy(2));
    }

    @Test
    void mergeAddsEveryCount() {
        Evaluation.Counts a = count(new float[][]{{3, 1, 2}}, new int[]{0});
        Evaluation.Counts b = count(new float[][]{{1, 1, 5}, {4, 1, 3}}, new int[]{2, 2});
        Evaluation.Counts m = a.merge(b);
        assertEquals(3, m.examples());
        assertEquals(2.0 / 3, m.topKAccuracy(1), 1e-15);
        assertEquals(1.0, m.topKAccuracy(2));
        assertTrue(new Evaluation.Counts().merge(m) == m, "an empty partition's counts merge as the identity");
    }
}
