package org.sparkcnn.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GradientClippingTest {
    @Test
    void scalesAVectorAboveTheNorm() {
        float[] g = {3f, 0f, -4f}; // norm 5
        double norm = GradientClipping.clipByGlobalNorm(g, 2.0);
        assertEquals(5.0, norm, 0);
        double coef = 2.0 / (5.0 + 1e-6);
        assertEquals(3 * coef, g[0], 1e-6);
        assertEquals(0f, g[1]);
        assertEquals(-4 * coef, g[2], 1e-6);
        assertEquals(2.0, GradientClipping.globalNorm(g), 1e-6);
    }

    @Test
    void leavesAVectorAtOrUnderTheNormUntouched() {
        float[] g = {0.3f, -0.4f};
        double norm = GradientClipping.clipByGlobalNorm(g, 1.0);
        assertEquals(Math.sqrt((double) 0.3f * 0.3f + (double) 0.4f * 0.4f), norm, 0);
        assertArrayEquals(new float[] {0.3f, -0.4f}, g);

        float[] h = {3f, 4f};
        assertEquals(5.0, GradientClipping.clipByGlobalNorm(h, 5.0), 0);
        assertArrayEquals(new float[] {3f, 4f}, h);
    }

    @Test
    void normIsSummedInDouble() {
        float[] g = {1e20f, 1e20f}; // the squares overflow float
        double norm = GradientClipping.clipByGlobalNorm(g, 1.0);
        assertEquals(Math.sqrt(2) * 1e20, norm, 1e14);
        assertEquals(1.0, GradientClipping.globalNorm(g), 1e-6);
    }

    @Test
    void rejectsNonPositiveMaxNorm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientClipping.clipByGlobalNorm(new float[] {1f}, 0));
        assertTrue(e.getMessage().contains("maxNorm"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipByGlobalNorm(new float[] {1f}, Double.NaN));
    }
}
