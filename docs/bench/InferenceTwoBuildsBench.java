import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Two builds of the engine in one JVM, each in its own class loader: a shipped model's inference (batch 64, this
 * thread, the same initial weights and input) through each build's {@code Inference} (the product's one inference
 * path: evaluation, prediction, the benchmark), in alternating rounds (which goes first
 * alternates too) after 16 s of warm-up, so the VM's slow spells fall on both alike. Checks every round that both
 * give the same bits (unless a seventh argument, --outputs-may-differ, says B computes something else on purpose: an
 * ablation), and prints each round's img/s and the median of the rounds' ratios B / A.
 *
 *   git worktree add /tmp/a <commit> && (cd /tmp/a && mvn -B -q -o -pl engine compile)
 *   mvn -B -q -o -pl engine compile && mvn -B -q -o -pl engine dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 *   java --add-modules jdk.incubator.vector [-XX:UseAVX=2 | -XX:MaxVectorSize=32] docs/bench/InferenceTwoBuildsBench.java \
 *       /tmp/a/engine/target/classes engine/target/classes "$(cat /tmp/cp.txt)" resnet20 20 1.0
 *   (A's classes, B's classes, the engine's dependencies, model, rounds, seconds per build and round)
 */
public class InferenceTwoBuildsBench {

    private static final int BATCH = 64;

    public static void main(String[] args) throws Exception {
        String model = args[3];
        int rounds = Integer.parseInt(args[4]);
        double seconds = Double.parseDouble(args[5]);
        boolean mayDiffer = args.length > 6 && args[6].equals("--outputs-may-differ");
        Build[] builds = {new Build(args[0], args[2], model), new Build(args[1], args[2], model)};
        for (int w = 0; w < 4; w++) {
            builds[0].rate(2.0);
            builds[1].rate(2.0);
        }
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            double a, b;
            if (r % 2 == 0) {
                a = builds[0].rate(seconds);
                b = builds[1].rate(seconds);
            } else {
                b = builds[1].rate(seconds);
                a = builds[0].rate(seconds);
            }
            if (!mayDiffer && !Arrays.equals(builds[0].output(), builds[1].output())) {
                throw new AssertionError("round " + r + ": the two builds' outputs differ");
            }
            ratios[r] = b / a;
            System.out.printf(Locale.ROOT, "round %2d  A %7.1f  B %7.1f img/s  B/A %.3f%n", r, a, b, b / a);
        }
        Arrays.sort(ratios);
        System.out.printf(Locale.ROOT, "%s inference: median B/A %.3f (rounds %.3f-%.3f), %s%n", model, ratios[rounds / 2],
                ratios[0], ratios[rounds - 1], mayDiffer ? "outputs not compared" : "outputs the same bits");
    }

    /** One build's inference of the model, its weights (PyTorch's default initialization, seed 1) and input. */
    private static final class Build {
        private final Object inference;
        private final float[] input;
        private final Method forward;
        private final float[] params;
        private final float[] buffers;
        private final float[] x;
        private final int outputs;

        Build(String classes, String classpath, String model) throws Exception {
            List<URL> urls = new ArrayList<>(List.of(new File(classes).toURI().toURL()));
            for (String jar : classpath.split(File.pathSeparator)) {
                urls.add(new File(jar).toURI().toURL());
            }
            ClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
            Class<?> defs = loader.loadClass("org.sparkcnn.engine.ModelDefinition");
            Class<?> norms = loader.loadClass("org.sparkcnn.engine.Normalization");
            Class<?> inferences = loader.loadClass("org.sparkcnn.engine.Inference");
            Class<?> init = loader.loadClass("org.sparkcnn.engine.Initializer");
            Object def = defs.getMethod("load", String.class).invoke(null, model);
            inference = inferences.getConstructor(defs, norms, int.class).newInstance(def, norms.getField("IDENTITY").get(null), BATCH);
            input = (float[]) inferences.getMethod("input").invoke(inference);
            Object pytorch = init.getField("PYTORCH_DEFAULT").get(null);
            params = (float[]) init.getMethod("initialize", defs, long.class).invoke(pytorch, def, 1L);
            buffers = (float[]) defs.getMethod("initialBuffers").invoke(def);
            forward = inferences.getMethod("forward", float[].class, float[].class, int.class);
            outputs = (int) defs.getMethod("outputSize").invoke(def);
            Object shape = defs.getMethod("inputShape").invoke(def);
            x = new float[BATCH * (int) shape.getClass().getMethod("size").invoke(shape)];
            SplittableRandom rng = new SplittableRandom(3);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextGaussian();
            }
        }

        float[] output() throws Exception {
            return Arrays.copyOf(run(), BATCH * outputs);
        }

        /** The input copied in (the forward normalizes it in place, by the identity here), then the forward. */
        private float[] run() throws Exception {
            System.arraycopy(x, 0, input, 0, x.length);
            return (float[]) forward.invoke(inference, params, buffers, BATCH);
        }

        double rate(double seconds) throws Exception {
            long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
            int calls = 0;
            do {
                run();
                calls++;
            } while (System.nanoTime() < end);
            return calls * BATCH / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
