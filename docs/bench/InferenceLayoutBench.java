import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.layers.Pass;

/**
 * Inference on planes against inference with channels-last activations between the layers (docs/ENGINE.md,
 * "Channels-last inference"), in one JVM: two replicas of a shipped model, one made with
 * -Dsparkcnn.planesInference=true, batch 64 on this thread, in alternating rounds (which goes first alternates
 * too) after 16 s of warm-up, so the VM's slow spells fall on both alike. Checks every round that both give the
 * same bits, and prints each round's img/s and the median of the rounds' ratios (channels-last / planes).
 *
 *   mvn -B -q -o -pl engine compile && mvn -B -q -o -pl engine dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 *   java --add-modules jdk.incubator.vector [-XX:UseAVX=2 | -XX:MaxVectorSize=32] \
 *       -cp engine/target/classes:$(cat /tmp/cp.txt) docs/bench/InferenceLayoutBench.java resnet20 20 1.0
 *   (model, rounds, seconds per side and round)
 */
public class InferenceLayoutBench {

    public static void main(String[] args) throws Exception {
        String model = args[0];
        int rounds = Integer.parseInt(args[1]), batch = 64;
        double seconds = Double.parseDouble(args[2]);
        ModelDefinition def = ModelDefinition.load(model);
        System.setProperty("sparkcnn.planesInference", "true");
        Network planes = def.newNetwork(batch);
        System.clearProperty("sparkcnn.planesInference");
        Network rows = def.newNetwork(batch);
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1), buffers = def.initialBuffers();
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = new float[batch * def.inputShape().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        for (int w = 0; w < 4; w++) {
            rate(planes, params, buffers, x, batch, 2.0);
            rate(rows, params, buffers, x, batch, 2.0);
        }
        double[] ratios = new double[rounds];
        int k = def.outputSize();
        for (int r = 0; r < rounds; r++) {
            double p, q;
            if (r % 2 == 0) {
                p = rate(planes, params, buffers, x, batch, seconds);
                q = rate(rows, params, buffers, x, batch, seconds);
            } else {
                q = rate(rows, params, buffers, x, batch, seconds);
                p = rate(planes, params, buffers, x, batch, seconds);
            }
            float[] yp = Arrays.copyOf(planes.forward(params, buffers, x, batch, Pass.INFERENCE), batch * k);
            float[] yr = Arrays.copyOf(rows.forward(params, buffers, x, batch, Pass.INFERENCE), batch * k);
            if (!Arrays.equals(yp, yr)) {
                throw new AssertionError("round " + r + ": the two layouts' outputs differ");
            }
            ratios[r] = q / p;
            System.out.printf(Locale.ROOT, "round %2d  planes %7.1f  channels-last %7.1f img/s  ratio %.3f%n", r, p, q, q / p);
        }
        Arrays.sort(ratios);
        System.out.printf(Locale.ROOT, "%s: median ratio channels-last / planes %.3f (rounds %.3f-%.3f), outputs the same bits%n",
                model, ratios[rounds / 2], ratios[0], ratios[rounds - 1]);
    }

    private static double rate(Network net, float[] params, float[] buffers, float[] x, int batch, double seconds) {
        long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
        int calls = 0;
        do {
            net.forward(params, buffers, x, batch, Pass.INFERENCE);
            calls++;
        } while (System.nanoTime() < end);
        return calls * batch / ((System.nanoTime() - t0) / 1e9);
    }
}
