package org.sparkcnn.engine.ops;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twins of {@link BatchNormOps}' loops, in double as they are. A sum's 8 partials are
 * {@code V = 8 / DL} double vectors (one at 512 bits, two at 256, four at 128): lane l of vector v is
 * partial {@code v*DL + l}, and cell q still adds to partial {@code q mod 8}, in increasing q. The
 * element-wise loops take the same double operations per cell. So the bits are the scalar loops'.
 * Floats are read and written {@code W} at a time, the engine's one vector shape ({@link Lanes}), each as
 * two double vectors (its halves: the lower as is, the upper after a swap of the halves); a half-width float vector here
 * made slow JVMs (see {@link Lanes}).
 *
 * <p>No vector crosses a method boundary: every load, conversion and store is written out in the loop
 * that uses it. A helper returning a vector ({@code normalized}, {@code load}) was sometimes compiled
 * on its own, its conversions not made vector code, and then not inlined: in one JVM of twelve resnet20
 * spent 29% of its samples in the Vector API's Java fallback for {@code convertShape} and trained at
 * 291 img/s instead of about 480 (docs/PERFORMANCE.md).
 */
final class BatchNormVector {

    /** The engine's floats ({@code W} lanes) and doubles of the same shape ({@code DL = W / 2} lanes). */
    private static final VectorSpecies<Float> F = Lanes.F;
    private static final VectorSpecies<Double> D = Lanes.D;
    private static final int W = F.length(), DL = D.length();
    /** Vectors per 8 partials. */
    private static final int V = BatchNormOps.PARTS / DL;
    /** Floats per step of the sums: 8 partials' worth, at least one float vector. */
    private static final int S = Math.max(BatchNormOps.PARTS, W);
    /**
     * A float vector's halves swapped ({@link Lanes#SWAP_HALVES}), and its upper half. The second half widens
     * as the swapped vector's first and narrows back into the upper half by a blend: one permute each, where
     * {@code convertShape}'s parts 1 and -1 slice (batch norm's backward about 30% slower).
     */
    private static final VectorShuffle<Float> SWAP = Lanes.SWAP_HALVES;
    private static final VectorMask<Float> HIGH = VectorMask.fromLong(F, -1L << DL);
    /**
     * The ReLU's test in double: {@code (float) y} has bits {@code <= 0} (+0, a negative value or a negative
     * NaN) exactly when y's bits are at most those of 2^-150, the largest double that rounds to +0 (a tie,
     * to even); positive doubles' bits grow with their value. No narrowing, no halves to join.
     */
    private static final long TO_ZERO = Double.doubleToRawLongBits(0x1p-150);

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

    /** {@code part[q % 8] += x[off + q]} for q < len, q increasing. */
    static void sum8(float[] x, int off, int len, double[] part) {
        Warm.ensure();
        DoubleVector s0 = DoubleVector.fromArray(D, part, 0), s1 = V > 1 ? DoubleVector.fromArray(D, part, DL) : s0;
        DoubleVector s2 = V > 2 ? DoubleVector.fromArray(D, part, 2 * DL) : s0, s3 = V > 2 ? DoubleVector.fromArray(D, part, 3 * DL) : s0;
        int q = 0;
        for (; q + S <= len; q += S) {
            int p = off + q;
            FloatVector a = FloatVector.fromArray(F, x, p);
            DoubleVector a0 = (DoubleVector) a.convertShape(VectorOperators.F2D, D, 0), a1 = (DoubleVector) a.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0);
            if (V == 1) {
                s0 = s0.add(a0).add(a1);
            } else {
                s0 = s0.add(a0);
                s1 = s1.add(a1);
            }
            if (V > 2) {
                FloatVector b = FloatVector.fromArray(F, x, p + W);
                s2 = s2.add((DoubleVector) b.convertShape(VectorOperators.F2D, D, 0));
                s3 = s3.add((DoubleVector) b.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
            }
        }
        s0.intoArray(part, 0);
        if (V > 1) {
            s1.intoArray(part, DL);
        }
        if (V > 2) {
            s2.intoArray(part, 2 * DL);
            s3.intoArray(part, 3 * DL);
        }
        for (; q < len; q++) {
            part[q % 8] += x[off + q];
        }
    }

