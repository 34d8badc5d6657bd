package org.sparkcnn.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Three updates of a 3-parameter vector with fixed gradients, checked against the PyTorch formula
 * written out again here in double arithmetic (never by calling the optimizer). Each test also checks
 * that a variant missing the feature under test (nesterov term, max of v, decoupled decay, ...) is far
 * from the result, so dropping that feature from the optimizer would fail the test.
 */
class OptimizerFormulaTest {
    static final float[] P0 = {1f, -2f, 3f};
    static final float[][] G = {{0.5f, -1.25f, 2f}, {-0.75f, 0.25f, 1f}, {1.5f, 0.5f, -0.5f}};

    /** Runs three steps of {@code opt} on P0 with G and returns the parameters. */
    static float[] run(Optimizer opt, double lr) {
        float[] p = P0.clone();
        for (float[] g : G) opt.step(p, g.clone(), lr);
        return p;
    }

    static double[] p0() {
        return new double[] {P0[0], P0[1], P0[2]};
    }

    static void assertClose(double[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            assertTrue(err <= 1e-6 * Math.abs(expected[i]),
                    "param " + i + ": expected " + expected[i] + ", got " + actual[i] + " (rel err " + err / Math.abs(expected[i]) + ")");
        }
    }

    /** The variant must differ from the actual result by far more than the tolerance. */
    static void assertFar(double[] variant, float[] actual) {
        double worst = 0;
        for (int i = 0; i < variant.length; i++) worst = Math.max(worst, Math.abs(actual[i] - variant[i]) / Math.abs(variant[i]));
        assertTrue(worst > 1e-4, "the test cannot tell the variant apart: max rel diff " + worst);
    }

    // ---- SGD ----

