import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.Locale;

/**
 * The frame fill of a 3x3 convolution ({@code ConvFrame.fill}: X copied into a zero frame) alone, on the group
 * shapes resnet20's "same" layers use (stage 1: 9 examples of 16x28x28, stage 2: 18 of 32x14x14, stage 3: 37 of
 * 64x7x7; then stride-2 phase frames of the first two, with those group sizes, not the strided layers' own),
 * against {@code System.arraycopy} of the same floats in one run. Calls the engine's own (package-private) fill,
 * so two builds compare by their class paths:
 *
 *   mvn -B -q -o -pl engine compile
 *   java --add-modules jdk.incubator.vector -cp engine/target/classes docs/bench/FillBench.java
 *   (add -XX:MaxVectorSize=32 or -XX:UseAVX=2 for an AVX2 machine's width; an older build's classes from a
 *    worktree, as in docs/bench/TwoBuildsBench.java)
 */
public class FillBench {

    public static void main(String[] args) throws Exception {
        Class<?> frame = Class.forName("org.sparkcnn.engine.ops.ConvFrame");
        Constructor<?> make = frame.getDeclaredConstructor(int.class, int.class, int.class, int.class, int.class,
                int.class, int.class, int.class, int.class, int.class);
        Method fill = frame.getDeclaredMethod("fill", float[].class, int.class, float[].class, int.class);
        Method floats = frame.getDeclaredMethod("floats");
        make.setAccessible(true);
        fill.setAccessible(true);
        floats.setAccessible(true);
        int[][] shapes = {{9, 16, 28, 1}, {18, 32, 14, 1}, {37, 64, 7, 1}, {9, 16, 28, 2}, {18, 32, 14, 2}};  // g, C, H, stride
        for (int round = 0; round < 3; round++) {
            for (int[] s : shapes) {
                int g = s[0], c = s[1], h = s[2], stride = s[3], n = 64, groups = n / g, iters = 200;
                Object xf = make.newInstance(g, c, h, h, 3, 3, stride, stride, 1, 1);
                float[] x = new float[n * c * h * h], f = new float[(int) floats.invoke(xf)], copy = new float[g * c * h * h];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i % 7 + 1;
                }
                long fillNs = Long.MAX_VALUE, copyNs = Long.MAX_VALUE;
                for (int t = 0; t < 10; t++) {  // best of 10 runs of 200 fills, the groups of a batch in turn
                    long start = System.nanoTime();
                    for (int i = 0; i < iters; i++) {
                        fill.invoke(xf, x, i % groups * g, f, 0);
                    }
                    fillNs = Math.min(fillNs, System.nanoTime() - start);
                    start = System.nanoTime();
                    for (int i = 0; i < iters; i++) {
                        System.arraycopy(x, i % groups * g * c * h * h, copy, 0, copy.length);
                    }
                    copyNs = Math.min(copyNs, System.nanoTime() - start);
                }
                double us = fillNs / 1e3 / iters;
                System.out.printf(Locale.ROOT, "g=%d C=%d H=%d stride %d: fill %.1f us (%.3f ns a float of X), arraycopy %.1f us%n",
                        g, c, h, stride, us, us * 1e3 / copy.length, copyNs / 1e3 / iters);
            }
        }
    }
}
