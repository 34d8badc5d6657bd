import java.util.Locale;
import java.util.SplittableRandom;
import org.sparkcnn.engine.ops.BatchNormOps;

/**
 * Batch norm alone, training forward and backward with the ReLU run inside it (as resnet8 and resnet20 run it),
 * on one N x C x H x W activation, against a copy of the same array (the memory's floor for one pass).
 * Prints the fastest of five one-second rounds of each, ms per call, and a hash of the outputs (equal for
 * any vector width). Only public API, so it runs against any build of the engine:
 *
 *   mvn -B -q install -DskipTests
 *   javac -cp engine/target/classes -d /tmp/bnb docs/bench/BatchNormBench.java
 *   java --add-modules jdk.incubator.vector -cp /tmp/bnb:engine/target/classes BatchNormBench N C H
 *   (resnet20's stages at batch 64: 64 16 28, 64 32 14, 64 64 7; -XX:MaxVectorSize=32 for AVX2's width)
 */
public class BatchNormBench {

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]), c = Integer.parseInt(args[1]), hw = Integer.parseInt(args[2]) * Integer.parseInt(args[2]);
        int len = n * c * hw;
        float[] x = new float[len], y = new float[len], dy = new float[len], dx = new float[len];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < len; i++) {
            x[i] = (float) (rng.nextDouble() * 4 - 1.5);
            dy[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        float[] params = new float[2 * c], grads = new float[2 * c];
        for (int i = 0; i < c; i++) {
            params[i] = 1f + 0.1f * i;
            params[c + i] = 0.05f * i - 0.3f;
        }
        double[] mean = new double[c], var = new double[c], invstd = new double[c];
        double fwd = Double.MAX_VALUE, bwd = Double.MAX_VALUE, copy = Double.MAX_VALUE;
        for (int round = 0; round < 6; round++) {
            double f = 0, b = 0, k = 0;
            int calls = 0;
            for (long end = System.nanoTime() + 1_000_000_000L; System.nanoTime() < end; calls++) {
                long t0 = System.nanoTime();
                BatchNormOps.forwardTrain(y, true, x, params, 0, c, n, c, hw, 1e-5, mean, var, invstd);
                long t1 = System.nanoTime();
                java.util.Arrays.fill(grads, 0f);
                BatchNormOps.backward(dx, grads, dy, true, x, params, 0, c, n, c, hw, true, mean, invstd);
                long t2 = System.nanoTime();
                System.arraycopy(x, 0, y, 0, len);
                long t3 = System.nanoTime();
                f += t1 - t0;
                b += t2 - t1;
                k += t3 - t2;
            }
            if (round > 0) {  // the first round warms up
                fwd = Math.min(fwd, f / calls / 1e6);
                bwd = Math.min(bwd, b / calls / 1e6);
                copy = Math.min(copy, k / calls / 1e6);
            }
        }
        BatchNormOps.forwardTrain(y, true, x, params, 0, c, n, c, hw, 1e-5, mean, var, invstd);
        long h = 1;
        for (float[] a : new float[][]{y, dx, grads}) {
            for (float v : a) {
                h = h * 31 + Float.floatToRawIntBits(v);
            }
        }
        System.out.printf(Locale.ROOT, "%dx%dx%d: forward %.3f ms, backward %.3f ms, copy %.3f ms (fastest round); outputs %016x%n",
                c, (int) Math.sqrt(hw), (int) Math.sqrt(hw), fwd, bwd, copy, h);
    }
}
