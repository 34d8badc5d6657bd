import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.engine.train.FixedPointSum;

/**
 * The step's two passes after the exact sum, on tfconv's 3,274,634 parameters: FixedPointSum.gradient
 * (each 64-bit word to a float) and Sgd.step (momentum 0.9), each beside a candidate written here: the
 * word times 2^-40 instead of divided by 2^40, and the momentum update on the Vector API (the same
 * roundings, so the same bits; checked). ms per pass, four rounds of 50.
 *
 *   mvn -B -q install -DskipTests
 *   java --add-modules jdk.incubator.vector -cp engine/target/classes docs/bench/UpdateBench.java
 *   (add -XX:MaxVectorSize=32 for an AVX2 machine's width)
 */
public class UpdateBench {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** b = mu*b + keep*g; p -= a*b: Sgd's update after its first step, without weight decay or Nesterov. */
    static void momentumVector(float[] p, float[] g, float[] buf, float a, float mu, float keep) {
        int i = 0, n = p.length;
        for (; i + F.length() <= n; i += F.length()) {
            FloatVector b = FloatVector.fromArray(F, buf, i).mul(mu).add(FloatVector.fromArray(F, g, i).mul(keep));
            b.intoArray(buf, i);
            FloatVector.fromArray(F, p, i).sub(b.mul(a)).intoArray(p, i);
        }
        for (; i < n; i++) {
            float b = mu * buf[i] + keep * g[i];
            buf[i] = b;
            p[i] -= a * b;
        }
    }

    static void gradientByMultiply(long[] words, float[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (words[i] * 0x1p-40);
        }
    }

    public static void main(String[] args) {
        int n = 3_274_634;
        SplittableRandom rng = new SplittableRandom(1);
        float[] p = new float[n], g = new float[n], out = new float[n], buf = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) rng.nextGaussian();
            g[i] = (float) rng.nextGaussian() * 1e-3f;
        }
        float[] q = p.clone();
        FixedPointSum sum = new FixedPointSum();
        sum.add(g, 0, 1);
        long[] words = sum.state().sums();
        Sgd sgd = new Sgd(n, 0.9, 0, false, 0);
        sgd.step(p, g, 0.01);
        sgd.step(p, g, 0.01);
        for (int i = 0; i < n; i++) {  // the first step: b = g
            buf[i] = g[i];
            q[i] -= 0.01f * g[i];
        }
        momentumVector(q, g, buf, 0.01f, 0.9f, 1f);
        gradientByMultiply(words, out);
        if (!Arrays.equals(p, q) || !Arrays.equals(out, sum.gradient(new float[n]))) {
            throw new AssertionError("a candidate gives other bits");
        }
        System.out.println(F.length() + " lanes; the candidates give the same bits");
        for (int round = 0; round < 4; round++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < 50; k++) {
                sum.gradient(out);
            }
            long t1 = System.nanoTime();
            for (int k = 0; k < 50; k++) {
                gradientByMultiply(words, out);
            }
            long t2 = System.nanoTime();
            for (int k = 0; k < 50; k++) {
                sgd.step(p, g, 0.0);
            }
            long t3 = System.nanoTime();
            for (int k = 0; k < 50; k++) {
                momentumVector(q, g, buf, 0f, 0.9f, 1f);
            }
            long t4 = System.nanoTime();
            System.out.printf(Locale.ROOT, "gradient() %.3f, times 2^-40 %.3f, Sgd.step %.3f, Vector API %.3f ms%n",
                    (t1 - t0) / 50e6, (t2 - t1) / 50e6, (t3 - t2) / 50e6, (t4 - t3) / 50e6);
        }
    }
}
