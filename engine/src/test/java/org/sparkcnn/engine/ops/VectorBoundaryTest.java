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
 * method whose loop uses it. (A species is a constant, not a vector: choosing one may take a method.)
 *
 * <p>And every vector has the engine's one shape ({@link Lanes}): a second shape in the JDK's shared
 * methods' type profiles left kernels compiled afterwards storing their vectors as Java objects (resnet8
 * trained at 407-498 img/s in every JVM run with {@code -XX:+PrintInlining}, 1,190-1,466 with one shape).
 */
class VectorBoundaryTest {

    /** Every class of the engine's two packages with vector kernels, found on disk so that a new kernel class cannot be missed. */
    private static List<String> kernelClasses() throws java.io.IOException, java.net.URISyntaxException {
        List<String> names = new ArrayList<>();
        for (Class<?> anchor : List.of(VectorSupport.class, org.sparkcnn.engine.train.FixedPointSum.class)) {
            java.nio.file.Path dir = java.nio.file.Path.of(anchor.getResource(anchor.getSimpleName() + ".class").toURI()).getParent();
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
                files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".class") && !f.contains("$"))
                        .forEach(f -> names.add(anchor.getPackageName() + "." + f.substring(0, f.length() - 6)));
            }
        }
        return names;
    }

    @Test
    void noKernelMethodTakesOrReturnsAVector() throws Exception {
        List<String> crossing = new ArrayList<>();
        List<String> kernels = kernelClasses();
        assertTrue(kernels.contains("org.sparkcnn.engine.ops.ProductChannelsLast") && kernels.contains("org.sparkcnn.engine.train.FixedPointVector"),
                "the scan missed kernel classes: " + kernels);
        int methods = 0;
        for (String name : kernels) {
            List<Class<?>> classes = new ArrayList<>(List.of(Class.forName(name, false, getClass().getClassLoader())));
            classes.addAll(List.of(classes.get(0).getDeclaredClasses()));
            for (Class<?> c : classes) {
                for (Method m : c.getDeclaredMethods()) {
                    methods++;
                    List<Class<?>> types = new ArrayList<>(List.of(m.getParameterTypes()));
                    types.add(m.getReturnType());
                    if (types.stream().anyMatch(t -> t.getName().startsWith("jdk.incubator.vector.") && t != jdk.incubator.vector.VectorSpecies.class)) {
                        crossing.add(c.getSimpleName() + "." + m.getName());
                    }
                }
            }
        }
        assertTrue(methods > 40, "found only " + methods + " methods in " + kernels);
        assertEquals(List.of(), crossing, "methods that pass a vector across their boundary");
    }

    @Test
    void everyVectorConstantHasTheEngineShape() throws Exception {
        List<String> otherShape = new ArrayList<>();
        int constants = 0;
        for (String name : kernelClasses()) {
            Class<?> top = Class.forName(name, true, getClass().getClassLoader());
            List<Class<?>> classes = new ArrayList<>(List.of(top));
            classes.addAll(List.of(top.getDeclaredClasses()));
            for (Class<?> c : classes) {
                byte[] code;
                try (java.io.InputStream in = c.getResourceAsStream(c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class")) {
                    code = in.readAllBytes();
                }
                String pool = new String(code, java.nio.charset.StandardCharsets.ISO_8859_1);
                // The JDK's fixed species (SPECIES_256, ...) and shapes by size: only Lanes may choose one.
                if (c != Lanes.class && (pool.contains("SPECIES_") || pool.contains("forBitSize") || pool.contains("withShape"))) {
                    otherShape.add(c.getSimpleName() + " names a species or shape of its own");
                }
                for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                    if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) || !f.getType().getName().startsWith("jdk.incubator.vector.")) {
                        continue;
                    }
                    f.setAccessible(true);
                    Object v = f.get(null);
                    jdk.incubator.vector.VectorSpecies<?> species = v instanceof jdk.incubator.vector.VectorSpecies<?> sp ? sp
                            : v instanceof jdk.incubator.vector.VectorShuffle<?> sh ? sh.vectorSpecies()
                            : v instanceof jdk.incubator.vector.VectorMask<?> m ? m.vectorSpecies() : null;
                    if (species == null) {
                        continue;
                    }
                    constants++;
                    if (species.vectorShape() != Lanes.F.vectorShape()) {
                        otherShape.add(c.getSimpleName() + "." + f.getName() + " is " + species);
                    }
                }
            }
        }
        assertTrue(constants > 10, "found only " + constants + " vector constants");
        assertEquals(List.of(), otherShape, "vectors of another shape than " + Lanes.F);
    }
}
