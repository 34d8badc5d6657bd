package org.sparkcnn.engine.ops;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twins of {@link BatchNormOps}' loops, in double as they are. A sum's 16 partials are
 * {@code V = 16 / DL} double vectors (two at 512 bits, four at 256, eight at 128): lane l of vector v is
 * partial {@code v*DL + l}, and cell q still adds to partial {@code q mod 16}, in increasing q. The
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
    /** Vectors per 16 partials: 2, 4 or 8 (one, two or four float vectors a step). */
    private static final int V = BatchNormOps.PARTS / DL;
    /** Floats per step of the sums: the 16 partials' worth. */
    private static final int S = BatchNormOps.PARTS;
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
                    () -> sum16(x, 0, 61, p),
                    () -> sumSquaredDeviations16(x, 0, 61, 0.5, p),
                    () -> {
                        sumDyAndDyDev16(y, false, x, 0, 61, 0.5, 2, 0, p, q);
                        sumDyAndDyDev16(y, true, x, 0, 61, 0.5, 2, 0, p, q);
                    },
                    () -> {
                        normalize(y, false, x, 0, 61, 0.5, 2, 0);
                        normalize(r, true, x, 0, 61, 0.5, 2, 0);
                    },
                    () -> {
                        double[] mu = new double[2 * W], a = new double[2 * W], be = new double[2 * W];
                        normalizeRows(y, false, x, 0, 2, 2 * W, mu, a, be);
                        normalizeRows(r, true, x, 0, 2, 2 * W, mu, a, be);
                    },
                    () -> {
                        normalizeAdd(y, false, x, r, 0, 61, 0.5, 2, 0);
                        normalizeAdd(y, true, x, r, 0, 61, 0.5, 2, 0);
                    },
                    () -> {
                        double[] mu = new double[2 * W], a = new double[2 * W], be = new double[2 * W];
                        normalizeRowsAdd(y, false, x, r, 0, 2, 2 * W, mu, a, be);
                        normalizeRowsAdd(y, true, x, r, 0, 2, 2 * W, mu, a, be);
                    },
                    () -> {
                        inputGradient(r, y, false, x, 0, 61, 0.5, 2, 0, 1, 0);
                        inputGradient(r, y, true, x, 0, 61, 0.5, 2, 0, 1, 0);
                    }), 1_000_000_000L);
        }

        static void ensure() {
        }
    }

    /** {@code part[q % 16] += x[off + q]} for q < len, q increasing ({@link BatchNormOps#sum16}). */
    static void sum16(float[] x, int off, int len, double[] part) {
        Warm.ensure();
        DoubleVector s0 = DoubleVector.fromArray(D, part, 0), s1 = DoubleVector.fromArray(D, part, DL);
        DoubleVector s2 = V > 2 ? DoubleVector.fromArray(D, part, 2 * DL) : s0, s3 = V > 2 ? DoubleVector.fromArray(D, part, 3 * DL) : s0;
        DoubleVector s4 = V > 4 ? DoubleVector.fromArray(D, part, 4 * DL) : s0, s5 = V > 4 ? DoubleVector.fromArray(D, part, 5 * DL) : s0;
        DoubleVector s6 = V > 4 ? DoubleVector.fromArray(D, part, 6 * DL) : s0, s7 = V > 4 ? DoubleVector.fromArray(D, part, 7 * DL) : s0;
        int q = 0;
        for (; q + S <= len; q += S) {
            int p = off + q;
            FloatVector a0 = FloatVector.fromArray(F, x, p);
            s0 = s0.add((DoubleVector) a0.convertShape(VectorOperators.F2D, D, 0));
            s1 = s1.add((DoubleVector) a0.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
            if (V > 2) {
                FloatVector a1 = FloatVector.fromArray(F, x, p + W);
                s2 = s2.add((DoubleVector) a1.convertShape(VectorOperators.F2D, D, 0));
                s3 = s3.add((DoubleVector) a1.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
            }
            if (V > 4) {
                FloatVector a2 = FloatVector.fromArray(F, x, p + 2 * W);
                s4 = s4.add((DoubleVector) a2.convertShape(VectorOperators.F2D, D, 0));
                s5 = s5.add((DoubleVector) a2.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
                FloatVector a3 = FloatVector.fromArray(F, x, p + 3 * W);
                s6 = s6.add((DoubleVector) a3.convertShape(VectorOperators.F2D, D, 0));
                s7 = s7.add((DoubleVector) a3.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
            }
        }
        s0.intoArray(part, 0);
        s1.intoArray(part, DL);
        if (V > 2) {
            s2.intoArray(part, 2 * DL);
            s3.intoArray(part, 3 * DL);
        }
        if (V > 4) {
            s4.intoArray(part, 4 * DL);
            s5.intoArray(part, 5 * DL);
            s6.intoArray(part, 6 * DL);
            s7.intoArray(part, 7 * DL);
        }
        for (; q < len; q++) {
            part[q & 15] += x[off + q];
        }
    }

    /** {@code part[q % 16] = fma(d, d, part[q % 16])}, {@code d = x[off + q] - mu}, q increasing ({@link BatchNormOps#sumSquaredDeviations16}). */
    static void sumSquaredDeviations16(float[] x, int off, int len, double mu, double[] part) {
        Warm.ensure();
        DoubleVector s0 = DoubleVector.fromArray(D, part, 0), s1 = DoubleVector.fromArray(D, part, DL);
        DoubleVector s2 = V > 2 ? DoubleVector.fromArray(D, part, 2 * DL) : s0, s3 = V > 2 ? DoubleVector.fromArray(D, part, 3 * DL) : s0;
        DoubleVector s4 = V > 4 ? DoubleVector.fromArray(D, part, 4 * DL) : s0, s5 = V > 4 ? DoubleVector.fromArray(D, part, 5 * DL) : s0;
        DoubleVector s6 = V > 4 ? DoubleVector.fromArray(D, part, 6 * DL) : s0, s7 = V > 4 ? DoubleVector.fromArray(D, part, 7 * DL) : s0;
        int q = 0;
        for (; q + S <= len; q += S) {
            int p = off + q;
            FloatVector a0 = FloatVector.fromArray(F, x, p);
            DoubleVector d0 = ((DoubleVector) a0.convertShape(VectorOperators.F2D, D, 0)).sub(mu), d1 = ((DoubleVector) a0.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
            s0 = d0.fma(d0, s0);
            s1 = d1.fma(d1, s1);
            if (V > 2) {
                FloatVector a1 = FloatVector.fromArray(F, x, p + W);
                DoubleVector d2 = ((DoubleVector) a1.convertShape(VectorOperators.F2D, D, 0)).sub(mu), d3 = ((DoubleVector) a1.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
                s2 = d2.fma(d2, s2);
                s3 = d3.fma(d3, s3);
            }
            if (V > 4) {
                FloatVector a2 = FloatVector.fromArray(F, x, p + 2 * W);
                DoubleVector d4 = ((DoubleVector) a2.convertShape(VectorOperators.F2D, D, 0)).sub(mu), d5 = ((DoubleVector) a2.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
                s4 = d4.fma(d4, s4);
                s5 = d5.fma(d5, s5);
                FloatVector a3 = FloatVector.fromArray(F, x, p + 3 * W);
                DoubleVector d6 = ((DoubleVector) a3.convertShape(VectorOperators.F2D, D, 0)).sub(mu), d7 = ((DoubleVector) a3.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
                s6 = d6.fma(d6, s6);
                s7 = d7.fma(d7, s7);
            }
        }
        s0.intoArray(part, 0);
        s1.intoArray(part, DL);
        if (V > 2) {
            s2.intoArray(part, 2 * DL);
            s3.intoArray(part, 3 * DL);
        }
        if (V > 4) {
            s4.intoArray(part, 4 * DL);
            s5.intoArray(part, 5 * DL);
            s6.intoArray(part, 6 * DL);
            s7.intoArray(part, 7 * DL);
        }
        for (; q < len; q++) {
            double d = x[off + q] - mu;
            part[q & 15] = Math.fma(d, d, part[q & 15]);
        }
    }

    /**
     * {@code dy[q % 16] += g_q}, {@code dyd[q % 16] = fma(g_q, d_q, dyd[q % 16])}, q increasing ({@link BatchNormOps#sumDyAndDyDev16}):
     * g_q is dout's float, widened, through a ReLU ({@code relu}) +0 where {@code y = fma(d_q, a, beta)}
     * rounded to float (the forward's value) has bits {@code <= 0} ({@link BatchNormOps#dy}).
     */
    static void sumDyAndDyDev16(float[] dout, boolean relu, float[] x, int off, int len, double mu, double a, double beta,
                                double[] dy, double[] dyd) {
        Warm.ensure();
        DoubleVector s0 = DoubleVector.fromArray(D, dy, 0), s1 = DoubleVector.fromArray(D, dy, DL);
        DoubleVector s2 = V > 2 ? DoubleVector.fromArray(D, dy, 2 * DL) : s0, s3 = V > 2 ? DoubleVector.fromArray(D, dy, 3 * DL) : s0;
        DoubleVector s4 = V > 4 ? DoubleVector.fromArray(D, dy, 4 * DL) : s0, s5 = V > 4 ? DoubleVector.fromArray(D, dy, 5 * DL) : s0;
        DoubleVector s6 = V > 4 ? DoubleVector.fromArray(D, dy, 6 * DL) : s0, s7 = V > 4 ? DoubleVector.fromArray(D, dy, 7 * DL) : s0;
        DoubleVector t0 = DoubleVector.fromArray(D, dyd, 0), t1 = DoubleVector.fromArray(D, dyd, DL);
        DoubleVector t2 = V > 2 ? DoubleVector.fromArray(D, dyd, 2 * DL) : t0, t3 = V > 2 ? DoubleVector.fromArray(D, dyd, 3 * DL) : t0;
        DoubleVector t4 = V > 4 ? DoubleVector.fromArray(D, dyd, 4 * DL) : t0, t5 = V > 4 ? DoubleVector.fromArray(D, dyd, 5 * DL) : t0;
        DoubleVector t6 = V > 4 ? DoubleVector.fromArray(D, dyd, 6 * DL) : t0, t7 = V > 4 ? DoubleVector.fromArray(D, dyd, 7 * DL) : t0;
        int q = 0;
        for (; q + S <= len; q += S) {
            int p = off + q;
            FloatVector a0 = FloatVector.fromArray(F, x, p), f0 = FloatVector.fromArray(F, dout, p);
            DoubleVector d0 = ((DoubleVector) a0.convertShape(VectorOperators.F2D, D, 0)).sub(mu), d1 = ((DoubleVector) a0.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
            DoubleVector g0 = ((DoubleVector) f0.convertShape(VectorOperators.F2D, D, 0)), g1 = ((DoubleVector) f0.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
            if (relu) {
                g0 = g0.blend(0.0, d0.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                g1 = g1.blend(0.0, d1.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
            }
            s0 = s0.add(g0);
            s1 = s1.add(g1);
            t0 = g0.fma(d0, t0);
            t1 = g1.fma(d1, t1);
            if (V > 2) {
                FloatVector a1 = FloatVector.fromArray(F, x, p + W), f1 = FloatVector.fromArray(F, dout, p + W);
                DoubleVector d2 = ((DoubleVector) a1.convertShape(VectorOperators.F2D, D, 0)).sub(mu), d3 = ((DoubleVector) a1.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
                DoubleVector g2 = ((DoubleVector) f1.convertShape(VectorOperators.F2D, D, 0)), g3 = ((DoubleVector) f1.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
                if (relu) {
                    g2 = g2.blend(0.0, d2.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                    g3 = g3.blend(0.0, d3.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                }
                s2 = s2.add(g2);
                s3 = s3.add(g3);
                t2 = g2.fma(d2, t2);
                t3 = g3.fma(d3, t3);
            }
            if (V > 4) {
                FloatVector a2 = FloatVector.fromArray(F, x, p + 2 * W), f2 = FloatVector.fromArray(F, dout, p + 2 * W);
                DoubleVector d4 = ((DoubleVector) a2.convertShape(VectorOperators.F2D, D, 0)).sub(mu), d5 = ((DoubleVector) a2.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
                DoubleVector g4 = ((DoubleVector) f2.convertShape(VectorOperators.F2D, D, 0)), g5 = ((DoubleVector) f2.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
                if (relu) {
                    g4 = g4.blend(0.0, d4.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                    g5 = g5.blend(0.0, d5.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                }
                s4 = s4.add(g4);
                s5 = s5.add(g5);
                t4 = g4.fma(d4, t4);
                t5 = g5.fma(d5, t5);
                FloatVector a3 = FloatVector.fromArray(F, x, p + 3 * W), f3 = FloatVector.fromArray(F, dout, p + 3 * W);
                DoubleVector d6 = ((DoubleVector) a3.convertShape(VectorOperators.F2D, D, 0)).sub(mu), d7 = ((DoubleVector) a3.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
                DoubleVector g6 = ((DoubleVector) f3.convertShape(VectorOperators.F2D, D, 0)), g7 = ((DoubleVector) f3.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
                if (relu) {
                    g6 = g6.blend(0.0, d6.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                    g7 = g7.blend(0.0, d7.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                }
                s6 = s6.add(g6);
                s7 = s7.add(g7);
                t6 = g6.fma(d6, t6);
                t7 = g7.fma(d7, t7);
            }
        }
        s0.intoArray(dy, 0);
        s1.intoArray(dy, DL);
        if (V > 2) {
            s2.intoArray(dy, 2 * DL);
            s3.intoArray(dy, 3 * DL);
        }
        if (V > 4) {
            s4.intoArray(dy, 4 * DL);
            s5.intoArray(dy, 5 * DL);
            s6.intoArray(dy, 6 * DL);
            s7.intoArray(dy, 7 * DL);
        }
        t0.intoArray(dyd, 0);
        t1.intoArray(dyd, DL);
        if (V > 2) {
            t2.intoArray(dyd, 2 * DL);
            t3.intoArray(dyd, 3 * DL);
        }
        if (V > 4) {
            t4.intoArray(dyd, 4 * DL);
            t5.intoArray(dyd, 5 * DL);
            t6.intoArray(dyd, 6 * DL);
            t7.intoArray(dyd, 7 * DL);
        }
        for (; q < len; q++) {
            double d = x[off + q] - mu, g = BatchNormOps.dy(dout[off + q], relu, d, a, beta);
            dy[q & 15] += g;
            dyd[q & 15] = Math.fma(g, d, dyd[q & 15]);
        }
    }

    /**
     * {@code y = (float) fma(inp[p] - mu, a, be)} into {@code out[p]}, or {@code max(y, 0)} if {@code relu}, p in
     * [from, to). One loop per case: a vector stored under a condition ran as objects (ten times slower).
     */
    static void normalize(float[] out, boolean relu, float[] inp, int from, int to, double mu, double a, double be) {
        Warm.ensure();
        int p = from;
        if (relu) {
            for (; p + W <= to; p += W) {
                FloatVector x = FloatVector.fromArray(F, inp, p);
                DoubleVector y0 = ((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).sub(mu).fma(a, be);
                DoubleVector y1 = ((DoubleVector) x.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu).fma(a, be);
                FloatVector y = ((FloatVector) y0.convertShape(VectorOperators.D2F, F, 0))
                        .blend(((FloatVector) y1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH);
                y.max(0f).intoArray(out, p);
            }
        } else {
            for (; p + W <= to; p += W) {
                FloatVector x = FloatVector.fromArray(F, inp, p);
                DoubleVector y0 = ((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).sub(mu).fma(a, be);
                DoubleVector y1 = ((DoubleVector) x.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu).fma(a, be);
                FloatVector y = ((FloatVector) y0.convertShape(VectorOperators.D2F, F, 0))
                        .blend(((FloatVector) y1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH);
                y.intoArray(out, p);
            }
        }
        for (; p < to; p++) {
            float y = (float) Math.fma(inp[p] - mu, a, be);
            out[p] = relu ? Math.max(y, 0f) : y;
        }
    }

    /**
     * {@link #normalize} on rows of C channels (channels-last): {@code out[q*C + ch] = (float) fma(inp[q*C + ch] - mu[ch],
     * a[ch], be[ch])} ({@code max(y, 0)} if {@code relu}) for rows {@code q0 <= q < q1}; C whole vectors. The same
     * double operations per float as {@link #normalize}, each lane with its channel's constants.
     */
    static void normalizeRows(float[] out, boolean relu, float[] inp, int q0, int q1, int c, double[] mu, double[] a,
                              double[] be) {
        Warm.ensure();
        for (int ch = 0; ch < c; ch += W) {  // a vector of channels at a time, down the rows: its constants loaded once
            DoubleVector mu0 = DoubleVector.fromArray(D, mu, ch), mu1 = DoubleVector.fromArray(D, mu, ch + DL);
            DoubleVector a0 = DoubleVector.fromArray(D, a, ch), a1 = DoubleVector.fromArray(D, a, ch + DL);
            DoubleVector be0 = DoubleVector.fromArray(D, be, ch), be1 = DoubleVector.fromArray(D, be, ch + DL);
            for (int q = q0, p = q0 * c + ch; q < q1; q++, p += c) {
                FloatVector x = FloatVector.fromArray(F, inp, p);
                DoubleVector y0 = ((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).sub(mu0).fma(a0, be0);
                DoubleVector y1 = ((DoubleVector) x.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu1).fma(a1, be1);
                FloatVector y = ((FloatVector) y0.convertShape(VectorOperators.D2F, F, 0))
                        .blend(((FloatVector) y1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH);
                (relu ? y.max(0f) : y).intoArray(out, p);
            }
        }
    }

    /**
     * {@link #normalize} then an add: {@code out[p] = y + res[p]} in float ({@code max(y + res[p], 0)} if {@code relu}),
     * the bits of the batch norm's output added to the residual by {@link MergeOps#addForward}.
     */
    static void normalizeAdd(float[] out, boolean relu, float[] inp, float[] res, int from, int to, double mu, double a,
                             double be) {
        Warm.ensure();
        int p = from;
        if (relu) {
            for (; p + W <= to; p += W) {
                FloatVector x = FloatVector.fromArray(F, inp, p);
                DoubleVector y0 = ((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).sub(mu).fma(a, be);
                DoubleVector y1 = ((DoubleVector) x.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu).fma(a, be);
                FloatVector y = ((FloatVector) y0.convertShape(VectorOperators.D2F, F, 0))
                        .blend(((FloatVector) y1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH);
                y.add(FloatVector.fromArray(F, res, p)).max(0f).intoArray(out, p);
            }
        } else {
            for (; p + W <= to; p += W) {
                FloatVector x = FloatVector.fromArray(F, inp, p);
                DoubleVector y0 = ((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).sub(mu).fma(a, be);
                DoubleVector y1 = ((DoubleVector) x.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu).fma(a, be);
                FloatVector y = ((FloatVector) y0.convertShape(VectorOperators.D2F, F, 0))
                        .blend(((FloatVector) y1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH);
                y.add(FloatVector.fromArray(F, res, p)).intoArray(out, p);
            }
        }
        for (; p < to; p++) {
            float y = (float) Math.fma(inp[p] - mu, a, be) + res[p];
            out[p] = relu ? Math.max(y, 0f) : y;
        }
    }

    /** {@link #normalizeRows} then an add, as {@link #normalizeAdd}: {@code out[p] = y + res[p]}, rows q0 .. q1 of C channels. */
    static void normalizeRowsAdd(float[] out, boolean relu, float[] inp, float[] res, int q0, int q1, int c, double[] mu,
                                 double[] a, double[] be) {
        Warm.ensure();
        for (int ch = 0; ch < c; ch += W) {
            DoubleVector mu0 = DoubleVector.fromArray(D, mu, ch), mu1 = DoubleVector.fromArray(D, mu, ch + DL);
            DoubleVector a0 = DoubleVector.fromArray(D, a, ch), a1 = DoubleVector.fromArray(D, a, ch + DL);
            DoubleVector be0 = DoubleVector.fromArray(D, be, ch), be1 = DoubleVector.fromArray(D, be, ch + DL);
            for (int q = q0, p = q0 * c + ch; q < q1; q++, p += c) {
                FloatVector x = FloatVector.fromArray(F, inp, p);
                DoubleVector y0 = ((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).sub(mu0).fma(a0, be0);
                DoubleVector y1 = ((DoubleVector) x.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu1).fma(a1, be1);
                FloatVector y = ((FloatVector) y0.convertShape(VectorOperators.D2F, F, 0))
                        .blend(((FloatVector) y1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH)
                        .add(FloatVector.fromArray(F, res, p));
                (relu ? y.max(0f) : y).intoArray(out, p);
            }
        }
    }

    /** {@code dinp[p] = (float) fma(g_p, a, fma(d_p, xCoef, constant))}, g and d as in {@link #sumDyAndDyDev16}, for p in [from, to). */
    static void inputGradient(float[] dinp, float[] dout, boolean relu, float[] inp, int from, int to, double mu, double a,
                              double beta, double xCoef, double constant) {
        Warm.ensure();
        DoubleVector scale = DoubleVector.broadcast(D, a);
        int p = from;
        for (; p + W <= to; p += W) {
            FloatVector x = FloatVector.fromArray(F, inp, p), f = FloatVector.fromArray(F, dout, p);
            DoubleVector d0 = ((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).sub(mu), d1 = ((DoubleVector) x.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0)).sub(mu);
            DoubleVector g0 = ((DoubleVector) f.convertShape(VectorOperators.F2D, D, 0)), g1 = ((DoubleVector) f.rearrange(SWAP).convertShape(VectorOperators.F2D, D, 0));
            if (relu) {
                g0 = g0.blend(0.0, d0.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
                g1 = g1.blend(0.0, d1.fma(a, beta).reinterpretAsLongs().compare(VectorOperators.LE, TO_ZERO).cast(D));
            }
            DoubleVector r0 = g0.fma(scale, d0.fma(xCoef, constant)), r1 = g1.fma(scale, d1.fma(xCoef, constant));
            ((FloatVector) r0.convertShape(VectorOperators.D2F, F, 0))
                    .blend(((FloatVector) r1.convertShape(VectorOperators.D2F, F, 0)).rearrange(SWAP), HIGH).intoArray(dinp, p);
        }
        for (; p < to; p++) {
            double d = inp[p] - mu;
            dinp[p] = (float) Math.fma(BatchNormOps.dy(dout[p], relu, d, a, beta), a, Math.fma(d, xCoef, constant));
        }
    }
}
