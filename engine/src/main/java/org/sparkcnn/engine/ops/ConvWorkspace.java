package org.sparkcnn.engine.ops;

/** A convolution layer's buffers ({@link Conv2dOps}) for groups of {@code group} examples; one per network replica. */
public final class ConvWorkspace {

    /** im2col's columns (with a row of ones under them in the backward), frames of X and dY ({@link ConvFrame}), or dcol; dW's scratch for {@link ConvFrame#fillChannelsLast}. */
    final float[] col;
    /** Y as O x g*Ho*Wo; dY^T as g*Ho*Wo x {@link Conv2dOps#paddedChannels} (chained dW) or dY as O x g*Ho*Wo; or the same on a frame's positions. */
    final float[] yt;
    /** [dW db]^T as (C*kh*kw + 1) x {@link Conv2dOps#paddedChannels}, or [dW db] as O x (C*kh*kw + 1) for dot16. */
    final float[] dw;
    /** W flipped and transposed, C x (O*kh*kw), when {@link Conv2dOps#dxByConvolution}. */
    final float[] flipped;
    /** The gather offsets of dY's channels ({@link TransposeVector}). */
    final int[] index;
    /** Where each tap's row of the im2col matrix starts in a frame, and the row of ones ({@link ConvFrame#taps}). */
    final int[] rows;
    /**
     * {@link ProductChannelsLast}'s A^T, frame channels-last (or the stride-1 frame of X's rows, or X's planes for a path on planes),
     * outputs channels-last (before them, an example's X channels-last: {@link ConvFrame#fillChannelsLast}; or a group's
     * outputs as planes), tap offsets and positions (empty when no product of the layer can take it).
     */
    final float[] aT, xcl, ycl;
    final int[] offs, bases;
    /** Whether aT holds the A of the current forward or dX (reset when each begins). */
    boolean aTReady;

    public ConvWorkspace(int group, int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw) {
        int hw = Conv2dOps.outputSize(h, kh, sh, ph) * Conv2dOps.outputSize(w, kw, sw, pw), ckk = c * kh * kw;
        int colLen = group * (ckk + 1) * hw, ytLen = group * Conv2dOps.paddedChannels(o) * hw, flippedLen = 0;
        boolean same = Conv2dOps.dxByConvolution(kh, kw, sh, sw, ph, pw), frames = ConvFrame.suits(h, w, kh, kw, sh, sw, ph, pw, false);
        if (frames) {  // frames of X, a row of ones and dY in col; Y, dY^T or dX on the frame's positions in yt
            ConvFrame xf = new ConvFrame(group, c, h, w, kh, kw, sh, sw, ph, pw);
            int q = xf.positions;
            colLen = Math.max(colLen, xf.floats() + (same ? q + Conv2dOps.dyFrame(group, h, w, o, kh, kw, ph, pw).floats() : 0));
            ytLen = Math.max(ytLen, (same ? Math.max(Math.max(c, o), Conv2dOps.paddedChannels(o)) : o) * q);
            if (WeightsChannelsLast.suits(c, o, kh, kw, sh, sw, ph, pw)) {  // the frame of X channels-last
                ytLen = Math.max(ytLen, c * xf.plane);
            }
        }
        if (Conv2dOps.columnsOnFrame(kh, kw, sh, sw)) {  // the frame im2col copies from, in yt; the frame dX gathers in, after dcol
            ytLen = Math.max(ytLen, new ConvFrame(group, c, h, w, kh, kw, sh, sw, ph, pw).floats());
            int e = Conv2dOps.dxExamples(ckk, hw, group);
            colLen = Math.max(colLen, ckk * e * hw + new ConvFrame(e, c, h, w, kh, kw, sh, sw, ph, pw).floats());
        }
        if (same) {
            flippedLen = o * ckk;
        }
        col = new float[colLen];
        yt = new float[ytLen];
        dw = new float[Conv2dOps.paddedChannels(o) * (ckk + 1)];
        flipped = new float[flippedLen];
        index = new int[Math.max(Conv2dOps.paddedChannels(o), Conv2dOps.paddedChannels(c))];
        rows = new int[frames ? Math.max(c, o) * kh * kw + 1 : 0];
        // the forward channels-last: "same" layers, and layers that take frames only in inference
        boolean forwardCl = frames && ProductChannelsLast.suits(o), inputCl = same && ProductChannelsLast.suits(c);
        int aTLen = 0, xclLen = 0, yclLen = 0;
        if (forwardCl) {
            ConvFrame xf = new ConvFrame(group, c, h, w, kh, kw, sh, sw, ph, pw);
            aTLen = o * ckk;
            xclLen = ProductChannelsLast.frameFloats(xf);
            yclLen = ProductChannelsLast.outputFloats(xf, o);
        }
        if (inputCl) {
            ConvFrame df = Conv2dOps.dyFrame(group, h, w, o, kh, kw, ph, pw);
            aTLen = Math.max(aTLen, c * o * kh * kw);
            xclLen = Math.max(xclLen, ProductChannelsLast.frameFloats(df));
            yclLen = Math.max(yclLen, ProductChannelsLast.outputFloats(df, c));
        }
        boolean rowsCl = ChannelsLastLayout.convolution(c, h, w, o, kh, kw, sh, sw, ph, pw);
        if (rowsCl) {  // inference on X's rows (ProductChannelsLast.productOfRows): the stride-1 frame of them where padded
            aTLen = Math.max(aTLen, o * ckk);
            if (ph > 0 || pw > 0) {
                xclLen = Math.max(xclLen, c * new ConvFrame(group, c, h, w, kh, kw, 1, 1, ph, pw).plane);
            }
            yclLen = Math.max(yclLen, ProductChannelsLast.outputFloats(new ConvFrame(group, c, h, w, kh, kw, sh, sw, ph, pw), o));
        }
        aT = new float[aTLen];
        xcl = new float[xclLen];
        ycl = new float[yclLen];
        offs = new int[forwardCl || inputCl || rowsCl ? Math.max(c, o) * kh * kw : 0];
        bases = new int[forwardCl || inputCl || rowsCl ? group * hw + ProductChannelsLast.P : 0];
    }
}