    /** {@code part[q % 8] += (x[off + q] - mu)^2} for q < len, q increasing. */
    static void sumSquaredDeviations8(float[] x, int off, int len, double mu, double[] part) {
        Warm.ensure();
        DoubleVector s0 = DoubleVector.fromArray(D, part, 0), s1 = V > 1 ? DoubleVector.fromArray(D, part, DL) : s0;
        DoubleVector s2 = V > 2 ? DoubleVector.fromArray(D, part, 2 * DL) : s0, s3 = V > 2 ? DoubleVector.fromArray(D, part, 3 * DL) : s0;
        int q = 0;
        for (; q + S <= len; q += S) {
            int p = off + q;
            FloatVector a = FloatVector.fromArray(F, x, p);
            DoubleVector d0 = ((DoubleVector) a.convertShape(VectorOperators.F2D, D, 0)).sub(mu);
            DoubleVector d1 = ((DoubleVector) a.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
            if (V == 1) {
                s0 = s0.add(d0.mul(d0)).add(d1.mul(d1));
            } else {
                s0 = s0.add(d0.mul(d0));
                s1 = s1.add(d1.mul(d1));
            }
            if (V > 2) {
                FloatVector b = FloatVector.fromArray(F, x, p + W);
                DoubleVector d2 = ((DoubleVector) b.convertShape(VectorOperators.F2D, D, 0)).sub(mu);
                DoubleVector d3 = ((DoubleVector) b.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
                s2 = s2.add(d2.mul(d2));
                s3 = s3.add(d3.mul(d3));
            }
        }
        s0.intoArray(part, 0);
        if (V > 1) {
            s1.intoArray(part, DL);
        }
        if (V > 2) {
            s2.intoArray(part, 2 * DL);
            s3.intoArray(part, 3 * DL);
        }
        for (; q < len; q++) {
            double d = x[off + q] - mu;
            part[q % 8] += d * d;
        }
    }

    /**
     * {@code dy[q % 8] += g_q}, {@code dyx[q % 8] += g_q * xhat_q}, q increasing ({@link BatchNormOps#sumDyAndDyXhat8}):
     * g_q is dout's float, widened, through a ReLU ({@code relu}) +0 where {@code y = xhat * gamma + beta}
     * rounded to float (the forward's value) has bits {@code <= 0} ({@link BatchNormOps#dy}).
     */
    static void sumDyAndDyXhat8(float[] dout, boolean relu, float[] x, int off, int len, double mu, double is,
                                double gamma, double beta, double[] dy, double[] dyx) {
        Warm.ensure();
        DoubleVector s0 = DoubleVector.fromArray(D, dy, 0), s1 = V > 1 ? DoubleVector.fromArray(D, dy, DL) : s0;
        DoubleVector s2 = V > 2 ? DoubleVector.fromArray(D, dy, 2 * DL) : s0, s3 = V > 2 ? DoubleVector.fromArray(D, dy, 3 * DL) : s0;
        DoubleVector t0 = DoubleVector.fromArray(D, dyx, 0), t1 = V > 1 ? DoubleVector.fromArray(D, dyx, DL) : t0;
        DoubleVector t2 = V > 2 ? DoubleVector.fromArray(D, dyx, 2 * DL) : t0, t3 = V > 2 ? DoubleVector.fromArray(D, dyx, 3 * DL) : t0;
        int q = 0;
        for (; q + S <= len; q += S) {
            int p = off + q;
            FloatVector a = FloatVector.fromArray(F, x, p);
            DoubleVector h0 = ((DoubleVector) a.convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is);
            DoubleVector h1 = ((DoubleVector) a.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is);
            FloatVector f = FloatVector.fromArray(F, dout, p);
            DoubleVector g0 = (DoubleVector) f.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector g1 = (DoubleVector) f.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0);
            if (relu) {
                g0 = g0.blend(0.0, h0.mul(gamma).add(beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                g1 = g1.blend(0.0, h1.mul(gamma).add(beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
            }
            if (V == 1) {
                s0 = s0.add(g0).add(g1);
                t0 = t0.add(g0.mul(h0)).add(g1.mul(h1));
            } else {
                s0 = s0.add(g0);
                t0 = t0.add(g0.mul(h0));
                s1 = s1.add(g1);
                t1 = t1.add(g1.mul(h1));
            }
            if (V > 2) {
                FloatVector b = FloatVector.fromArray(F, x, p + W);
                DoubleVector h2 = ((DoubleVector) b.convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is);
                DoubleVector h3 = ((DoubleVector) b.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is);
                FloatVector e = FloatVector.fromArray(F, dout, p + W);
                DoubleVector g2 = (DoubleVector) e.convertShape(VectorOperators.F2D, D, 0);
                DoubleVector g3 = (DoubleVector) e.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0);
                if (relu) {
                    g2 = g2.blend(0.0, h2.mul(gamma).add(beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                    g3 = g3.blend(0.0, h3.mul(gamma).add(beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                }
                s2 = s2.add(g2);
                t2 = t2.add(g2.mul(h2));
                s3 = s3.add(g3);
                t3 = t3.add(g3.mul(h3));
            }
        }
        s0.intoArray(dy, 0);
        if (V > 1) {
            s1.intoArray(dy, DL);
        }
        if (V > 2) {
            s2.intoArray(dy, 2 * DL);
            s3.intoArray(dy, 3 * DL);
        }
        t0.intoArray(dyx, 0);
        if (V > 1) {
            t1.intoArray(dyx, DL);
        }
        if (V > 2) {
            t2.intoArray(dyx, 2 * DL);
            t3.intoArray(dyx, 3 * DL);
        }
        for (; q < len; q++) {
            double h = (x[off + q] - mu) * is, g = BatchNormOps.dy(dout[off + q], relu, h, gamma, beta);
            dy[q % 8] += g;
            dyx[q % 8] += g * h;
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
            for (; p + W <= to; p += W) {
                FloatVector a = FloatVector.fromArray(F, inp, p);
                DoubleVector y0 = ((DoubleVector) a.convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is).mul(g).add(be);
                DoubleVector y1 = ((DoubleVector) a.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is).mul(g).add(be);
                FloatVector y = ((FloatVector) y0.convertShape(VectorOperators.D2F, F, 0))
                        .blend(((FloatVector) y1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH);
                y.max(0f).intoArray(out, p);
            }
        } else {
            for (; p + W <= to; p += W) {
                FloatVector a = FloatVector.fromArray(F, inp, p);
                DoubleVector y0 = ((DoubleVector) a.convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is).mul(g).add(be);
                DoubleVector y1 = ((DoubleVector) a.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is).mul(g).add(be);
                FloatVector y = ((FloatVector) y0.convertShape(VectorOperators.D2F, F, 0))
                        .blend(((FloatVector) y1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH);
                y.intoArray(out, p);
            }
        }
        for (; p < to; p++) {
            float y = (float) (g * ((inp[p] - mu) * is) + be);
            out[p] = relu ? Math.max(y, 0f) : y;
        }
    }

    /** {@code dinp[p] = (float) (k * (g_p - meanDy - xhat_p * meanDyx))}, g as in {@link #sumDyAndDyXhat8}, for p in [from, to). */
    static void inputGradient(float[] dinp, float[] dout, boolean relu, float[] inp, int from, int to, double k, double meanDy,
                              double mu, double is, double gamma, double beta, double meanDyx) {
        Warm.ensure();
        int p = from;
        for (; p + W <= to; p += W) {
            FloatVector a = FloatVector.fromArray(F, inp, p);
            DoubleVector h0 = ((DoubleVector) a.convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is);
            DoubleVector h1 = ((DoubleVector) a.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(is);
            FloatVector f = FloatVector.fromArray(F, dout, p);
            DoubleVector g0 = (DoubleVector) f.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector g1 = (DoubleVector) f.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0);
            if (relu) {
                g0 = g0.blend(0.0, h0.mul(gamma).add(beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                g1 = g1.blend(0.0, h1.mul(gamma).add(beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
            }
            DoubleVector d0 = g0.sub(meanDy).sub(h0.mul(meanDyx)).mul(k);
            DoubleVector d1 = g1.sub(meanDy).sub(h1.mul(meanDyx)).mul(k);
            ((FloatVector) d0.convertShape(VectorOperators.D2F, F, 0))
                    .blend(((FloatVector) d1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH).intoArray(dinp, p);
        }
        for (; p < to; p++) {
            double h = (inp[p] - mu) * is;
            dinp[p] = (float) (k * (BatchNormOps.dy(dout[p], relu, h, gamma, beta) - meanDy - h * meanDyx));
        }
    }
}
