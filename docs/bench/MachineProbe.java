import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the machine gives one core, second by second, with nothing of ours involved: {@code fma} runs ten
 * independent chains of vector FMAs from registers (the core's FMA peak, GFLOP/s); {@code read MiB} sums an
 * array of that size over and over (its read bandwidth, GB/s: 8 MiB stays in a Zen 5 L3, not its 1 MiB L2).
 * docs/PERFORMANCE.md, "Slow phases are on the machine's memory side". Pin it to one core, nothing else running:
 *
 *   javac --add-modules jdk.incubator.vector -d /tmp/mp docs/bench/MachineProbe.java
 *   taskset -c 1 java --add-modules jdk.incubator.vector -cp /tmp/mp MachineProbe fma 40
 *   taskset -c 1 java --add-modules jdk.incubator.vector -cp /tmp/mp MachineProbe read 45 8
 */
public class MachineProbe {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static float sink;

    /** n rounds of ten FMA chains; 20 * L flops a round. */
    static void fma(float[] in, int n) {
        FloatVector x = FloatVector.fromArray(S, in, 0), y = FloatVector.fromArray(S, in, L);
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0;
        for (int i = 0; i < n; i++) {
            c0 = x.fma(y, c0); c1 = x.fma(y, c1); c2 = x.fma(y, c2); c3 = x.fma(y, c3); c4 = x.fma(y, c4);
            c5 = x.fma(y, c5); c6 = x.fma(y, c6); c7 = x.fma(y, c7); c8 = x.fma(y, c8); c9 = x.fma(y, c9);
        }
        sink += c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).reduceLanes(VectorOperators.ADD);
    }

    /** One pass summing a (length a multiple of 4 * L). */
    static void read(float[] a) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int i = 0; i < a.length; i += 4 * L) {
            c0 = c0.add(FloatVector.fromArray(S, a, i));
            c1 = c1.add(FloatVector.fromArray(S, a, i + L));
            c2 = c2.add(FloatVector.fromArray(S, a, i + 2 * L));
            c3 = c3.add(FloatVector.fromArray(S, a, i + 3 * L));
        }
        sink += c0.add(c1).add(c2).add(c3).reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) {
        boolean fma = args[0].equals("fma");
        int seconds = Integer.parseInt(args[1]);
        float[] a = fma ? new float[2 * L] : new float[Integer.parseInt(args[2]) << 18];
        java.util.Arrays.fill(a, 0.999999f);
        for (int w = 0; w < 20_000; w++) {  // compiled before the first second
            if (fma) {
                fma(a, 100);
            } else if (w < 200) {
                read(a);
            }
        }
        StringBuilder sb = new StringBuilder(fma ? "GFLOP/s:" : "GB/s:");
        for (int s = 0; s < seconds; s++) {
            long t0 = System.nanoTime(), rounds = 0;
            while (System.nanoTime() - t0 < 1_000_000_000L) {
                if (fma) {
                    fma(a, 100_000);
                    rounds += 100_000;
                } else {
                    read(a);
                    rounds++;
                }
            }
            double dt = (System.nanoTime() - t0) / 1e9;
            sb.append(String.format(Locale.ROOT, " %.1f", (fma ? 20.0 * L * rounds : 4.0 * a.length * rounds) / dt / 1e9));
        }
        System.out.println(sb);
    }
}