    static double[] sgd(double lr, double mu, double damp, boolean nesterov, double wd) {
        double[] p = p0();
        double[] b = new double[3];
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 3; i++) {
                double g = G[t][i] + wd * p[i];
                if (mu != 0) {
                    b[i] = t == 0 ? g : mu * b[i] + (1 - damp) * g;
                    g = nesterov ? g + mu * b[i] : b[i];
                }
                p[i] = p[i] - lr * g;
            }
        }
        return p;
    }

    @Test
    void sgdPlain() {
        float[] p = run(Optimizers.create("sgd", Map.of(), 3), 0.1);
        // p = p0 - 0.1 * (g1 + g2 + g3), by hand for element 0: 1 - 0.1 * (0.5 - 0.75 + 1.5) = 0.875
        assertEquals(0.875, p[0], 1e-6);
        assertClose(sgd(0.1, 0, 0, false, 0), p);
    }

    @Test
    void sgdMomentumNesterovWeightDecay() {
        Optimizer opt = Optimizers.create("sgd", Map.of("momentum", 0.9, "nesterov", true, "weight_decay", 0.1), 3);
        float[] p = run(opt, 0.1);
        assertClose(sgd(0.1, 0.9, 0, true, 0.1), p);
        assertFar(sgd(0.1, 0.9, 0, false, 0.1), p);
        assertFar(sgd(0.1, 0.9, 0, true, 0), p);
    }

    @Test
    void sgdMomentumDampeningSkipsDampingOnFirstStep() {
        Optimizer opt = Optimizers.create("sgd", Map.of("momentum", 0.9, "dampening", 0.5), 3);
        float[] p = run(opt, 0.1);
        assertClose(sgd(0.1, 0.9, 0.5, false, 0), p);
        // a first step that damped (b_1 = 0.5 * g_1) would give a different result
        double[] damped = p0();
        double[] b = new double[3];
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 3; i++) {
                b[i] = 0.9 * b[i] + 0.5 * G[t][i];
                damped[i] -= 0.1 * b[i];
            }
        }
        assertFar(damped, p);
    }

    // ---- Adam / AdamW ----

    static double[] adam(double lr, double b1, double b2, double eps, double wd, boolean amsgrad, boolean decoupled) {
        double[] p = p0();
        double[] m = new double[3];
        double[] v = new double[3];
        double[] vmax = new double[3];
        for (int t = 1; t <= 3; t++) {
            for (int i = 0; i < 3; i++) {
                double g = G[t - 1][i];
                if (decoupled) p[i] = p[i] * (1 - lr * wd);
                else g = g + wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                vmax[i] = Math.max(vmax[i], v[i]);
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = (amsgrad ? vmax[i] : v[i]) / (1 - Math.pow(b2, t));
                p[i] = p[i] - lr * mHat / (Math.sqrt(vHat) + eps);
            }
        }
        return p;
    }

    @Test
    void adamWithL2() {
        float[] p = run(Optimizers.create("adam", Map.of("weight_decay", 0.1), 3), 0.1);
        assertClose(adam(0.1, 0.9, 0.999, 1e-8, 0.1, false, false), p);
        assertFar(adam(0.1, 0.9, 0.999, 1e-8, 0.1, false, true), p);
    }

    @Test
    void adamAmsgrad() {
        // v shrinks on elements whose gradient shrinks, so max(vmax, v) matters
        Optimizer opt = Optimizers.create("adam", Map.of("betas", List.of(0.9, 0.9), "amsgrad", true), 3);
        float[] p = run(opt, 0.1);
        assertClose(adam(0.1, 0.9, 0.9, 1e-8, 0, true, false), p);
        assertFar(adam(0.1, 0.9, 0.9, 1e-8, 0, false, false), p);
    }

    @Test
    void adamwDecoupledDecay() {
        float[] p = run(Optimizers.create("adamw", Map.of("weight_decay", 0.1), 3), 0.1);
        assertClose(adam(0.1, 0.9, 0.999, 1e-8, 0.1, false, true), p);
        assertFar(adam(0.1, 0.9, 0.999, 1e-8, 0.1, false, false), p);
        assertFar(adam(0.1, 0.9, 0.999, 1e-8, 0, false, false), p);
    }

    @Test
    void adamwDefaultWeightDecayIsPointZeroOne() {
        float[] p = run(Optimizers.create("adamw", null, 3), 0.5);
        assertClose(adam(0.5, 0.9, 0.999, 1e-8, 0.01, false, true), p);
    }

    // ---- RMSprop ----

    static double[] rmsprop(double lr, double alpha, double eps, double wd, double mu, boolean centered) {
        double[] p = p0();
        double[] v = new double[3];
        double[] a = new double[3];
        double[] b = new double[3];
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 3; i++) {
                double g = G[t][i] + wd * p[i];
                v[i] = alpha * v[i] + (1 - alpha) * g * g;
                double vt = v[i];
                if (centered) {
                    a[i] = alpha * a[i] + (1 - alpha) * g;
                    vt = vt - a[i] * a[i];
                }
                double den = Math.sqrt(vt) + eps;
                if (mu > 0) {
                    b[i] = mu * b[i] + g / den;
                    p[i] = p[i] - lr * b[i];
                } else {
                    p[i] = p[i] - lr * g / den;
                }
            }
        }
        return p;
    }

    @Test
    void rmspropPlain() {
        float[] p = run(Optimizers.create("rmsprop", Map.of(), 3), 0.01);
        assertClose(rmsprop(0.01, 0.99, 1e-8, 0, 0, false), p);
    }

    @Test
    void rmspropCenteredMomentum() {
        Optimizer opt = Optimizers.create("rmsprop",
                Map.of("alpha", 0.9, "momentum", 0.9, "centered", true, "weight_decay", 0.1), 3);
        float[] p = run(opt, 0.01);
        assertClose(rmsprop(0.01, 0.9, 1e-8, 0.1, 0.9, true), p);
        assertFar(rmsprop(0.01, 0.9, 1e-8, 0.1, 0.9, false), p);
        assertFar(rmsprop(0.01, 0.9, 1e-8, 0.1, 0, true), p);
    }

    // ---- Adagrad ----

    static double[] adagrad(double lr, double lrDecay, double wd, double init, double eps) {
        double[] p = p0();
        double[] s = {init, init, init};
        for (int t = 1; t <= 3; t++) {
            double clr = lr / (1 + (t - 1) * lrDecay);
            for (int i = 0; i < 3; i++) {
                double g = G[t - 1][i] + wd * p[i];
                s[i] = s[i] + g * g;
                p[i] = p[i] - clr * g / (Math.sqrt(s[i]) + eps);
            }
        }
        return p;
    }

    @Test
    void adagradLrDecay() {
        Optimizer opt = Optimizers.create("adagrad",
                Map.of("lr_decay", 0.5, "initial_accumulator_value", 0.1, "weight_decay", 0.05), 3);
        float[] p = run(opt, 0.1);
        assertClose(adagrad(0.1, 0.5, 0.05, 0.1, 1e-10), p);
        assertFar(adagrad(0.1, 0, 0.05, 0.1, 1e-10), p);
        assertFar(adagrad(0.1, 0.5, 0.05, 0, 1e-10), p);
    }
}
