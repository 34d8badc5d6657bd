package org.sparkcnn.engine.ops;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.layers.Pass;

/**
 * Runs every kernel on fixed random shapes (a seeded stream) and hashes the bits of every result: the
 * products in both orders with every tile, convolutions and dense layers forward and backward, 2x2 max
 * pooling by both its kernels, and one training step of each shipped model. Run in JVMs of different vector widths
 * ({@code -Dsparkcnn.vectorBits}, {@code -Dsparkcnn.noVector}), the hashes must agree. Within one JVM
 * the tiles are checked against each other here. {@code main} prints {@code lanes=N} and
 * {@code digest=HEX}.
 */
public final class KernelDigest {

    private final MessageDigest sha;
    private final SplittableRandom rng = new SplittableRandom(2026);

    private KernelDigest() throws NoSuchAlgorithmException {
        sha = MessageDigest.getInstance("SHA-256");
    }

    public static void main(String[] args) throws Exception {
        System.out.println("lanes=" + VectorSupport.lanes());
        System.out.println("digest=" + digest());
    }

    /** The hash of every kernel result on the fixed shapes. */
    public static String digest() throws Exception {
        KernelDigest d = new KernelDigest();
        d.products();
        d.convolutions();
        d.frameProducts();
        d.denseLayers();
        d.pooling();
        d.models();
        return HexFormat.of().formatHex(d.sha.digest());
    }

