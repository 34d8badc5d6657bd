package org.sparkcnn.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OptionsTest {
    static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String part : parts) assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
    }

    @Test
    void unknownOptimizerListsNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("adamx", Map.of(), 3));
        assertMessage(e, "adamx", "sgd", "adagrad");
    }

    @Test
    void unknownOptimizerKeyNamesOptimizerKeyAndValidKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.create("sgd", Map.of("momentun", 0.9), 3));
        assertMessage(e, "sgd", "momentun", "momentum", "dampening", "nesterov", "weight_decay");
        IllegalArgumentException lr = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.create("adam", Map.of("lr", 0.1), 3));
        assertMessage(lr, "adam", "'lr'", "betas");
    }

    static Stream<Arguments> badOptimizerOptions() {
        return Stream.of(
                Arguments.of("sgd", Map.of("momentum", -0.9), "momentum"),
                Arguments.of("sgd", Map.of("weight_decay", -1), "weight_decay"),
                Arguments.of("sgd", Map.of("weight_decay", "lots"), "weight_decay"),
                Arguments.of("sgd", Map.of("nesterov", true), "nesterov"),
                Arguments.of("sgd", Map.of("nesterov", true, "momentum", 0.9, "dampening", 0.1), "nesterov"),
                Arguments.of("sgd", Map.of("nesterov", "yes"), "nesterov"),
                Arguments.of("adam", Map.of("eps", -1e-8), "eps"),
                Arguments.of("adam", Map.of("betas", List.of(1.0, 0.999)), "betas[0]"),
                Arguments.of("adam", Map.of("betas", List.of(0.9, -0.1)), "betas[1]"),
                Arguments.of("adam", Map.of("betas", List.of(0.9)), "betas"),
                Arguments.of("adamw", Map.of("weight_decay", Double.NaN), "weight_decay"),
                Arguments.of("rmsprop", Map.of("alpha", -0.5), "alpha"),
                Arguments.of("rmsprop", Map.of("momentum", -0.1), "momentum"),
                Arguments.of("adagrad", Map.of("lr_decay", -0.1), "lr_decay"),
                Arguments.of("adagrad", Map.of("initial_accumulator_value", -1), "initial_accumulator_value"),
                Arguments.of("adagrad", Map.of("eps", -1), "eps"),
                Arguments.of("lars", Map.of("trust_coefficient", 0), "trust_coefficient"),
                Arguments.of("lars", Map.of("nesterov", true, "momentum", 0), "nesterov"),
                Arguments.of("lars", Map.of("no_adapt_bias_and_norm", true), "no_adapt_bias_and_norm"),
                Arguments.of("lamb", Map.of("betas", List.of(0.9, 1.0)), "betas[1]"),
                Arguments.of("lamb", Map.of("eps", -1e-6), "eps"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badOptimizerOptions")
    void badOptimizerOptionNamesTheField(String name, Map<String, Object> opts, String field) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create(name, opts, 3));
        assertMessage(e, name, field);
    }

    @Test
    void negativeParamCountIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("sgd", Map.of(), -1));
        assertMessage(e, "paramCount");
    }

    @Test
    void stringAndArrayValuesAreAccepted() {
        Optimizer sgd = Optimizers.create("SGD", Map.of("momentum", "0.9", "nesterov", "true"), 2);
        assertEquals(List.of("momentum"), List.copyOf(sgd.state().buffers().keySet()));
        Optimizer adam = Optimizers.create("adam", Map.of("betas", new double[] {0.8, 0.99}, "amsgrad", true), 2);
        assertEquals(3, adam.state().buffers().size());
        assertEquals(List.of("betas", "eps", "weight_decay", "amsgrad", "no_decay_bias_and_norm"), Optimizers.keys("adamw"));
        assertEquals(List.of("sgd", "adam", "adamw", "rmsprop", "adagrad", "lars", "lamb"), Optimizers.names());
    }

    @Test
    void unknownScheduleAndKey() {
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> LrSchedules.create("onecycle", Map.of(), 0.1));
        assertMessage(e1, "onecycle", "cosine", "plateau");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> LrSchedules.create("cosine", Map.of("T_max", 10), 0.1));
        assertMessage(e2, "cosine", "T_max", "t_max", "eta_min", "warmup_steps");
    }

    static Stream<Arguments> badScheduleOptions() {
        return Stream.of(
                Arguments.of("step", Map.of(), "step_size"),
                Arguments.of("step", Map.of("step_size", 0), "step_size"),
                Arguments.of("step", Map.of("step_size", 2, "gamma", -0.5), "gamma"),
                Arguments.of("step", Map.of("step_size", 2, "unit", "batch"), "unit"),
                Arguments.of("multistep", Map.of("milestones", List.of(3, -1)), "milestones"),
                Arguments.of("multistep", Map.of("milestones", 3), "milestones"),
                Arguments.of("exponential", Map.of(), "gamma"),
                Arguments.of("cosine", Map.of("t_max", 2.5), "t_max"),
                Arguments.of("cosine", Map.of("t_max", 10, "eta_min", -0.1), "eta_min"),
                Arguments.of("poly", Map.of("total_iters", 10, "power", -1), "power"),
                Arguments.of("plateau", Map.of("factor", 1.0), "factor"),
                Arguments.of("plateau", Map.of("mode", "median"), "mode"),
                Arguments.of("plateau", Map.of("threshold_mode", "pct"), "threshold_mode"),
                Arguments.of("plateau", Map.of("patience", -1), "patience"),
                Arguments.of("plateau", Map.of("cooldown", -2), "cooldown"),
                Arguments.of("plateau", Map.of("min_lr", -0.1), "min_lr"),
                Arguments.of("constant", Map.of("warmup_steps", -5), "warmup_steps"),
                Arguments.of("constant", Map.of("warmup_steps", 5, "warmup_start_factor", 0), "warmup_start_factor"),
                Arguments.of("constant", Map.of("warmup_start_factor", 0.5), "warmup_start_factor"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badScheduleOptions")
    void badScheduleOptionNamesTheField(String name, Map<String, Object> opts, String field) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedules.create(name, opts, 0.1));
        assertMessage(e, field);
    }

    @Test
    void negativeBaseLrIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedules.create("constant", Map.of(), -0.1));
        assertMessage(e, "lr");
    }
}
