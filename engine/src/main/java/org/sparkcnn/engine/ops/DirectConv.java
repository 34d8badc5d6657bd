package org.sparkcnn.engine.ops;

/**
 * Stride-1 convolution forward computed directly, without im2col:
 * {@code Y[o,i,j] = b[o] + sum_{c,u,v} W[o,c,u,v] * Xp[c, i+u, j+v]}, where Xp is X zero-padded by (ph, pw).
 *
 * <p>On the padded plane, of width wp, output (i, j) sits at the flat position {@code p = i*wp + j} and
 * reads Xp at {@code p + u*wp + v}. For one tap (c, u, v) the whole output plane is therefore one
 * shifted run of the input: a multiply-add over contiguous memory, which vectorizes. The positions
 * with {@code j >= wo} are computed too, and dropped.
 *
 * <p>The backward pass is the same sums as in {@link Conv2dOps}, computed the same way:
 * <ul>
 *   <li>dW, the valid cross-correlation of X with dY: {@code dW[o,k] += sum_p dYp[o,p] * Xp[taps[k] + p]},
 *       with dY laid out on the padded width (dYp, zero where {@code j >= wo});</li>
 *   <li>dX, the full convolution of dY with W rotated by 180 degrees: this class's forward, run on dY
 *       padded by (kh-1-ph, kw-1-pw), with the weights rotated and their channel axes swapped.</li>
 * </ul>
 *
 * <p>Each forward output is its bias, then one fused multiply-add per tap in (c, u, v) order. Each dW
 * entry is eight partial sums (position p goes to sum p mod 8; examples in order, fused
 * multiply-adds), added at the end as ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)). The vector kernels
 * ({@code DirectConvVector}) and the scalar ones here follow exactly these steps, so they give
 * bit-identical results on any machine. They differ from im2col + GEMM in rounding only.
 */
public final class DirectConv {

    /** Output positions per block: four vectors of up to 16 lanes. Runs are rounded up to it. */
    static final int BLOCK = 64;

    /** Partial sums per dW entry: the lanes of one 256-bit vector. */
    static final int PARTIALS = 8;

    private DirectConv() {
    }

    /** The layout of one convolution's direct computation, and its workspace sizes. */
    public record Plan(int c, int h, int w, int o, int kh, int kw, int ph, int pw) {

        int ho() {
            return h + 2 * ph - kh + 1;
        }

        int wo() {
            return w + 2 * pw - kw + 1;
        }

        int wp() {
            return w + 2 * pw;
        }

        int plane() {
            return (h + 2 * ph) * wp();
        }

        /** Flat positions computed per output channel: (ho-1)*wp + wo, rounded up to {@link #BLOCK}. */
        int run() {
            int len = (ho() - 1) * wp() + wo();
            return (len + BLOCK - 1) / BLOCK * BLOCK;
        }

        /** Floats of the padded input: every plane, plus the slack the last rounded-up run reads. */
        public int paddedSize() {
            return c * plane() + run();
        }

        /** Floats of the accumulator: two output channels' runs. */
        public int accSize() {
            return 2 * run();
        }

        /** The plan of dX = the full convolution of dY: dY padded by (kh-1-ph, kw-1-pw), to C channels. */
        Plan transposed() {
            return new Plan(o, ho(), wo(), c, kh, kw, kh - 1 - ph, kw - 1 - pw);
        }

        /** Offset of each tap (c, u, v) in the padded input: {@code c*plane + u*wp + v}. */
        public int[] tapOffsets() {
            int[] offs = new int[c * kh * kw];
            for (int ch = 0, k = 0; ch < c; ch++) {
                for (int u = 0; u < kh; u++) {
                    for (int v = 0; v < kw; v++, k++) {
                        offs[k] = ch * plane() + u * wp() + v;
                    }
                }
            }
            return offs;
        }
    }

    /** Taps (C*kh*kw) up to which the direct path beats im2col + GEMM (docs/bench/ConvBench.java). */
    static final int MAX_TAPS = 64;

    /** Whether a layer of this shape can take the direct path: stride 1, padding below the kernel. */
    private static boolean applies(int kh, int kw, int sh, int sw, int ph, int pw) {
        return sh == 1 && sw == 1 && ph < kh && pw < kw;
    }

    /**
     * Whether a layer of this shape takes the direct path. {@code -Dsparkcnn.conv=gemm|direct} forces
     * one path (for benchmarks and tests); the default, {@code auto}, takes it where it is faster: the
     * Java Vector API is present and the layer has at most {@link #MAX_TAPS} taps, as a first layer on
     * grey or RGB images does. There BLAS's inner dimension is too short to pay for im2col.
     */
    public static boolean chosen(int c, int kh, int kw, int sh, int sw, int ph, int pw) {
        if (!applies(kh, kw, sh, sw, ph, pw)) {
            return false;
        }
        String forced = System.getProperty("sparkcnn.conv", "auto");
        return switch (forced) {
            case "gemm" -> false;
            case "direct" -> true;
            case "auto" -> VectorSupport.AVAILABLE && c * kh * kw <= MAX_TAPS;
            default -> throw new IllegalArgumentException("sparkcnn.conv must be auto, gemm or direct, got '" + forced + "'");
        };
    }