    private void add(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length);
        for (float v : values) {
            buf.putInt(Float.floatToRawIntBits(v));
        }
        sha.update(buf.array());
    }

    private void add(int[] values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length);
        for (int v : values) {
            buf.putInt(v);
        }
        sha.update(buf.array());
    }

    private float[] random(int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** chain with every tile (the same bits, or an AssertionError naming the tile) and dot16, on odd shapes. */
    private void products() {
        for (int trial = 0; trial < 40; trial++) {
            int m = 1 + rng.nextInt(trial < 20 ? 20 : 70), n = 1 + rng.nextInt(trial < 20 ? 40 : 150);
            int k = 1 + rng.nextInt(trial % 5 == 0 ? 700 : 60);
            boolean transA = rng.nextBoolean();
            float[] a = random(m * k), b = random(k * n), c0 = random(m * n);
            int aRow = transA ? 1 : k, aCol = transA ? m : 1;
            float[] expected = c0.clone();
            Gemm.chainScalar(m, n, k, a, 0, aRow, aCol, b, 0, n, expected, 0, n);
            if (VectorSupport.AVAILABLE) {
                for (int tile = 0; tile < Gemm.TILES.length; tile++) {
                    float[] c = c0.clone();
                    Gemm.chainVector(tile, m, n, k, a, 0, aRow, aCol, b, 0, n, c, 0, n);
                    same(expected, c, "chain " + m + "x" + n + "x" + k + " tile " + Gemm.tileNames()[tile]);
                }
            }
            add(expected);
            // B's rows anywhere in a longer array (chainBRows, as a convolution's frame is read)
            int slack = rng.nextInt(50);
            float[] frame = random(k * n + slack), viaRows = c0.clone();
            int[] rows = new int[k];
            for (int kk = 0; kk < k; kk++) {
                rows[kk] = rng.nextInt(k * n + slack - n + 1);
            }
            Gemm.chainScalar(m, n, k, a, 0, aRow, aCol, null, frame, 0, 0, rows, viaRows, 0, n);
            if (VectorSupport.AVAILABLE) {
                for (int tile = 0; tile < Gemm.TILES.length; tile++) {
                    float[] c = c0.clone();
                    Gemm.chainVector(tile, m, n, k, a, 0, aRow, aCol, null, frame, 0, 0, rows, c, 0, n);
                    same(viaRows, c, "chain on rows " + m + "x" + n + "x" + k + " tile " + Gemm.tileNames()[tile]);
                }
            }
            add(viaRows);
            // A's rows anywhere along k (chainARows, a convolution's dW on its frame)
            float[] aFrame = random(m * k + slack), viaARows = c0.clone();
            int[] aRows = new int[m];
            for (int i = 0; i < m; i++) {
                aRows[i] = rng.nextInt(m * k + slack - k + 1);
            }
            Gemm.chainScalar(m, n, k, aFrame, 0, 0, 1, aRows, b, 0, n, null, viaARows, 0, n);
            if (VectorSupport.AVAILABLE) {
                for (int tile = 0; tile < Gemm.TILES.length; tile++) {
                    float[] c = c0.clone();
                    Gemm.chainVector(tile, m, n, k, aFrame, 0, 0, 1, aRows, b, 0, n, null, c, 0, n);
                    same(viaARows, c, "chain on rows of A " + m + "x" + n + "x" + k + " tile " + Gemm.tileNames()[tile]);
                }
            }
            add(viaARows);
            float[] bt = random(n * k), c = c0.clone();
            Gemm.dot16(m, n, k, a, 0, k, bt, 0, k, c, 0, n);
            add(c);
        }
    }

    private static void same(float[] expected, float[] got, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + ": entry " + i + " is " + got[i] + ", the scalar order gives " + expected[i]);
            }
        }
    }

    private void convolutions() {
        for (int trial = 0; trial < 30; trial++) {
            int n = 1 + rng.nextInt(4), c = 1 + rng.nextInt(6), o = 1 + rng.nextInt(20);
            int kh = 1 + rng.nextInt(5), kw = 1 + rng.nextInt(5), sh = 1 + rng.nextInt(2), sw = 1 + rng.nextInt(2);
            int ph = rng.nextInt(kh), pw = rng.nextInt(kw);
            if (trial % 3 == 0) {  // "same" padding at stride 1: dX as a convolution of dY
                kh = 1 + 2 * rng.nextInt(3);
                kw = 1 + 2 * rng.nextInt(3);
                sh = sw = 1;
                ph = (kh - 1) / 2;
                pw = (kw - 1) / 2;
            }
            int h = kh + rng.nextInt(12), w = kw + rng.nextInt(20);
            convolution(n, c, h, w, o, kh, kw, sh, sw, ph, pw, 1 + rng.nextInt(n), rng.nextBoolean());
        }
        // 3x3 "same" layers with whole vectors of input channels and 8 or 16 output channels: at 16 lanes
        // their dW takes vectors along the input channels (WeightsChannelsLast), elsewhere the chain
        for (int[] co : new int[][]{{16, 16}, {16, 8}, {32, 16}}) {
            int n = 1 + rng.nextInt(4);
            convolution(n, co[0], 3 + rng.nextInt(10), 3 + rng.nextInt(12), co[1], 3, 3, 1, 1, 1, 1, 1 + rng.nextInt(n),
                    rng.nextBoolean());
        }
        // layers that take frames only in inference, with outputs in pairs of vectors at every width (the ResNets'
        // 3x3 stride-2 layers, a "valid" 3x3 one), in groups with a smaller last one: each inference path pinned below
        convolution(5, 16, 16, 16, 32, 3, 3, 2, 2, 1, 1, 2, true);
        convolution(3, 32, 8, 9, 64, 3, 3, 2, 2, 1, 1, 2, false);
        convolution(3, 16, 16, 16, 32, 3, 3, 1, 1, 0, 0, 2, true);
        // "same" layers whose outputs fill pairs of vectors at every width: inference reads and writes channels-last
        convolution(3, 32, 9, 7, 32, 3, 3, 1, 1, 1, 1, 2, true);
        convolution(2, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, false);
        convolution(3, 16, 9, 8, 32, 1, 1, 2, 2, 0, 0, 2, true);  // a 1x1 stride-2 projection: no frame, rows read where they are
        convolution(2, 32, 15, 15, 64, 3, 3, 1, 1, 0, 0, 1, true);  // a "valid" 3x3 layer that takes frames: its rows are its frame
        weightsPaths();
    }

    /**
     * "Same" layers whose dW can take either path on frames (the chain along the output channels, or
     * WeightsChannelsLast over the output positions, tiles of 3 and 2 taps by 8 or 4 output channels): all run in this JVM and give the
     * same bits (or an AssertionError); the first is hashed. C, O, kh, kw, H, W.
     */
    private void weightsPaths() {
        int[][] shapes = {{32, 64, 5, 5, 14, 14}, {16, 32, 3, 3, 7, 9}, {16, 24, 3, 5, 6, 11}, {32, 16, 5, 3, 5, 4}};
        for (int[] s : shapes) {
            int c = s[0], o = s[1], kh = s[2], kw = s[3], h = s[4], w = s[5], ph = (kh - 1) / 2, pw = (kw - 1) / 2;
            int n = 1 + rng.nextInt(3), group = 1 + rng.nextInt(n), ckk = c * kh * kw, hw = h * w;
            boolean bias = rng.nextBoolean();
            float[] params = random(o * ckk + (bias ? o : 0)), x = random(n * c * h * w), dy = random(n * o * hw);
            float[] start = random(params.length), first = null;
            ConvChoices choices = ConvChoices.of("digest paths", c, h, w, o, kh, kw, 1, 1, ph, pw, group);
            for (int path = 0; path < ConvChoices.WEIGHTS_PATHS.length; path++) {
                ConvWorkspace ws = new ConvWorkspace(group, c, h, w, o, kh, kw, 1, 1, ph, pw);
                float[] grads = start.clone(), dx = new float[x.length];
                Conv2dOps.backward(dx, grads, dy, x, params, 0, bias ? o * ckk : -1, n, c, h, w, o, kh, kw, 1, 1, ph, pw,
                        group, ws, choices.withWeightsPath(path), false);
                if (first == null) {
                    first = grads;
                    add(grads);
                } else {
                    same(first, grads, "dW by either path, " + c + "x" + h + "x" + w + " to " + o + " k" + kh + "x" + kw
                            + ", " + n + " examples in groups of " + group);
                }
            }
        }
    }

    private void convolution(int n, int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, int group,
                             boolean bias) {
        int ho = Conv2dOps.outputSize(h, kh, sh, ph), wo = Conv2dOps.outputSize(w, kw, sw, pw);
        int ckk = c * kh * kw, hw = ho * wo;
        float[] params = random(o * ckk + (bias ? o : 0)), x = random(n * c * h * w), dy = random(n * o * hw);
        ConvChoices choices = ConvChoices.of("digest", c, h, w, o, kh, kw, sh, sw, ph, pw, group);
        ConvWorkspace ws = new ConvWorkspace(group, c, h, w, o, kh, kw, sh, sw, ph, pw);
        float[] y = new float[n * o * hw], grads = random(params.length), dx = new float[x.length];
        boolean cols = Conv2dOps.forward(y, x, params, 0, bias ? o * ckk : -1, n, c, h, w, o, kh, kw, sh, sw, ph, pw,
                group, ws, choices, true);
        Conv2dOps.backward(dx, grads, dy, x, params, 0, bias ? o * ckk : -1, n, c, h, w, o, kh, kw, sh, sw, ph, pw,
                group, ws, choices, cols && n <= group);  // the forward left its columns
        add(y);
        add(grads);
        add(dx);
        float[] inferred = new float[y.length];  // as inference runs it (frames for more shapes): the same bits
        Conv2dOps.forward(inferred, x, params, 0, bias ? o * ckk : -1, n, c, h, w, o, kh, kw, sh, sw, ph, pw,
                group, ws, choices, false);
        same(y, inferred, "convolution forward without a backward, " + c + "x" + h + "x" + w + " k" + kh + "x" + kw
                + " s" + sh + "x" + sw + " p" + ph + "x" + pw);
        if (choices.inferencePath() != null && choices.inferencePath() != choices.forwardPath()) {  // frames in inference only
            for (int path = 0; path < ConvChoices.FRAME_PATHS_ALL.length; path++) {
                float[] pinned = new float[y.length];
                Conv2dOps.forward(pinned, x, params, 0, bias ? o * ckk : -1, n, c, h, w, o, kh, kw, sh, sw, ph, pw,
                        group, ws, choices.withInferencePath(path), false);
                same(y, pinned, "convolution forward in inference, " + ConvChoices.FRAME_PATHS_ALL[path] + ", " + c + "x" + h
                        + "x" + w + " to " + o + " k" + kh + "x" + kw + " s" + sh + "x" + sw + " p" + ph + "x" + pw);
            }
        }
        channelsLastInference(y, x, params, n, c, h, w, o, kh, kw, sh, sw, ph, pw, group, bias, ws, choices);
        epilogs(y, x, params, n, c, h, w, o, kh, kw, sh, sw, ph, pw, group, bias, ws, choices);
    }

    /**
     * The inference forward with a batch norm run on each group's outputs ({@link BatchNormEpilog}): alone, with a ReLU,
     * with an add, and with an add and a ReLU; planes and, where the shape allows, channels-last, from either; by each inference
     * path. The floats of {@link BatchNormOps#forwardEval} and {@link MergeOps#addForward} on the convolution's output.
     */
    private void epilogs(float[] y, float[] x, float[] params, int n, int c, int h, int w, int o, int kh, int kw, int sh,
                         int sw, int ph, int pw, int group, boolean bias, ConvWorkspace ws, ConvChoices choices) {
        int hw = y.length / (n * o), ckk = c * kh * kw;
        float[] bn = random(2 * o), stats = random(2 * o), residual = random(y.length);
        for (int ch = o; ch < 2 * o; ch++) {
            stats[ch] = 0.5f + Math.abs(stats[ch]);  // running variances
        }
        BatchNormEpilog epilog = new BatchNormEpilog(o);
        epilog.constants(bn, 0, o, stats, 0, o, 1e-5);
        float[][] expected = new float[4][y.length];
        float[] normalized = new float[y.length];
        BatchNormOps.forwardEval(normalized, false, y, bn, 0, o, stats, 0, o, n, o, hw, 1e-5, new double[o], new double[o]);
        BatchNormOps.forwardEval(expected[1], true, y, bn, 0, o, stats, 0, o, n, o, hw, 1e-5, new double[o], new double[o]);
        expected[0] = normalized;
        MergeOps.addForward(expected[2], false, new float[][]{normalized, residual}, y.length);
        MergeOps.addForward(expected[3], true, new float[][]{normalized, residual}, y.length);
        boolean rowsAllowed = ChannelsLastLayout.convolution(c, h, w, o, kh, kw, sh, sw, ph, pw);
        java.util.List<ConvChoices> runs = new java.util.ArrayList<>(java.util.List.of(choices));
        for (int path = 0; choices.inferencePath() != null && path < ConvChoices.FRAME_PATHS_ALL.length; path++) {
            runs.add(choices.withInferencePath(path));
        }
        float[] xRows = channelsLast(x, n, c, h * w), residualRows = channelsLast(residual, n, o, hw);
        for (int r = 0; r < runs.size(); r++) {
            for (int io = 0; io < (rowsAllowed ? 4 : 1); io++) {  // bit 0: out channels-last, bit 1: in
                boolean outRows = (io & 1) != 0, inRows = (io & 2) != 0;
                for (int kind = 0; kind < 4; kind++) {  // 0: batch norm, 1: and ReLU, 2: and add, 3: and add and ReLU
                    epilog.then(kind >= 2 ? (outRows ? residualRows : residual) : null, kind % 2 == 1);
                    float[] got = new float[y.length];
                    java.util.Arrays.fill(got, Float.NaN);
                    Conv2dOps.forward(got, outRows, inRows ? xRows : x, inRows, params, 0, bias ? o * ckk : -1, n, c, h, w, o,
                            kh, kw, sh, sw, ph, pw, group, ws, runs.get(r), false, epilog);
                    same(outRows ? channelsLast(expected[kind], n, o, hw) : expected[kind], got, "convolution inference with "
                            + new String[]{"a batch norm", "a batch norm and ReLU", "a batch norm and add",
                                "a batch norm, add and ReLU"}[kind]
                            + (inRows ? " from" : "") + (outRows ? " to" : "") + (io > 0 ? " channels-last" : "")
                            + (r == 0 ? ", timed path" : ", path " + (r - 1)) + ", " + c + "x" + h + "x" + w + " to " + o
                            + " k" + kh + "x" + kw + " s" + sh + "x" + sw + " p" + ph + "x" + pw);
                }
            }
        }
        add(expected[3]);
    }

    /**
     * The inference forward reading and writing channels-last (N, H, W, C) where the shape allows, by each
     * inference path pinned and by the timed one: the forward's floats, moved ({@link #channelsLast}).
     */
    private static void channelsLastInference(float[] y, float[] x, float[] params, int n, int c, int h, int w, int o,
                                              int kh, int kw, int sh, int sw, int ph, int pw, int group, boolean bias,
                                              ConvWorkspace ws, ConvChoices choices) {
        if (!ChannelsLastLayout.convolution(c, h, w, o, kh, kw, sh, sw, ph, pw)) {
            return;
        }
        int hw = y.length / (n * o), ckk = c * kh * kw;
        float[] yRows = channelsLast(y, n, o, hw), xRows = channelsLast(x, n, c, h * w);
        java.util.List<ConvChoices> runs = new java.util.ArrayList<>(java.util.List.of(choices));
        for (int path = 0; choices.inferencePath() != null && path < ConvChoices.FRAME_PATHS_ALL.length; path++) {
            runs.add(choices.withInferencePath(path));
        }
        for (int r = 0; r < runs.size(); r++) {
            for (int io = 1; io < 4; io++) {  // bit 0: out channels-last, bit 1: in
                boolean outRows = (io & 1) != 0, inRows = (io & 2) != 0;
                float[] got = new float[y.length];
                java.util.Arrays.fill(got, Float.NaN);
                Conv2dOps.forward(got, outRows, inRows ? xRows : x, inRows, params, 0, bias ? o * ckk : -1, n, c, h, w, o,
                        kh, kw, sh, sw, ph, pw, group, ws, runs.get(r), false);
                same(outRows ? yRows : y, got, "convolution inference " + (inRows ? "from" : "to") + " channels-last"
                        + (inRows && outRows ? " and back" : "") + (r == 0 ? ", timed path" : ", path " + (r - 1)) + ", " + c
                        + "x" + h + "x" + w + " to " + o + " k" + kh + "x" + kw + " s" + sh + "x" + sw + " p" + ph + "x" + pw);
            }
        }
    }

    /**
     * Frame products by both paths, compared in this JVM: vectors along the frame's positions
     * ({@link ConvFrame#product}, hashed) and, where the outputs fill pairs of vectors, along the output
     * channels ({@link ProductChannelsLast}, by its tiles of 12 and of 24 accumulators: with k=3 {@link ProductChannelsLast3x3}'s,
     * with k=1 and 5 the tap table's; at stride 1 also from X without a frame); odd channel counts, 1x1 to 5x5 kernels,
     * tails of positions, strides 1 and 2 (a strided frame's phase planes turned channels-last one by one), "same"
     * padding and none. The channels-last frame must be written whole (no NaN it was filled with left).
     */
    private void frameProducts() {
        int[][] shapes = {{3, 8, 7, 9, 3, 2, 1, 1}, {16, 32, 7, 7, 3, 5, 1, 1}, {5, 16, 14, 11, 5, 1, 1, 1},
                {64, 64, 7, 7, 3, 3, 1, 1}, {7, 64, 6, 5, 1, 2, 1, 1}, {32, 32, 14, 14, 3, 4, 1, 1}, {16, 16, 28, 28, 3, 1, 1, 1},
                {16, 32, 28, 28, 3, 2, 2, 2}, {7, 16, 9, 11, 3, 3, 2, 2}, {32, 64, 14, 13, 3, 2, 2, 2}, {5, 32, 10, 7, 5, 2, 2, 1},
                {64, 64, 7, 8, 3, 2, 2, 2}, {16, 32, 12, 10, 2, 3, 2, 2, 0}, {16, 32, 16, 16, 3, 2, 1, 1, 0},
                {8, 16, 11, 12, 1, 2, 2, 2}};  // C, M, H, W, k, examples, sh, sw[, pad: else (k-1)/2]; 1x1 strided: no layer's frame, the indexing alone
        for (int[] s : shapes) {
            int c = s[0], m = s[1], h = s[2], w = s[3], k = s[4], g = s[5], sh = s[6], sw = s[7];
            int pad = s.length > 8 ? s[8] : (k - 1) / 2;
            int ckk = c * k * k;
            boolean bias = rng.nextBoolean();
            ConvFrame xf = new ConvFrame(g, c, h, w, k, k, sh, sw, pad, pad);
            int hw = xf.ho * xf.wo;
            String shape = c + "x" + h + "x" + w + " to " + m + " k" + k + " s" + sh + "x" + sw + " p" + pad + ", " + g + " examples";
            float[] x = random((g + 1) * c * h * w), f = new float[3 + xf.floats()], a = random(m * ckk + m);
            xf.fill(x, 1, f, 3);
            float[] alongPositions = new float[(g + 1) * m * hw];
            xf.product(f, 3, a, 0, ckk, bias ? m * ckk : -1, m, alongPositions, 1, new float[m * xf.positions],
                    new int[ckk], Gemm.choice("digest frame product", m, xf.positions, ckk));
            add(alongPositions);
            for (boolean wide : ProductChannelsLast.suits(m) ? new boolean[]{false, true} : new boolean[0]) {
                float[] alongChannels = new float[alongPositions.length], aT = new float[ckk * m];
                ProductChannelsLast.transposeA(a, 0, ckk, m, ckk, aT, VectorSupport.AVAILABLE ? new int[m] : null);  // by blocks, as layers do
                float[] xcl = new float[ProductChannelsLast.frameFloats(xf)];
                java.util.Arrays.fill(xcl, Float.NaN);  // every float of it written from the frame
                ProductChannelsLast.product(f, 3, xf, aT, a, bias ? m * ckk : -1, m, wide, alongChannels, false, 1, xcl,
                        new float[ProductChannelsLast.outputFloats(xf, m)], new int[Conv2dOps.paddedChannels(c)],
                        new int[ckk], new int[g * hw + ProductChannelsLast.P]);
                same(alongPositions, alongChannels, "frame product along channels by " + (wide ? 24 : 12) + " accumulators, " + shape);
                written(xcl, shape);
                float[] rowsOut = new float[alongPositions.length];  // (N, Ho, Wo, M): the same floats, rows of channels
                ProductChannelsLast.product(f, 3, xf, aT, a, bias ? m * ckk : -1, m, wide, rowsOut, true, 1, xcl,
                        new float[ProductChannelsLast.outputFloats(xf, m)], new int[Conv2dOps.paddedChannels(c)],
                        new int[ckk], new int[g * hw + ProductChannelsLast.P]);
                same(channelsLast(alongPositions, g + 1, m, hw), rowsOut, "frame product written channels-last, " + shape);
                if (Conv2dOps.paddedChannels(c) == c) {  // from X channels-last at any stride: the stride-1 frame of its rows
                    float[] fromRows = new float[alongPositions.length];
                    float[] rowsFrame = new float[c * new ConvFrame(g, c, h, w, k, k, 1, 1, pad, pad).plane];
                    java.util.Arrays.fill(rowsFrame, Float.NaN);
                    ProductChannelsLast.productOfRows(channelsLast(x, g + 1, c, h * w), xf, aT, a, bias ? m * ckk : -1, m,
                            wide, fromRows, true, 1, rowsFrame, new float[ProductChannelsLast.outputFloats(xf, m)],
                            new int[ckk], new int[g * hw + ProductChannelsLast.P]);
                    same(channelsLast(alongPositions, g + 1, m, hw), fromRows, "frame product from X channels-last, " + shape);
                    if (pad > 0) {
                        written(rowsFrame, shape + ", the frame of X's rows");
                    }
                }
                if (sh > 1 || sw > 1) {
                    continue;
                }
                float[] ofInput = new float[alongPositions.length];
                java.util.Arrays.fill(xcl, Float.NaN);  // the frame made channels-last from X, no frame between: zeros written
                ProductChannelsLast.productOfInput(x, xf, aT, a, bias ? m * ckk : -1, m, wide, ofInput, false, 1, xcl,
                        new float[ProductChannelsLast.outputFloats(xf, m)],
                        new int[Conv2dOps.paddedChannels(c)], new int[ckk], new int[g * hw + ProductChannelsLast.P]);
                same(alongPositions, ofInput, "frame product along channels from X, by " + (wide ? 24 : 12) + " accumulators, " + shape);
                written(xcl, shape + ", from X");
            }
        }
    }

    /** {@code x} (N, C, HW) as (N, HW, C), one float at a time: the reference for the channels-last layouts. */
    static float[] channelsLast(float[] x, int n, int c, int hw) {
        float[] out = new float[x.length];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < hw; p++) {
                    out[(b * hw + p) * c + ch] = x[(b * c + ch) * hw + p];
                }
            }
        }
        return out;
    }

    /** Every float of a channels-last frame written (it was filled with NaN). */
    private static void written(float[] xcl, String what) {
        for (int i = 0; i < xcl.length; i++) {
            if (Float.isNaN(xcl[i])) {
                throw new AssertionError("channels-last frame of " + what + ": float " + i + " of " + xcl.length + " not written");
            }
        }
    }

    private void denseLayers() {
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + rng.nextInt(20), in = 1 + rng.nextInt(trial % 4 == 0 ? 900 : 90), out = 1 + rng.nextInt(40);
            boolean bias = rng.nextBoolean();
            float[] params = random(out * in + (bias ? out : 0)), x = random(n * in), dy = random(n * out);
            float[] y = new float[n * out], grads = random(params.length), dx = new float[x.length];
            DenseOps.Choices choices = DenseOps.Choices.of("digest", n, in, out);
            DenseOps.forward(y, x, params, 0, bias ? out * in : -1, n, in, out);
            DenseOps.backward(dx, grads, dy, x, params, 0, bias ? out * in : -1, n, in, out, choices);
            add(y);
            add(grads);
            add(dx);
        }
    }

    /**
     * 2x2 max pooling by the scalar and the vector kernel, compared in this JVM (the same bits, or an
     * AssertionError); the scalar result is hashed. The inputs hold ties, signed zeros, infinities and
     * NaNs of both signs; one shape has fewer planes than the vector kernel's group.
     */
    private void pooling() {
        int[][] shapes = {{16, 6, 28, 28}, {16, 16, 10, 10}, {3, 5, 9, 13}, {2, 32, 14, 14}, {1, 3, 6, 6}};
        float[] special = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc00001)};
        for (int[] s : shapes) {
            int planes = s[0] * s[1], h = s[2], w = s[3], ho = h / 2, wo = w / 2;
            float[] x = random(planes * h * w);
            for (int i = 0; i < x.length; i += 7) {
                x[i] = 0f;  // ties, as after a ReLU
            }
            for (int i = 3; i < x.length; i += 97) {
                x[i] = special[(i / 97) % special.length];
            }
            float[] out = new float[planes * ho * wo];
            int[] argmax = new int[out.length];
            Pool2dOps.max2x2Scalar(out, argmax, x, 0, planes, h, w, ho, wo);
            if (VectorSupport.AVAILABLE) {
                float[] vout = new float[out.length];
                int[] vargmax = new int[out.length];
                int done = PoolVector.max2x2(vout, vargmax, x, planes, h, w, ho, wo);
                Pool2dOps.max2x2Scalar(vout, vargmax, x, done, planes, h, w, ho, wo);
                if (!java.util.Arrays.equals(out, vout) || !java.util.Arrays.equals(argmax, vargmax)) {
                    throw new AssertionError("max pooling " + java.util.Arrays.toString(s) + ": the vector kernel differs from the scalar one");
                }
            }
            add(out);
            add(argmax);
        }
    }

    /** Loss, logits and gradient of one batch of each shipped model (random inputs and labels), then its inference outputs. */
    private void models() throws Exception {
        for (String name : ModelDefinition.shippedModels()) {
            ModelDefinition def = ModelDefinition.load(name);
            int batch = 5, classes = def.outputSize();
            Network net = def.newNetwork(batch);
            float[] params = random(def.paramCount()), grads = new float[def.paramCount()];
            float[] x = random(batch * def.inputShape().size());
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = rng.nextInt(classes);
            }
            float[] buffers = def.initialBuffers();
            double loss = net.lossAndGradient(params, buffers, grads, x, labels, null, batch, batch,
                    Pass.training(7, 1, batch));
            add(new float[]{(float) loss, Float.intBitsToFloat((int) (Double.doubleToRawLongBits(loss) >>> 32))});
            add(grads);
            // inference with the running statistics just updated: channels-last between layers where vectors allow
            add(java.util.Arrays.copyOf(net.forward(params, buffers, x, batch, Pass.INFERENCE), batch * classes));
        }
    }
}
