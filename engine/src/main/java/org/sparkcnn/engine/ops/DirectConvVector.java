package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector kernel of {@link DirectConv}, on the Java Vector API. Loaded only when the
 * {@code jdk.incubator.vector} module is present. Four vectors of output positions times two output
 * channels stay in registers over all the taps: per tap, four input loads feed eight multiply-adds.
 */
final class DirectConvVector {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> PARTIALS = FloatVector.SPECIES_256;  // DirectConv.PARTIALS lanes
    private static final int L = SPECIES.length();

    private DirectConvVector() {
    }

    static int lanes() {
        return L;
    }

    /** Same result as {@link DirectConv#twoChannels}: each lane is one output, its taps fused in order. */
    static void twoChannels(float[] padded, int[] taps, float[] params, int w0, int w1, float b0, float b1,
                            float[] acc, int run) {
        int block = 4 * L;
        for (int p = 0; p + block <= run; p += block) {
            FloatVector a0 = FloatVector.broadcast(SPECIES, b0), a1 = a0, a2 = a0, a3 = a0;
            FloatVector c0 = FloatVector.broadcast(SPECIES, b1), c1 = c0, c2 = c0, c3 = c0;
            for (int k = 0; k < taps.length; k++) {
                int x = taps[k] + p;
                FloatVector x0 = FloatVector.fromArray(SPECIES, padded, x);
                FloatVector x1 = FloatVector.fromArray(SPECIES, padded, x + L);
                FloatVector x2 = FloatVector.fromArray(SPECIES, padded, x + 2 * L);
                FloatVector x3 = FloatVector.fromArray(SPECIES, padded, x + 3 * L);
                FloatVector u = FloatVector.broadcast(SPECIES, params[w0 + k]);
                FloatVector v = FloatVector.broadcast(SPECIES, params[w1 + k]);
                a0 = x0.fma(u, a0);
                a1 = x1.fma(u, a1);
                a2 = x2.fma(u, a2);
                a3 = x3.fma(u, a3);
                c0 = x0.fma(v, c0);
                c1 = x1.fma(v, c1);
                c2 = x2.fma(v, c2);
                c3 = x3.fma(v, c3);
            }
            a0.intoArray(acc, p);
            a1.intoArray(acc, p + L);
            a2.intoArray(acc, p + 2 * L);
            a3.intoArray(acc, p + 3 * L);
            c0.intoArray(acc, run + p);
            c1.intoArray(acc, run + p + L);
            c2.intoArray(acc, run + p + 2 * L);
            c3.intoArray(acc, run + p + 3 * L);
        }
    }

    /**
     * Same result as {@link DirectConv#weightPartials} for channels {@code d0} and {@code d1} (dY runs at
     * those offsets, partials at {@code at0} and {@code at1}): lane l of a tap's vector is its partial sum l.
     * Two channels times four taps: per step, six loads feed eight multiply-adds.
     */
    static void weightPartials(float[] dy, int d0, int d1, float[] padded, int[] taps, int run, float[] partials,
                               int at0, int at1) {
        int k = 0;
        for (; k + 4 <= taps.length; k += 4) {
            int t0 = taps[k], t1 = taps[k + 1], t2 = taps[k + 2], t3 = taps[k + 3], q = at0 + k * 8, r = at1 + k * 8;
            FloatVector s0 = FloatVector.fromArray(PARTIALS, partials, q);
            FloatVector s1 = FloatVector.fromArray(PARTIALS, partials, q + 8);
            FloatVector s2 = FloatVector.fromArray(PARTIALS, partials, q + 16);
            FloatVector s3 = FloatVector.fromArray(PARTIALS, partials, q + 24);
            FloatVector u0 = FloatVector.fromArray(PARTIALS, partials, r);
            FloatVector u1 = FloatVector.fromArray(PARTIALS, partials, r + 8);
            FloatVector u2 = FloatVector.fromArray(PARTIALS, partials, r + 16);
            FloatVector u3 = FloatVector.fromArray(PARTIALS, partials, r + 24);
            for (int p = 0; p < run; p += 8) {
                FloatVector y = FloatVector.fromArray(PARTIALS, dy, d0 + p);
                FloatVector z = FloatVector.fromArray(PARTIALS, dy, d1 + p);
                FloatVector x0 = FloatVector.fromArray(PARTIALS, padded, t0 + p);
                FloatVector x1 = FloatVector.fromArray(PARTIALS, padded, t1 + p);
                FloatVector x2 = FloatVector.fromArray(PARTIALS, padded, t2 + p);
                FloatVector x3 = FloatVector.fromArray(PARTIALS, padded, t3 + p);
                s0 = y.fma(x0, s0);
                s1 = y.fma(x1, s1);
                s2 = y.fma(x2, s2);
                s3 = y.fma(x3, s3);
                u0 = z.fma(x0, u0);
                u1 = z.fma(x1, u1);
                u2 = z.fma(x2, u2);
                u3 = z.fma(x3, u3);
            }
            s0.intoArray(partials, q);
            s1.intoArray(partials, q + 8);
            s2.intoArray(partials, q + 16);
            s3.intoArray(partials, q + 24);
            if (at1 != at0) {  // an odd last channel comes as the same channel twice: store it once
                u0.intoArray(partials, r);
                u1.intoArray(partials, r + 8);
                u2.intoArray(partials, r + 16);
                u3.intoArray(partials, r + 24);
            }
        }
        for (; k < taps.length; k++) {
            int t = taps[k];
            FloatVector s0 = FloatVector.fromArray(PARTIALS, partials, at0 + k * 8);
            FloatVector u0 = FloatVector.fromArray(PARTIALS, partials, at1 + k * 8);
            for (int p = 0; p < run; p += 8) {
                FloatVector x = FloatVector.fromArray(PARTIALS, padded, t + p);
                s0 = FloatVector.fromArray(PARTIALS, dy, d0 + p).fma(x, s0);
                u0 = FloatVector.fromArray(PARTIALS, dy, d1 + p).fma(x, u0);
            }
            s0.intoArray(partials, at0 + k * 8);
            if (at1 != at0) {
                u0.intoArray(partials, at1 + k * 8);
            }
        }
    }

    /** Same result as {@link DirectConv#sumPartials}: lane l is the partial sum of the positions p = l mod 8. */
    static void sumPartials(float[] dy, int from, int len, float[] partials, int at) {
        FloatVector s = FloatVector.fromArray(PARTIALS, partials, at);
        for (int p = from; p < from + len; p += 8) {
            s = s.add(FloatVector.fromArray(PARTIALS, dy, p));
        }
        s.intoArray(partials, at);
    }
}
