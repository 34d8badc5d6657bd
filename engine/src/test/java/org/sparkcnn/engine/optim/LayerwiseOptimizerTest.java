package org.sparkcnn.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sparkcnn.engine.optim.OptimizerFormulaTest.G;
import static org.sparkcnn.engine.optim.OptimizerFormulaTest.P0;
import static org.sparkcnn.engine.optim.OptimizerFormulaTest.assertClose;
import static org.sparkcnn.engine.optim.OptimizerFormulaTest.assertFar;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.Loss;

/**
 * LARS and LAMB: three updates of P0 cut into tensors [0] and [1, 2], against the formulas written out
 * again in double; variants without the trust ratio or with one tensor must be far from the result.
 */
class LayerwiseOptimizerTest {
    private static final int[] TWO = {0, 1};
    private static final boolean[] BOTH = {true, true};

    private static float[] run(LayerwiseOptimizer opt, int[] starts, boolean[] adapted, double lr) {
        opt.tensors(starts, adapted);
        return OptimizerFormulaTest.run(opt, lr);
    }

    private static double norm(double[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += x[i] * x[i];
        return Math.sqrt(s);
    }

    private static int end(int[] starts, int k) {
        return k + 1 < starts.length ? starts[k + 1] : 3;
    }

    static double[] lars(double lr, double mu, boolean nesterov, double wd, double eta, int[] starts, boolean[] adapted) {
        double[] p = OptimizerFormulaTest.p0();
        double[] b = new double[3];
        for (int t = 0; t < 3; t++) {
            double[] g = {G[t][0], G[t][1], G[t][2]};
            for (int k = 0; k < starts.length; k++) {
                int from = starts[k], to = end(starts, k);
                double wn = norm(p, from, to), gn = norm(g, from, to);
                double trust = adapted[k] ? eta * wn / (gn + wd * wn + 1e-8) : 1;
                for (int i = from; i < to; i++) {
                    double d = trust * (g[i] + wd * p[i]);
                    b[i] = t == 0 ? d : mu * b[i] + d;
                    p[i] -= lr * (nesterov ? d + mu * b[i] : b[i]);
                }
            }
        }
        return p;
    }

    static double[] lamb(double lr, double b1, double b2, double eps, double wd, int[] starts, boolean[] adapted) {
        double[] p = OptimizerFormulaTest.p0();
        double[] m = new double[3], v = new double[3], r = new double[3];
        for (int t = 1; t <= 3; t++) {
            for (int k = 0; k < starts.length; k++) {
                int from = starts[k], to = end(starts, k);
                for (int i = from; i < to; i++) {
                    double g = G[t - 1][i];
                    m[i] = b1 * m[i] + (1 - b1) * g;
                    v[i] = b2 * v[i] + (1 - b2) * g * g;
                    r[i] = (m[i] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps) + wd * p[i];
                }
                double trust = adapted[k] ? norm(p, from, to) / norm(r, from, to) : 1;
                for (int i = from; i < to; i++) p[i] -= lr * trust * r[i];
            }
        }
        return p;
    }

    @Test
    void larsScalesEachTensorsStepByItsTrustRatio() {
        float[] p = run(new Lars(3, 0.9, 0, false, 0.1, 0.02, 1e-8), TWO, BOTH, 5);
        assertClose(lars(5, 0.9, false, 0.1, 0.02, TWO, BOTH), p);
        assertFar(lars(5, 0.9, false, 0.1, 0.02, new int[] {0}, new boolean[] {true}), p);
        assertFar(OptimizerFormulaTest.sgd(5, 0.9, 0, false, 0.1), p);
        // the first step by hand for tensor [0]: w = 1, g = 0.5, trust = 0.02 / (0.5 + 0.1 + 1e-8)
        Lars one = new Lars(3, 0.9, 0, false, 0.1, 0.02, 1e-8);
        one.tensors(TWO, BOTH);
        float[] q = P0.clone();
        one.step(q, G[0].clone(), 5);
        assertEquals(1 - 5 * (0.02 / 0.6) * 0.6, q[0], 1e-6);
    }

    @Test
    void larsNesterovAndAnUnadaptedTensor() {
        boolean[] second = {false, true};
        float[] p = run(new Lars(3, 0.9, 0, true, 0.05, 0.01, 1e-8), TWO, second, 10);
        assertClose(lars(10, 0.9, true, 0.05, 0.01, TWO, second), p);
        assertFar(lars(10, 0.9, false, 0.05, 0.01, TWO, second), p);
        assertFar(lars(10, 0.9, true, 0.05, 0.01, TWO, BOTH), p);
    }

    @Test
    void lambScalesEachTensorsAdamStepToItsNorm() {
        float[] p = run(new Lamb(3, 0.9, 0.999, 1e-6, 0.01), TWO, BOTH, 0.1);
        assertClose(lamb(0.1, 0.9, 0.999, 1e-6, 0.01, TWO, BOTH), p);
        assertFar(lamb(0.1, 0.9, 0.999, 1e-6, 0.01, new int[] {0}, new boolean[] {true}), p);
        assertFar(lamb(0.1, 0.9, 0.999, 1e-6, 0.01, TWO, new boolean[] {false, false}), p);
        assertFar(lamb(0.1, 0.9, 0.999, 1e-6, 0, TWO, BOTH), p);
    }

    @Test
    void aStepOfAnAdaptedTensorIsProportionalToItsNormNotToTheGradient() {
        // LAMB's first step: r = sign(g) (up to eps), so each adapted tensor moves by lr * ||w|| exactly in norm
        Lamb lamb = new Lamb(3, 0.9, 0.999, 1e-12, 0);
        lamb.tensors(TWO, BOTH);
        float[] p = {1f, -2f, 3f};
        float[] big = {500f, -1250f, 2000f};
        lamb.step(p, big, 0.1);
        assertEquals(1 - 0.1, p[0], 1e-6);
        double moved = Math.hypot(p[1] + 2, p[2] - 3);
        assertEquals(0.1 * Math.hypot(2, 3), moved, 1e-5);
    }

    private static final ModelDefinition DEF = ModelDefinition.builder("m", new Shape(1, 6, 6))
            .conv2d("conv1", 3, 3, 1, 1).add(new BatchNorm2d("bn1", 3, 1e-5, 0.1)).relu().flatten()
            .dense("fc", 4).build(Loss.SOFTMAX_CROSS_ENTROPY);

    /** From the model: one trust ratio per tensor; no_adapt_bias_and_norm leaves biases, gamma and beta at 1. */
    @Test
    void theModelsTensorsAndTheBiasExemption() {
        int n = DEF.paramCount();
        SplittableRandom rng = new SplittableRandom(5);
        float[] p0 = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) rng.nextGaussian();
            g[i] = (float) rng.nextGaussian();
        }
        for (String name : new String[] {"lars", "lamb"}) {
            float[] adaptedAll = p0.clone(), exempt = p0.clone(), oneTensor = p0.clone();
            Map<String, Object> noDecay = Map.of("weight_decay", 0.0);
            Optimizers.create(name, noDecay, DEF).step(adaptedAll, g, 0.5);
            Optimizers.create(name, Map.of("weight_decay", 0.0, Optimizers.NO_ADAPT, true), DEF).step(exempt, g, 0.5);
            Optimizers.create(name, noDecay, n).step(oneTensor, g, 0.5);
            for (ModelDefinition.ParamSlice s : DEF.params()) {
                int i = s.offset();
                if (s.tensor().isBias()) {
                    assertNotEquals(adaptedAll[i], exempt[i], name + " " + s.name() + " exempt from the ratio");
                    float plain = name.equals("lars") ? p0[i] - 0.5f * g[i] : p0[i] - 0.5f * exempt(g[i]);
                    assertEquals(plain, exempt[i], 1e-6, name + " " + s.name() + " takes the unscaled step");
                } else {
                    assertEquals(Float.floatToIntBits(adaptedAll[i]), Float.floatToIntBits(exempt[i]), name + " " + s.name());
                }
                assertNotEquals(adaptedAll[i], oneTensor[i], name + " " + s.name() + " has its own ratio");
            }
        }
    }

    /** LAMB's first unscaled step of one element: m/(1-b1) over sqrt(v/(1-b2)) + eps = g / (|g| + 1e-6). */
    private static float exempt(float g) {
        return (float) (g / (Math.abs(g) + 1e-6));
    }

    @Test
    void badTensorCutsAreRefused() {
        Lars lars = new Lars(3, 0.9, 0, false, 0, 0.001, 1e-8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lars.tensors(new int[] {0, 3}, BOTH));
        assertEquals("lars: tensor start 1 must increase and stay below 3, got 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> lars.tensors(new int[] {1}, new boolean[] {true}));
        assertThrows(IllegalArgumentException.class, () -> lars.tensors(TWO, new boolean[] {true}));
    }
}
