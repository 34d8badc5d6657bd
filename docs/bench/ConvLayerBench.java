import java.util.Locale;
import java.util.SplittableRandom;
import org.sparkcnn.engine.ops.ConvChoices;
import org.sparkcnn.engine.ops.ConvWorkspace;
import org.sparkcnn.engine.ops.Conv2dOps;

/**
 * One 3x3 "same" convolution (C channels in and out, H x W, stride 1, padding 1), without bias as resnet20's
 * (a fifth argument {@code bias} adds one), on a chunk of 32
 * examples, as resnet20's layers run it in training: the forward ({@code f}) or the backward with dW and
 * dX ({@code b}), through Conv2dOps with the group size and tile choices the network uses. Prints ms per
 * chunk and ns per multiply-add of the layer (the backward's two products counted). Run it under JFR to
 * see what share of the time the products' tiles take:
 *
 *   mvn -B -q install -DskipTests
 *   java --add-modules jdk.incubator.vector -cp engine/target/classes docs/bench/ConvLayerBench.java 16 28 b 3
 *   (C H f|b seconds-per-round [bias]; add -XX:MaxVectorSize=32 for an AVX2 machine's width, and
 *    -XX:StartFlightRecording=filename=b.jfr,settings=profile for `jfr print --events jdk.ExecutionSample b.jfr`)
 */
public class ConvLayerBench {

    public static void main(String[] args) {
        int n = 32, c = Integer.parseInt(args[0]), h = Integer.parseInt(args[1]), w = h, o = c, k = 3, p = 1;
        boolean backward = args[2].equals("b");
        double seconds = Double.parseDouble(args[3]);
        boolean bias = args.length > 4 && args[4].equals("bias");
        int group = Conv2dOps.groupSize(n, c * k * k, o, h * w), wCount = o * c * k * k, bOff = bias ? wCount : -1;
        ConvWorkspace ws = new ConvWorkspace(group, c, h, w, o, k, k, 1, 1, p, p);
        ConvChoices choices = ConvChoices.of("bench", c, h, w, o, k, k, 1, 1, p, p, group);
        SplittableRandom rng = new SplittableRandom(1);
        float[] x = new float[n * c * h * w], y = new float[n * o * h * w], dy = new float[n * o * h * w], dx = new float[x.length];
        float[] params = new float[wCount + (bias ? o : 0)], grads = new float[params.length];
        for (float[] a : new float[][]{x, dy, params}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rng.nextGaussian() * (a == params ? 0.1 : 1));
            }
        }
        Runnable forward = () -> Conv2dOps.forward(y, x, params, 0, bOff, n, c, h, w, o, k, k, 1, 1, p, p, group, ws, choices, true);
        Runnable back = () -> Conv2dOps.backward(dx, grads, dy, x, params, 0, bOff, n, c, h, w, o, k, k, 1, 1, p, p, group, ws,
                choices, false);
        for (long end = System.nanoTime() + 4_000_000_000L; System.nanoTime() < end; ) {  // both compiled, tiles chosen
            forward.run();
            back.run();
        }
        double macs = (double) n * o * c * k * k * h * w * (backward ? 2 : 1);
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime(), calls = 0;
            for (long end = start + (long) (seconds * 1e9); System.nanoTime() < end; calls++) {
                (backward ? back : forward).run();
            }
            double ms = (System.nanoTime() - start) / 1e6 / calls;
            System.out.printf(Locale.ROOT, "%s C=%d H=%d group=%d: %.3f ms per chunk of %d, %.4f ns per multiply-add%n",
                    backward ? "backward" : "forward", c, h, group, ms, n, ms * 1e6 / macs);
        }
    }
}
