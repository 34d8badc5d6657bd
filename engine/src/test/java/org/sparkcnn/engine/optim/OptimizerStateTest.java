package org.sparkcnn.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class OptimizerStateTest {
    static final float[][] G = OptimizerFormulaTest.G;

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("sgd", Map.of()),
                Arguments.of("sgd", Map.of("momentum", 0.9, "nesterov", true, "weight_decay", 0.1)),
                Arguments.of("adam", Map.of("weight_decay", 0.1)),
                Arguments.of("adam", Map.of("amsgrad", true)),
                Arguments.of("adamw", Map.of()),
                Arguments.of("rmsprop", Map.of()),
                Arguments.of("rmsprop", Map.of("momentum", 0.9, "centered", true)),
                Arguments.of("adagrad", Map.of("lr_decay", 0.5, "initial_accumulator_value", 0.1)),
                Arguments.of("lars", Map.of("weight_decay", 0.1, "nesterov", true)),
                Arguments.of("lamb", Map.of()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("configs")
    void stateRoundTripIsBitIdentical(String name, Map<String, Object> opts) {
        Optimizer a = Optimizers.create(name, opts, 3);
        float[] pa = OptimizerFormulaTest.P0.clone();
        a.step(pa, G[0], 0.05);
        a.step(pa, G[1], 0.05);

        OptimizerState s = a.state();
        assertEquals(name, s.type());
        assertEquals(2, s.step());
        Optimizer b = Optimizers.create(name, opts, 3);
        b.restore(s);
        assertEquals(2, b.steps());
        s.buffers().values().forEach(buf -> java.util.Arrays.fill(buf, 99f)); // restore must have copied
        float[] pb = pa.clone();

        a.step(pa, G[2], 0.05);
        b.step(pb, G[2], 0.05);
        assertArrayEquals(pa, pb);
        assertEquals(a.state().buffers().keySet(), b.state().buffers().keySet());
        for (String k : a.state().buffers().keySet()) {
            assertArrayEquals(a.state().buffers().get(k), b.state().buffers().get(k), k);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("configs")
    void sameInputsGiveBitIdenticalOutputsAndGradsAreNotWritten(String name, Map<String, Object> opts) {
        float[] p1 = OptimizerFormulaTest.P0.clone();
        float[] p2 = OptimizerFormulaTest.P0.clone();
        Optimizer o1 = Optimizers.create(name, opts, 3);
        Optimizer o2 = Optimizers.create(name, opts, 3);
        for (float[] g : G) {
            float[] copy = g.clone();
            o1.step(p1, copy, 0.05);
            assertArrayEquals(g, copy, "grads were modified");
            o2.step(p2, g.clone(), 0.05);
        }
        assertArrayEquals(p1, p2);
        assertFalse(java.util.Arrays.equals(p1, OptimizerFormulaTest.P0), "params did not move");
    }

    @Test
    void stateIsACopy() {
        Optimizer o = Optimizers.create("adam", Map.of(), 3);
        o.step(OptimizerFormulaTest.P0.clone(), G[0], 0.1);
        float before = o.state().buffers().get("exp_avg")[0];
        o.state().buffers().get("exp_avg")[0] = 42f;
        assertEquals(before, o.state().buffers().get("exp_avg")[0]);
    }

    @Test
    void bufferNamesFollowConfig() {
        assertEquals(List.of(), List.copyOf(new Sgd(3).state().buffers().keySet()));
        assertEquals(List.of("momentum"), List.copyOf(new Sgd(3, 0.9, 0, false, 0).state().buffers().keySet()));
        assertEquals(List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
                List.copyOf(new Adam(3, 0.9, 0.999, 1e-8, 0, true).state().buffers().keySet()));
        assertEquals(List.of("square_avg", "momentum", "grad_avg"),
                List.copyOf(new RmsProp(3, 0.99, 1e-8, 0, 0.9, true).state().buffers().keySet()));
        assertArrayEquals(new float[] {0.25f, 0.25f}, new Adagrad(2, 0, 0, 0.25, 1e-10).state().buffers().get("sum"));
    }

    @Test
    void restoreRejectsWrongType() {
        OptimizerState s = new Adam(3).state();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdamW(3).restore(s));
        assertTrue(e.getMessage().contains("'adam'"), e.getMessage());
    }

    @Test
    void restoreRejectsWrongLengthNamingTheBuffer() {
        LinkedHashMap<String, float[]> bufs = new LinkedHashMap<>();
        bufs.put("exp_avg", new float[3]);
        bufs.put("exp_avg_sq", new float[4]);
        Adam adam = new Adam(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> adam.restore(new OptimizerState("adam", 1, bufs)));
        assertTrue(e.getMessage().contains("exp_avg_sq") && e.getMessage().contains("4"), e.getMessage());
        assertEquals(0, adam.steps(), "a failed restore must change nothing");
    }

    @Test
    void restoreRejectsMissingAndUnknownBuffers() {
        LinkedHashMap<String, float[]> missing = new LinkedHashMap<>();
        missing.put("exp_avg", new float[3]);
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
                () -> new Adam(3).restore(new OptimizerState("adam", 1, missing)));
        assertTrue(e1.getMessage().contains("exp_avg_sq"), e1.getMessage());

        LinkedHashMap<String, float[]> extra = new LinkedHashMap<>();
        extra.put("momentum", new float[3]);
        extra.put("velocity", new float[3]);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> new Sgd(3, 0.9, 0, false, 0).restore(new OptimizerState("sgd", 1, extra)));
        assertTrue(e2.getMessage().contains("velocity"), e2.getMessage());
    }

    @Test
    void stepChecksLengthsAndLr() {
        Optimizer o = new Sgd(3);
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> o.step(new float[3], new float[2], 0.1));
        assertTrue(e1.getMessage().contains("grads"), e1.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> o.step(new float[4], new float[3], 0.1));
        assertTrue(e2.getMessage().contains("params"), e2.getMessage());
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> o.step(new float[3], new float[3], -0.1));
        assertTrue(e3.getMessage().contains("lr"), e3.getMessage());
        assertThrows(IllegalArgumentException.class, () -> o.step(new float[3], new float[3], Double.NaN));
        assertEquals(0, o.steps());
    }
}
