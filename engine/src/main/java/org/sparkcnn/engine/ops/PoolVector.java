package org.sparkcnn.engine.ops;

import java.util.concurrent.ConcurrentHashMap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * 2x2, stride 2, unpadded max pooling on the Vector API, giving the scalar kernel's maxima and argmax
 * bit for bit. The lanes take consecutive output cells: k planes at a time, k the fewest whose
 * {@code k * ho * wo} cells fill whole vectors, each window's four cells gathered through a table of
 * the windows' top-left offsets. The comparisons run on the floats' bits mapped to ints of the same
 * order, -0 equal to +0; a strictly greater cell wins, so ties go to the first in row-major order. A
 * vector holding a NaN redoes its NaN windows by the scalar rule (the first NaN). Loaded only when
 * {@code jdk.incubator.vector} is present.
 */
final class PoolVector {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final ConcurrentHashMap<Long, int[]> TABLES = new ConcurrentHashMap<>();

    private PoolVector() {
    }

    /** Compiles the kernel before its first real call: uncompiled, its vectors are objects, 100 times slower. */
    private static final class Warm {
        static {
            float[] inp = new float[4 * 16 * 4], out = new float[4 * 16];
            int[] argmax = new int[out.length];
            JitWarmUp.untilCompiled(java.util.List.of(() -> pool(out, argmax, inp, 16, 4, 4, 2, 2)), 1_000_000_000L);
        }

        static void ensure() {
        }
    }

    /** Pools the first planes of {@code inp}, a whole number of groups; returns how many it pooled. */
    static int max2x2(float[] out, int[] argmax, float[] inp, int planes, int h, int w, int ho, int wo) {
        Warm.ensure();
        return pool(out, argmax, inp, planes, h, w, ho, wo);
    }

    /** The planes of one group: the fewest whose {@code cells} output cells each fill whole vectors. */
    static int groupPlanes(int cells) {
        return F.length() / gcd(cells, F.length());
    }

    private static int pool(float[] out, int[] argmax, float[] inp, int planes, int h, int w, int ho, int wo) {
        int lanes = F.length();
        int cells = ho * wo;
        int k = groupPlanes(cells);
        int groups = planes / k;
        if (groups == 0) {
            return 0;
        }
        int[] table = table(h, w, ho, wo, k);
        int groupOut = k * cells, groupIn = k * h * w;
        for (int g = 0; g < groups; g++) {
            int in = g * groupIn, outAt = g * groupOut;
            for (int o = 0; o < groupOut; o += lanes) {
                FloatVector a = FloatVector.fromArray(F, inp, in, table, o);
                FloatVector b = FloatVector.fromArray(F, inp, in + 1, table, o);
                FloatVector c = FloatVector.fromArray(F, inp, in + w, table, o);
                FloatVector d = FloatVector.fromArray(F, inp, in + w + 1, table, o);
                IntVector topLeft = IntVector.fromArray(I, table, o).add(in);
                // each float's bits as an int of the same order: negative floats reversed, -0 onto +0
                IntVector ia = a.reinterpretAsInts(), sa = ia.lanewise(VectorOperators.ASHR, 31);
                IntVector ib = b.reinterpretAsInts(), sb = ib.lanewise(VectorOperators.ASHR, 31);
                IntVector ic = c.reinterpretAsInts(), sc = ic.lanewise(VectorOperators.ASHR, 31);
                IntVector id = d.reinterpretAsInts(), sd = id.lanewise(VectorOperators.ASHR, 31);
                IntVector oa = ia.lanewise(VectorOperators.XOR, sa.and(0x7fffffff)).sub(sa);
                IntVector ob = ib.lanewise(VectorOperators.XOR, sb.and(0x7fffffff)).sub(sb);
                IntVector oc = ic.lanewise(VectorOperators.XOR, sc.and(0x7fffffff)).sub(sc);
                IntVector od = id.lanewise(VectorOperators.XOR, sd.and(0x7fffffff)).sub(sd);
                VectorMask<Integer> bWins = ob.compare(VectorOperators.GT, oa);
                VectorMask<Integer> dWins = od.compare(VectorOperators.GT, oc);
                FloatVector top = a.blend(b, bWins.cast(F));
                FloatVector bottom = c.blend(d, dWins.cast(F));
                VectorMask<Integer> bottomWins = oc.blend(od, dWins).compare(VectorOperators.GT, oa.blend(ob, bWins));
                IntVector topAt = topLeft.blend(topLeft.add(1), bWins);
                IntVector bottomAt = topLeft.add(w).blend(topLeft.add(w + 1), dWins);
                top.blend(bottom, bottomWins.cast(F)).intoArray(out, outAt + o);
                topAt.blend(bottomAt, bottomWins).intoArray(argmax, outAt + o);
                if (a.test(VectorOperators.IS_NAN).or(b.test(VectorOperators.IS_NAN))
                        .or(c.test(VectorOperators.IS_NAN)).or(d.test(VectorOperators.IS_NAN)).anyTrue()) {
                    firstNaN(out, argmax, inp, in, table, o, outAt, w);
                }
            }
        }
        return groups * k;
    }

    private static void firstNaN(float[] out, int[] argmax, float[] inp, int in, int[] table, int o, int outAt, int w) {
        for (int l = 0; l < F.length(); l++) {
            int p = in + table[o + l];
            float a = inp[p], b = inp[p + 1], c = inp[p + w], d = inp[p + w + 1];
            if (a != a || b != b || c != c || d != d) {
                int at = a != a ? p : b != b ? p + 1 : c != c ? p + w : p + w + 1;
                out[outAt + o + l] = inp[at];
                argmax[outAt + o + l] = at;
            }
        }
    }

    /** Top-left input offsets of k planes' windows, in output order. */
    private static int[] table(int h, int w, int ho, int wo, int k) {
        long key = ((long) h << 40) | ((long) w << 16) | k;
        return TABLES.computeIfAbsent(key, x -> {
            int[] t = new int[k * ho * wo];
            int q = 0;
            for (int plane = 0; plane < k; plane++) {
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        t[q++] = plane * h * w + 2 * i * w + 2 * j;
                    }
                }
            }
            return t;
        });
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
