package org.sparkcnn.engine.ops;

/**
 * How a convolution layer's products run ({@link Conv2dOps}): the chain products, each with its own tile choice (see {@link Gemm#chain}): the forward in
 * training and with no backward to follow ({@code inference}, the same unless only inference takes
 * frames); {@code weights} null when dW takes dot16 or only {@link WeightsChannelsLast}; for frame
 * products whose outputs fill pairs of vectors, the path ({@link ProductChannelsLast} or along positions), in training and
 * in inference (the same, or the inference frame's own for a layer that takes frames only in inference);
 * and, where dW on frames can take either, its path (the chain along output channels or {@link WeightsChannelsLast}).
 */
public record ConvChoices(KernelChoice forward, KernelChoice inference, KernelChoice weights, KernelChoice input,
                          KernelChoice forwardPath, KernelChoice inferencePath, KernelChoice inputPath, KernelChoice weightsPath) {

    /** The choices of layer {@code name} for its shape and group size. */
    public static ConvChoices of(String name, int c, int h, int w, int o, int kh, int kw, int sh, int sw,
                                 int ph, int pw, int group) {
        int hw = Conv2dOps.outputSize(h, kh, sh, ph) * Conv2dOps.outputSize(w, kw, sw, pw), ld = group * hw, ckk = c * kh * kw;
        String shape = String.format(java.util.Locale.ROOT, " (%dx%dx%d, %dx%d s%dx%d p%dx%d)", c, h, w, kh, kw, sh, sw, ph, pw);
        boolean frame = ConvFrame.suits(h, w, kh, kw, sh, sw, ph, pw, true);  // in training: "same" layers
        boolean inferenceFrame = ConvFrame.suits(h, w, kh, kw, sh, sw, ph, pw, false);
        int positions = inferenceFrame ? new ConvFrame(group, c, h, w, kh, kw, sh, sw, ph, pw).positions : 0;
        KernelChoice input = frame
                ? Gemm.choice(name + " dX = flip(W) frame(dY)" + shape, c, positions, o * kh * kw)
                : Gemm.choice(name + " dcol = W^T dY" + shape, ckk, Conv2dOps.dxExamples(ckk, hw, group) * hw, o);
        KernelChoice forward = frame ? Gemm.choice(name + " Y = W frame(X)" + shape, o, positions, ckk)
                : Gemm.choice(name + " Y = W col" + shape, o, ld, ckk);
        KernelChoice inference = inferenceFrame && !frame
                ? Gemm.choice(name + " Y = W frame(X), inference" + shape, o, positions, ckk) : forward;
        KernelChoice forwardPath = frame && ProductChannelsLast.suits(o) ? pathChoice(name + " Y = W frame(X)" + shape + ", path") : null;
        KernelChoice inferencePath = !inferenceFrame || frame ? forwardPath
                : ProductChannelsLast.suits(o) ? pathChoice(name + " Y = W frame(X), inference" + shape + ", path") : null;
        return new ConvChoices(forward, inference,
                Conv2dOps.weightsByDot16(ckk) || WeightsChannelsLast.only(c, o, kh, kw, sh, sw, ph, pw) ? null
                        : frame ? Gemm.choice(name + " [dW db]^T += [frame(X); 1] dY^T" + shape, ckk + 1, Conv2dOps.paddedChannels(o), positions)
                        : Gemm.choice(name + " [dW db]^T += [col; 1] dY^T" + shape, ckk + 1, Conv2dOps.paddedChannels(o), ld),
                input, forwardPath, inferencePath,
                frame && ProductChannelsLast.suits(c) ? pathChoice(name + " dX = flip(W) frame(dY)" + shape + ", path") : null,
                frame && WeightsChannelsLast.suits(c, o, kh, kw, sh, sw, ph, pw) && !WeightsChannelsLast.only(c, o, kh, kw, sh, sw, ph, pw)
                        ? KernelChoice.of(name + " [dW db] on frame(X)" + shape + ", path", WEIGHTS_PATHS_TIMED) : null);
    }

    /** These choices with the inference forward's path fixed on {@code index} of {@link #FRAME_PATHS_ALL} (where it has one). */
    ConvChoices withInferencePath(int index) {
        return inferencePath == null ? this : new ConvChoices(forward, inference, weights, input, forwardPath,
                KernelChoice.pinned("pinned", FRAME_PATHS_ALL, index), inputPath, weightsPath);
    }

    /** These choices with dW's path on frames fixed on {@code index} of {@link #WEIGHTS_PATHS} (where it has one). */
    ConvChoices withWeightsPath(int index) {
        return weightsPath == null ? this : new ConvChoices(forward, inference, weights, input, forwardPath, inferencePath, inputPath,
                KernelChoice.pinned("pinned", WEIGHTS_PATHS, index));
    }

    /**
     * The paths of dW on frames, which give the same bits: the chain along output channels, or {@link WeightsChannelsLast}
     * by tiles of 24 or 12 accumulators. All three can be pinned ({@link #withWeightsPath}); see {@link #timedHere}.
     */
    static final String[] WEIGHTS_PATHS = {"vectors along output channels", "vectors along input channels",
            "vectors along input channels, 12 accumulators"};

    private static final String[] WEIGHTS_PATHS_TIMED = timedHere(1, WEIGHTS_PATHS);

    /**
     * dW's path by its meaning, an index of {@link #WEIGHTS_PATHS}, for candidate {@code pick} of {@code path} (whose
     * candidates are these timed here, or all of them when pinned).
     */
    static int weightsPath(KernelChoice path, int pick) {
        String name = path.candidates().get(pick);
        int kind = java.util.Arrays.asList(WEIGHTS_PATHS).indexOf(name);
        assert kind >= 0 : "dW path '" + name + "' is none of " + java.util.Arrays.toString(WEIGHTS_PATHS);
        return kind;
    }

    /**
     * The paths a layer times at this width: every one where the tiles of 24 accumulators (candidate {@code wide})
     * may fit or spill by the CPU's register file; at 16 lanes all but the last (the tiles of 12: {@link Lanes#WIDE_TILES_ONLY});
     * with 16 registers all but {@code wide} ({@link Lanes#NARROW_TILES_ONLY}).
     */
    private static String[] timedHere(int wide, String... paths) {
        java.util.List<String> here = new java.util.ArrayList<>(java.util.Arrays.asList(paths));
        if (Lanes.WIDE_TILES_ONLY) {
            here.remove(paths.length - 1);
        } else if (Lanes.NARROW_TILES_ONLY) {
            here.remove(wide);
        }
        return here.toArray(String[]::new);
    }

    /** Vectors along the frame's positions ({@link ConvFrame#product}) or along the outputs ({@link ProductChannelsLast}). */
    private static KernelChoice pathChoice(String key) {
        return KernelChoice.of(key, FRAME_PATHS);
    }

    /** The paths of a frame product, which give the same bits: along positions, or along channels by tiles of 12 or 24 accumulators. */
    static final String[] FRAME_PATHS_ALL = {"vectors along positions", "vectors along channels",
            "vectors along channels, 24 accumulators"};

    private static final String[] FRAME_PATHS = timedHere(2, FRAME_PATHS_ALL);
}