    /** One replica's scratch memory for a layer's direct forward and backward. */
    public static final class Work {
        final Plan plan;
        final Plan back;
        final float[] padded;
        final float[] acc;
        final int[] taps;
        final float[] dyPadded;   // dY for dX, padded as the transposed plan reads it
        final float[] backAcc;
        final int[] backTaps;
        final float[] dyRows;     // dY of one example on the padded width, O runs, for dW
        final float[] partials;   // PARTIALS per dW entry, then per db entry
        final float[] rotated;    // W rotated by 180 degrees, as (C, O, kh, kw)

        public Work(Plan plan) {
            this.plan = plan;
            this.back = plan.transposed();
            this.padded = new float[plan.paddedSize()];
            this.acc = new float[plan.accSize()];
            this.taps = plan.tapOffsets();
            this.dyPadded = new float[back.paddedSize()];
            this.backAcc = new float[back.accSize()];
            this.backTaps = back.tapOffsets();
            this.dyRows = new float[plan.o * plan.run()];
            this.partials = new float[plan.o * (taps.length + 1) * PARTIALS];  // dW, then db
            this.rotated = new float[plan.o * taps.length];
        }
    }

    /** The forward with a layer's {@link Work}. */
    public static void forward(Work work, float[] out, float[] inp, float[] params, int wOff, int bOff, int n,
                               boolean vector) {
        forward(work.plan, out, inp, params, wOff, bOff, n, work.padded, work.acc, work.taps, vector);
    }

    /**
     * {@code out (N,O,Ho,Wo) = conv(inp (N,C,H,W), W (O,C,kh,kw)) + b}, stride 1. Weights at
     * {@code params[wOff..]}, bias at {@code params[bOff..]} ({@code bOff < 0}: none). {@code padded}
     * ({@link Plan#paddedSize()} floats) must be zero outside the image cells it is given, which stay
     * the only cells written: allocate it zeroed and pass it to this plan only. {@code acc} has
     * {@link Plan#accSize()} floats; {@code taps} is {@link Plan#tapOffsets()}.
     */
    public static void forward(Plan plan, float[] out, float[] inp, float[] params, int wOff, int bOff, int n,
                               float[] padded, float[] acc, int[] taps, boolean vector) {
        int o = plan.o, ho = plan.ho(), wo = plan.wo(), wp = plan.wp(), run = plan.run(), ckk = taps.length;
        for (int b = 0; b < n; b++) {
            pad(plan, inp, b, padded);
            for (int oc = 0; oc < o; oc += 2) {
                int oc1 = Math.min(oc + 1, o - 1);  // an odd last channel is computed twice
                float b0 = bOff >= 0 ? params[bOff + oc] : 0f, b1 = bOff >= 0 ? params[bOff + oc1] : 0f;
                int w0 = wOff + oc * ckk, w1 = wOff + oc1 * ckk;
                if (vector) {
                    DirectConvVector.twoChannels(padded, taps, params, w0, w1, b0, b1, acc, run);
                } else {
                    twoChannels(padded, taps, params, w0, w1, b0, b1, acc, run);
                }
                for (int q = 0; q < 2 && oc + q < o; q++) {
                    for (int i = 0, dst = (b * o + oc + q) * ho * wo; i < ho; i++, dst += wo) {
                        System.arraycopy(acc, q * run + i * wp, out, dst, wo);
                    }
                }
            }
        }
    }

