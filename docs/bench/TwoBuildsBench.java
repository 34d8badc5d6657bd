import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Two builds of the engine in one JVM: one 3x3 "same" convolution (C channels in and out, H x W, a chunk of
 * 32 examples as resnet20 trains) through each build's Conv2dOps, each build in its own class loader, in
 * alternating rounds of 0.2 s after 8 s of warm-up. The VM's slow phases (seconds to minutes, docs/PERFORMANCE.md)
 * then fall on both builds alike, which separate JVMs do not give: prints each build's median ms per chunk,
 * their ratio and in how many rounds B was faster.
 *
 *   git worktree add /tmp/a <commit> && (cd /tmp/a && mvn -B -q -o -pl engine compile)
 *   mvn -B -q -o -pl engine compile
 *   java --add-modules jdk.incubator.vector docs/bench/TwoBuildsBench.java /tmp/a/engine/target/classes \
 *       engine/target/classes 64 7 fb 20
 *   (A's classes, B's classes, C, H, f|b|fb (forward, backward, both as training runs them), rounds;
 *    add -XX:MaxVectorSize=32 or -XX:UseAVX=2 for an AVX2 machine's width)
 */
public class TwoBuildsBench {

    public static void main(String[] args) throws Exception {
        int c = Integer.parseInt(args[2]), h = Integer.parseInt(args[3]), rounds = Integer.parseInt(args[5]);
        String pass = args[4];
        Runnable[] builds = {layer(args[0], c, h, pass), layer(args[1], c, h, pass)};
        for (long end = System.nanoTime() + 8_000_000_000L; System.nanoTime() < end; ) {
            builds[0].run();
            builds[1].run();
        }
        List<List<Double>> ms = List.of(new ArrayList<>(), new ArrayList<>());
        for (int r = 0; r < rounds; r++) {
            for (int t = 0; t < 2; t++) {
                long start = System.nanoTime(), calls = 0;
                for (long end = start + 200_000_000L; System.nanoTime() < end; calls++) {
                    builds[t].run();
                }
                ms.get(t).add((System.nanoTime() - start) / 1e6 / calls);
            }
        }
        int faster = 0;
        for (int r = 0; r < rounds; r++) {
            faster += ms.get(1).get(r) < ms.get(0).get(r) ? 1 : 0;
        }
        double a = median(ms.get(0)), b = median(ms.get(1));
        System.out.printf(Locale.ROOT, "C=%d H=%d %s: A %.3f ms, B %.3f ms a chunk of 32, B/A %.3f, B faster in %d of %d rounds%n",
                c, h, pass, a, b, b / a, faster, rounds);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** The layer's forward and/or backward through the engine classes at {@code classes}, with its own buffers. */
    private static Runnable layer(String classes, int c, int h, String pass) throws Exception {
        ClassLoader loader = new URLClassLoader(new URL[]{new File(classes).toURI().toURL()}, ClassLoader.getPlatformClassLoader());
        Class<?> ops = loader.loadClass("org.sparkcnn.engine.ops.Conv2dOps");
        Class<?> workspace = loader.loadClass("org.sparkcnn.engine.ops.ConvWorkspace");
        Class<?> choices = loader.loadClass("org.sparkcnn.engine.ops.ConvChoices");
        int n = 32, w = h, o = c, k = 3, p = 1, wCount = o * c * k * k;
        int group = (int) ops.getMethod("groupSize", int.class, int.class, int.class, int.class).invoke(null, n, c * k * k, o, h * w);
        Object ws = workspace.getConstructor(int.class, int.class, int.class, int.class, int.class, int.class, int.class,
                int.class, int.class, int.class, int.class).newInstance(group, c, h, w, o, k, k, 1, 1, p, p);
        Object picks = choices.getMethod("of", String.class, int.class, int.class, int.class, int.class, int.class, int.class,
                int.class, int.class, int.class, int.class, int.class).invoke(null, "bench", c, h, w, o, k, k, 1, 1, p, p, group);
        SplittableRandom rng = new SplittableRandom(1);
        float[] x = new float[n * c * h * w], y = new float[n * o * h * w], dy = new float[n * o * h * w], dx = new float[x.length];
        float[] params = new float[wCount + o], grads = new float[params.length];
        for (float[] a : new float[][]{x, dy, params}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rng.nextGaussian() * (a == params ? 0.1 : 1));
            }
        }
        Method forward = null, backward = null;
        for (Method m : ops.getMethods()) {
            forward = m.getName().equals("forward") && m.getParameterCount() == 20 ? m : forward;  // not the one with layouts
            backward = m.getName().equals("backward") ? m : backward;
        }
        Method f = forward, b = backward;
        return () -> {
            try {
                boolean cols = false;  // whether the forward left the first group's frame or columns for the backward
                if (pass.contains("f")) {
                    cols = (boolean) f.invoke(null, y, x, params, 0, wCount, n, c, h, w, o, k, k, 1, 1, p, p, group, ws, picks, true);
                }
                if (pass.contains("b")) {
                    b.invoke(null, dx, grads, dy, x, params, 0, wCount, n, c, h, w, o, k, k, 1, 1, p, p, group, ws, picks, cols);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
