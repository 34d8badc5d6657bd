package org.sparkcnn.engine.ops;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twins of {@link BatchNormOps}' loops, in double as they are. A sum's 8 partials are
 * {@code V = 8 / DL} double vectors (one at 512 bits, two at 256, four at 128): lane l of vector v is
 * partial {@code v*DL + l}, and cell q still adds to partial {@code q mod 8}, in increasing q. The
 * element-wise loops take the same double operations per cell. So the bits are the scalar loops'.
 */
final class BatchNormVector {

    /** Doubles as wide as the engine's float vectors, and the floats that widen into them. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, VectorShape.forBitSize(Lanes.L * 32));
    private static final VectorSpecies<Float> FH = VectorSpecies.of(float.class, VectorShape.forBitSize(Lanes.L * 16));
    private static final int DL = D.length();
    /** Vectors per 8 partials. */
    private static final int V = BatchNormOps.PARTS / DL;

    private BatchNormVector() {
    }

    /** Compiles the kernels before their first real call ({@link JitWarmUp}). */
    private static final class Warm {
        static {
            float[] x = new float[64], y = new float[64], r = new float[64];  // 61 cells: the loops' tails too
            double[] p = new double[BatchNormOps.PARTS], q = new double[BatchNormOps.PARTS];
            JitWarmUp.untilCompiled(java.util.List.of(
                    () -> sum8(x, 0, 61, p),
                    () -> sumSquaredDeviations8(x, 0, 61, 0.5, p),
                    () -> {
                        sumDyAndDyXhat8(y, false, x, 0, 61, 0.5, 2, 1, 0, p, q);
                        sumDyAndDyXhat8(y, true, x, 0, 61, 0.5, 2, 1, 0, p, q);
                    },
                    () -> {
                        normalize(y, false, x, 0, 61, 1, 0, 0.5, 2);
                        normalize(r, true, x, 0, 61, 1, 0, 0.5, 2);
                    },
                    () -> {
                        inputGradient(r, y, false, x, 0, 61, 1, 0, 0.5, 2, 1, 0, 0);
                        inputGradient(r, y, true, x, 0, 61, 1, 0, 0.5, 2, 1, 0, 0);
                    }), 1_000_000_000L);
        }

        static void ensure() {
        }
    }

    private static DoubleVector load(float[] x, int p) {
        return (DoubleVector) FloatVector.fromArray(FH, x, p).convertShape(VectorOperators.F2D, D, 0);
    }

    private static void store(DoubleVector v, float[] out, int p) {
        ((FloatVector) v.convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, p);
    }

    private static DoubleVector part(double[] part, int v) {
        return DoubleVector.fromArray(D, part, v * DL);
    }

    /** {@code part[q % 8] += x[off + q]} for q < len, q increasing. */
    static void sum8(float[] x, int off, int len, double[] part) {
        Warm.ensure();
        DoubleVector s0 = part(part, 0), s1 = V > 1 ? part(part, 1) : s0, s2 = V > 2 ? part(part, 2) : s0, s3 = V > 2 ? part(part, 3) : s0;
        int q = 0;
        for (; q + 8 <= len; q += 8) {
            int p = off + q;
            s0 = s0.add(load(x, p));
            if (V > 1) {
                s1 = s1.add(load(x, p + DL));
            }
            if (V > 2) {
                s2 = s2.add(load(x, p + 2 * DL));
                s3 = s3.add(load(x, p + 3 * DL));
            }
        }
        keep(part, s0, s1, s2, s3);
        for (; q < len; q++) {
            part[q % 8] += x[off + q];
        }
    }

    /** {@code part[q % 8] += (x[off + q] - mu)^2} for q < len, q increasing. */
    static void sumSquaredDeviations8(float[] x, int off, int len, double mu, double[] part) {
        Warm.ensure();
        DoubleVector s0 = part(part, 0), s1 = V > 1 ? part(part, 1) : s0, s2 = V > 2 ? part(part, 2) : s0, s3 = V > 2 ? part(part, 3) : s0;
        int q = 0;
        for (; q + 8 <= len; q += 8) {
            int p = off + q;
            DoubleVector d0 = load(x, p).sub(mu);
            s0 = s0.add(d0.mul(d0));
            if (V > 1) {
                DoubleVector d1 = load(x, p + DL).sub(mu);
                s1 = s1.add(d1.mul(d1));
            }
            if (V > 2) {
                DoubleVector d2 = load(x, p + 2 * DL).sub(mu), d3 = load(x, p + 3 * DL).sub(mu);
                s2 = s2.add(d2.mul(d2));
                s3 = s3.add(d3.mul(d3));
            }
        }
        keep(part, s0, s1, s2, s3);
        for (; q < len; q++) {
            double d = x[off + q] - mu;
            part[q % 8] += d * d;
        }
    }

