package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InitializerTest {

    private static double[] moments(float[] p, int off, int len) {
        double s = 0, s2 = 0, max = 0;
        for (int i = off; i < off + len; i++) {
            s += p[i];
            s2 += (double) p[i] * p[i];
            max = Math.max(max, Math.abs(p[i]));
        }
        return new double[]{s / len, s2 / len, max};
    }

    @Test
    void pytorchDefaultIsUniformWithinOneOverSqrtFanIn() throws IOException {
        ModelDefinition tf = ModelDefinition.load("tfconv");
        float[] p = Initializer.PYTORCH_DEFAULT.initialize(tf, 3);
        ModelDefinition.ParamSlice fc1 = tf.param("fc1.w");  // fan_in 3136
        double bound = 1 / Math.sqrt(3136);
        double[] m = moments(p, fc1.offset(), fc1.size());
        assertTrue(m[2] <= bound && m[2] > 0.99 * bound, "max |w| " + m[2] + " vs bound " + bound);
        assertEquals(bound * bound / 3, m[1], 0.01 * bound * bound, "variance of U(-b, b) is b^2/3");
        ModelDefinition.ParamSlice b = tf.param("conv2.b");  // fan_in 32*25
        assertTrue(moments(p, b.offset(), b.size())[2] <= 1 / Math.sqrt(800));
        assertTrue(moments(p, b.offset(), b.size())[2] > 0);
    }

    @Test
    void heNormalAndXavierUniformHaveTheirVariancesAndZeroBias() throws IOException {
        ModelDefinition tf = ModelDefinition.load("tfconv");
        ModelDefinition.ParamSlice fc1 = tf.param("fc1.w");
        float[] he = Initializer.HE_NORMAL.initialize(tf, 3);
        assertEquals(2.0 / 3136, moments(he, fc1.offset(), fc1.size())[1], 0.01 * 2.0 / 3136);
        float[] xa = Initializer.XAVIER_UNIFORM.initialize(tf, 3);
        double b = Math.sqrt(6.0 / (3136 + 1024));
        assertEquals(b * b / 3, moments(xa, fc1.offset(), fc1.size())[1], 0.01 * b * b);
        ModelDefinition.ParamSlice bias = tf.param("fc1.b");
        assertEquals(0.0, moments(he, bias.offset(), bias.size())[2]);
        assertEquals(0.0, moments(xa, bias.offset(), bias.size())[2]);
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() throws IOException {
        ModelDefinition lenet = ModelDefinition.load("lenet5");
        for (Initializer init : Initializer.values()) {
            assertArrayEquals(init.initialize(lenet, 7), init.initialize(lenet, 7), init.name());
            assertFalse(Arrays.equals(init.initialize(lenet, 7), init.initialize(lenet, 8)), init.name());
        }
        assertEquals(Initializer.HE_NORMAL, Initializer.parse("he-normal"));
    }
}
