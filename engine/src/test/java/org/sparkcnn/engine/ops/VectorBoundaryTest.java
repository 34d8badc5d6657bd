package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No Vector API value crosses a method boundary in the engine's vector kernels: a helper that returns or
 * takes a vector can be compiled on its own, its operations left as the API's Java fallback, and then
 * not inlined; batch norm's {@code normalized} did that in some JVMs (resnet20 at 291 img/s against about
 * 480; not inlined on purpose, 134: docs/PERFORMANCE.md). Every load, operation and store stays in the
 * method whose loop uses it.
 */
class VectorBoundaryTest {

    private static final List<String> KERNELS = List.of(
            "org.sparkcnn.engine.ops.BatchNormVector", "org.sparkcnn.engine.ops.CopyVector",
            "org.sparkcnn.engine.ops.GemmFrameTiles", "org.sparkcnn.engine.ops.GemmRowTiles",
            "org.sparkcnn.engine.ops.GemmVector", "org.sparkcnn.engine.ops.PoolVector",
            "org.sparkcnn.engine.ops.TransposeVector", "org.sparkcnn.engine.train.FixedPointVector");

    @Test
    void noKernelMethodTakesOrReturnsAVector() throws ClassNotFoundException {
        List<String> crossing = new ArrayList<>();
        int methods = 0;
        for (String name : KERNELS) {
            List<Class<?>> classes = new ArrayList<>(List.of(Class.forName(name, false, getClass().getClassLoader())));
            classes.addAll(List.of(classes.get(0).getDeclaredClasses()));
            for (Class<?> c : classes) {
                for (Method m : c.getDeclaredMethods()) {
                    methods++;
                    List<Class<?>> types = new ArrayList<>(List.of(m.getParameterTypes()));
                    types.add(m.getReturnType());
                    if (types.stream().anyMatch(t -> t.getName().startsWith("jdk.incubator.vector."))) {
                        crossing.add(c.getSimpleName() + "." + m.getName());
                    }
                }
            }
        }
        assertTrue(methods > 40, "found only " + methods + " methods in " + KERNELS);
        assertEquals(List.of(), crossing, "methods that pass a vector across their boundary");
    }
}