    /**
     * dout's floats at p, widened, through a ReLU ({@code relu}) +0 where {@code y = xhat * gamma + beta} rounded to
     * float (the forward's value) has bits {@code <= 0}: {@link BatchNormOps#dy} a vector at a time.
     */
    private static DoubleVector dy(float[] dout, int p, boolean relu, DoubleVector xhat, double gamma, double beta) {
        FloatVector g = FloatVector.fromArray(FH, dout, p);
        if (relu) {
            FloatVector y = (FloatVector) xhat.mul(gamma).add(beta).convertShape(VectorOperators.D2F, FH, 0);
            g = g.blend(0f, y.reinterpretAsInts().compare(VectorOperators.LE, 0).cast(FH));
        }
        return (DoubleVector) g.convertShape(VectorOperators.F2D, D, 0);
    }

    /** {@code dy[q % 8] += g_q}, {@code dyx[q % 8] += g_q * xhat_q}, q increasing: {@link BatchNormOps#sumDyAndDyXhat8}. */
    static void sumDyAndDyXhat8(float[] dout, boolean relu, float[] x, int off, int len, double mu, double is,
                                double gamma, double beta, double[] dy, double[] dyx) {
        Warm.ensure();
        DoubleVector s0 = part(dy, 0), s1 = V > 1 ? part(dy, 1) : s0, s2 = V > 2 ? part(dy, 2) : s0, s3 = V > 2 ? part(dy, 3) : s0;
        DoubleVector t0 = part(dyx, 0), t1 = V > 1 ? part(dyx, 1) : t0, t2 = V > 2 ? part(dyx, 2) : t0, t3 = V > 2 ? part(dyx, 3) : t0;
        int q = 0;
        for (; q + 8 <= len; q += 8) {
            int p = off + q;
            DoubleVector h0 = load(x, p).sub(mu).mul(is), g0 = dy(dout, p, relu, h0, gamma, beta);
            s0 = s0.add(g0);
            t0 = t0.add(g0.mul(h0));
            if (V > 1) {
                DoubleVector h1 = load(x, p + DL).sub(mu).mul(is), g1 = dy(dout, p + DL, relu, h1, gamma, beta);
                s1 = s1.add(g1);
                t1 = t1.add(g1.mul(h1));
            }
            if (V > 2) {
                DoubleVector h2 = load(x, p + 2 * DL).sub(mu).mul(is), g2 = dy(dout, p + 2 * DL, relu, h2, gamma, beta);
                DoubleVector h3 = load(x, p + 3 * DL).sub(mu).mul(is), g3 = dy(dout, p + 3 * DL, relu, h3, gamma, beta);
                s2 = s2.add(g2);
                s3 = s3.add(g3);
                t2 = t2.add(g2.mul(h2));
                t3 = t3.add(g3.mul(h3));
            }
        }
        keep(dy, s0, s1, s2, s3);
        keep(dyx, t0, t1, t2, t3);
        for (; q < len; q++) {
            double h = (x[off + q] - mu) * is, g = BatchNormOps.dy(dout[off + q], relu, h, gamma, beta);
            dy[q % 8] += g;
            dyx[q % 8] += g * h;
        }
    }

    private static void keep(double[] part, DoubleVector s0, DoubleVector s1, DoubleVector s2, DoubleVector s3) {
        s0.intoArray(part, 0);
        if (V > 1) {
            s1.intoArray(part, DL);
        }
        if (V > 2) {
            s2.intoArray(part, 2 * DL);
            s3.intoArray(part, 3 * DL);
        }
    }

    /**
     * {@code y = (float) (g * ((inp[p] - mu) * is) + be)} into {@code out[p]}, or {@code max(y, 0)} if {@code relu}, p in
     * [from, to). One loop per case: a vector stored under a condition ran as objects (ten times slower).
     */
    static void normalize(float[] out, boolean relu, float[] inp, int from, int to, double g, double be, double mu, double is) {
        Warm.ensure();
        int p = from;
        if (relu) {
            for (; p + DL <= to; p += DL) {
                normalized(inp, p, g, be, mu, is).max(0f).intoArray(out, p);
            }
        } else {
            for (; p + DL <= to; p += DL) {
                normalized(inp, p, g, be, mu, is).intoArray(out, p);
            }
        }
        for (; p < to; p++) {
            float y = (float) (g * ((inp[p] - mu) * is) + be);
            out[p] = relu ? Math.max(y, 0f) : y;
        }
    }

    private static FloatVector normalized(float[] inp, int p, double g, double be, double mu, double is) {
        return (FloatVector) load(inp, p).sub(mu).mul(is).mul(g).add(be).convertShape(VectorOperators.D2F, FH, 0);
    }

    /** {@code dinp[p] = (float) (k * (g_p - meanDy - xhat_p * meanDyx))}, g as {@link #dy}, for p in [from, to). */
    static void inputGradient(float[] dinp, float[] dout, boolean relu, float[] inp, int from, int to, double k, double meanDy,
                              double mu, double is, double gamma, double beta, double meanDyx) {
        Warm.ensure();
        int p = from;
        for (; p + DL <= to; p += DL) {
            DoubleVector h = load(inp, p).sub(mu).mul(is);
            store(dy(dout, p, relu, h, gamma, beta).sub(meanDy).sub(h.mul(meanDyx)).mul(k), dinp, p);
        }
        for (; p < to; p++) {
            double h = (inp[p] - mu) * is;
            dinp[p] = (float) (k * (BatchNormOps.dy(dout[p], relu, h, gamma, beta) - meanDy - h * meanDyx));
        }
    }
}