    /** Copies example b of {@code inp} into the interior of {@code padded}; the border stays as it is (zero). */
    private static void pad(Plan plan, float[] inp, int b, float[] padded) {
        int c = plan.c, h = plan.h, w = plan.w, wp = plan.wp(), plane = plan.plane(), chw = c * h * w;
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(inp, b * chw + (ch * h + y) * w, padded, ch * plane + (y + plan.ph) * wp + plan.pw, w);
            }
        }
    }

    /**
     * Accumulates dW and db into {@code grads} (the offsets of {@code params}) and, when {@code dinp} is
     * not null, overwrites it (N,C,H,W) with dL/dX. {@code work} is this layer's (see {@link Work}).
     */
    public static void backward(Work work, float[] dinp, float[] grads, float[] dout, float[] inp, float[] params,
                                int wOff, int bOff, int n, boolean vector) {
        Plan plan = work.plan;
        int o = plan.o, ho = plan.ho(), wo = plan.wo(), wp = plan.wp(), run = plan.run();
        int ckk = work.taps.length;
        // dW and db: PARTIALS sums per entry over the examples and positions, then one fixed tree.
        java.util.Arrays.fill(work.partials, 0f);
        for (int b = 0; b < n; b++) {
            pad(plan, inp, b, work.padded);
            for (int oc = 0; oc < o; oc++) {
                for (int i = 0; i < ho; i++) {
                    System.arraycopy(dout, ((b * o + oc) * ho + i) * wo, work.dyRows, oc * run + i * wp, wo);
                }
            }
            for (int oc = 0; oc < o; oc += 2) {
                int oc1 = Math.min(oc + 1, o - 1);
                if (vector) {
                    DirectConvVector.weightPartials(work.dyRows, oc * run, oc1 * run, work.padded, work.taps, run,
                            work.partials, oc * ckk * PARTIALS, oc1 * ckk * PARTIALS);
                } else {
                    weightPartials(work.dyRows, oc * run, oc1 * run, work.padded, work.taps, run,
                            work.partials, oc * ckk * PARTIALS, oc1 * ckk * PARTIALS);
                }
            }
            if (bOff >= 0) {
                for (int oc = 0; oc < o; oc++) {
                    if (vector) {
                        DirectConvVector.sumPartials(work.dyRows, oc * run, run, work.partials, (o * ckk + oc) * PARTIALS);
                    } else {
                        sumPartials(work.dyRows, oc * run, run, work.partials, (o * ckk + oc) * PARTIALS);
                    }
                }
            }
        }
        float[] s = work.partials;
        for (int e = 0; e < o * ckk + (bOff >= 0 ? o : 0); e++) {
            int q = e * PARTIALS;
            float sum = ((s[q] + s[q + 1]) + (s[q + 2] + s[q + 3])) + ((s[q + 4] + s[q + 5]) + (s[q + 6] + s[q + 7]));
            grads[e < o * ckk ? wOff + e : bOff + e - o * ckk] += sum;
        }
        if (dinp != null) {
            // dX = full convolution of dY with W rotated: rotated[c][o][u][v] = W[o][c][kh-1-u][kw-1-v]
            int c = plan.c, kh = plan.kh, kw = plan.kw;
            for (int oc = 0; oc < o; oc++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int u = 0; u < kh; u++) {
                        for (int v = 0; v < kw; v++) {
                            work.rotated[((ch * o + oc) * kh + u) * kw + v] =
                                    params[wOff + ((oc * c + ch) * kh + kh - 1 - u) * kw + kw - 1 - v];
                        }
                    }
                }
            }
            forward(work.back, dinp, dout, work.rotated, 0, -1, n, work.dyPadded, work.backAcc, work.backTaps, vector);
        }
    }

    /**
     * For every tap k and both channels: {@code partials[at + k*PARTIALS + l] = fma(dy[d + p],
     * padded[taps[k] + p], ...)} over the positions {@code p < run} with {@code p mod PARTIALS = l}, in
     * order. An odd last channel comes as the same channel twice ({@code at0 == at1}) and counts once.
     */
    static void weightPartials(float[] dy, int d0, int d1, float[] padded, int[] taps, int run, float[] partials,
                               int at0, int at1) {
        for (int k = 0; k < taps.length; k++) {
            for (int p = 0; p < run; p++) {
                int l = k * PARTIALS + (p & (PARTIALS - 1));
                float x = padded[taps[k] + p];
                float s0 = Math.fma(dy[d0 + p], x, partials[at0 + l]);
                float s1 = Math.fma(dy[d1 + p], x, partials[at1 + l]);
                partials[at0 + l] = s0;
                if (at1 != at0) {
                    partials[at1 + l] = s1;
                }
            }
        }
    }

    /** {@code partials[at + l] += dy[from + p]} over {@code p < len} with {@code p mod PARTIALS = l}, in order. */
    static void sumPartials(float[] dy, int from, int len, float[] partials, int at) {
        for (int p = 0; p < len; p++) {
            partials[at + (p & (PARTIALS - 1))] += dy[from + p];
        }
    }

    /** acc[q*run + p] = bias_q + sum_k W_q[k] * padded[taps[k] + p], for p < run and both channels q. */
    static void twoChannels(float[] padded, int[] taps, float[] params, int w0, int w1, float b0, float b1,
                            float[] acc, int run) {
        for (int p = 0; p < run; p++) {
            float a0 = b0, a1 = b1;
            for (int k = 0; k < taps.length; k++) {
                float x = padded[taps[k] + p];
                a0 = Math.fma(params[w0 + k], x, a0);
                a1 = Math.fma(params[w1 + k], x, a1);
            }
            acc[p] = a0;
            acc[run + p] = a1;
        }
    }
}
