package org.sparkcnn.engine.ops;

/**
 * 2-D convolution over NCHW batches, as im2col + GEMM ({@link Gemm#chain}), a group of examples per product.
 *
 * <ul>
 *   <li>forward, the cross-correlation {@code Y[o,i,j] = b[o] + sum_{c,u,v} W[o,c,u,v] X[c, i*sh+u-ph, j*sw+v-pw]}:
 *       {@code col} is the (C*kh*kw) x (g*Ho*Wo) matrix whose column (b*Ho*Wo + p) is the patch output
 *       position p of example b reads (zeros for padding), and {@code Y = b + W * col}; where a frame costs
 *       little ({@link ConvFrame#suits}: "same" layers; in inference the ResNets' stride-2 3x3 layers too) that matrix is read from
 *       a zero frame of X without being written ({@link ConvFrame}), by vectors along the frame's positions or, timed
 *       per layer, along the output channels ({@link ProductChannelsLast}, which skips the frame's own positions,
 *       its frame made channels-last from X where no NCHW frame is kept: {@link ConvFrame#fillChannelsLast});</li>
 *   <li>dW, the valid cross-correlation of X with dY, and db, the sum of dY: {@code [dW db]^T += [col; 1] * dY^T},
 *       a {@link Gemm#chain} over the group's examples and positions, vectorized across the output channels
 *       (on frames for "same" layers, {@link #weightsOnFrame}); with fewer than 32 taps a position,
 *       {@code [dW db] += dY * [col; 1]^T} by {@link Gemm#dot16} ({@link #weightsByDot16}); a forward that ran
 *       on im2col leaves its columns for dW when the whole batch was one group;</li>
 *   <li>dX, the full convolution of dY (dilated by the stride) with W rotated by 180 degrees: at stride 1
 *       with "same" padding a convolution of dY with the flipped weights on a frame ({@link #dxByConvolution});
 *       otherwise {@code dcol = W^T * dY}, then col2im adds each patch entry back to the input cell it
 *       was read from, a few examples at a time ({@link #DX_BLOCK}). A cell no patch reads (stride larger
 *       than the kernel) gets 0.</li>
 * </ul>
 * These are the same sums in the order docs/ENGINE.md gives; the unfoldings only move data.
 */
public final class Conv2dOps {

    /** Largest im2col or output workspace of a layer, in floats (4 MiB), which bounds the group: 16 MiB ran resnet8 up to 2.5x slower (docs/PERFORMANCE.md). */
    static final int WORKSPACE_LIMIT = 1 << 20;

    private Conv2dOps() {
    }

    /** Output size along one axis: {@code floor((in + 2*pad - k) / stride) + 1}. */
    public static int outputSize(int in, int k, int stride, int pad) {
        return Math.floorDiv(in + 2 * pad - k, stride) + 1;
    }

    /**
     * The dX product's block, in floats of dcol (512 KiB): small enough to stay in a core's L2 between
     * the product and col2im. A whole group's dcol went through memory three times (zero, product, col2im).
     */
    static final int DX_BLOCK = 1 << 17;

    /** Examples per dX product within a group of {@code group}: as many as keep dcol within {@link #DX_BLOCK}. */
    static int dxExamples(int ckk, int hw, int group) {
        return (int) Math.max(1, Math.min(group, DX_BLOCK / Math.max(1L, (long) ckk * hw)));
    }

    /** Examples per GEMM: as many as keep the workspaces within {@link #WORKSPACE_LIMIT}, 1 to maxBatch. */
    public static int groupSize(int maxBatch, int ckk, int o, int hw) {
        long perExample = (long) Math.max(ckk + 1, o) * hw;
        return (int) Math.max(1, Math.min(maxBatch, WORKSPACE_LIMIT / Math.max(1, perExample)));
    }

    /**
     * im2col of examples b0 .. b0+g into {@code ws.col}, rows g*Ho*Wo apart. A strided layer's columns are
     * copied from a frame of its input in {@code ws.yt} ({@link ConvFrame#columns}: each output row a run of
     * a phase plane), which im2col gathers a float at a time (resnet8's stride-2 3x3 layer from 16 channels
     * at 28x28: forward 2.3 ms a batch with im2col, PERFORMANCE.md).
     */
    private static void columns(float[] inp, int b0, int g, int c, int h, int w, int kh, int kw, int sh, int sw,
                                int ph, int pw, ConvWorkspace ws) {
        int ho = outputSize(h, kh, sh, ph), wo = outputSize(w, kw, sw, pw), chw = c * h * w, ld = g * ho * wo;
        if (columnsOnFrame(kh, kw, sh, sw)) {
            ConvFrame xf = new ConvFrame(g, c, h, w, kh, kw, sh, sw, ph, pw);
            xf.fill(inp, b0, ws.yt, 0);
            xf.columns(ws.yt, 0, ws.col, ld);
            return;
        }
        for (int b = 0; b < g; b++) {
            Unfold.im2col(inp, (b0 + b) * chw, c, h, w, kh, kw, sh, sw, ph, pw, ho, wo, ws.col, b * ho * wo, ld);
        }
    }

    /** Whether {@link #columns} goes through a frame: strided layers with more than one tap. */
    static boolean columnsOnFrame(int kh, int kw, int sh, int sw) {
        return (sh > 1 || sw > 1) && kh * kw > 1;
    }

    /**
     * Whether dX is computed as a convolution ({@link #backward}): at stride 1 with "same" padding
     * (odd kernel, p = (k-1)/2), dX is the cross-correlation of dY, padded by (kh-1-ph, kw-1-pw), with W
     * flipped and transposed: a product of the forward's shape on a frame of dY ({@link ConvFrame});
     * as im2col + GEMM it ran resnet20 1.2x and small 1.1-1.4x faster than dcol + col2im. Without padding
     * it would multiply a wide frame of zeros (LeNet-5's conv2: 1.5x slower), so other shapes keep
     * dcol = W^T dY and col2im. The same shapes' forward runs on a frame too.
     */
    public static boolean dxByConvolution(int kh, int kw, int sh, int sw, int ph, int pw) {
        return sh == 1 && sw == 1 && 2 * ph == kh - 1 && 2 * pw == kw - 1;
    }

    /**
     * Columns of [dW db]^T and of dY^T: O rounded up to whole vectors, the extra columns zero, so the
     * product never copies B's last columns into a zero-padded panel at every k block (O = 6 would).
     */
    static int paddedChannels(int o) {
        int l = VectorSupport.lanes();
        return (o + l - 1) / l * l;
    }

    /**
     * {@code out (N,O,Ho,Wo) = conv(inp (N,C,H,W), W (O,C,kh,kw)) + b}. Weights at {@code params[wOff..]},
     * bias at {@code params[bOff..]} ({@code bOff < 0}: none). Examples go {@code group} at a time, in
     * {@code ws} made for this shape and group. Returns whether its {@code col} holds what {@link #backward}
     * reads of the first group afterwards: the frame of X, in training when dW takes frames but not X channels-last
     * (chosen), which it makes from X as this does (the groups run last to first, so the backward's first group needs no second
     * copy; false in inference, where the frame may have been made channels-last only), or im2col's columns, when
     * there was one group.
     * Order: each output is its bias (or +0), then one fused multiply-add per tap in (c, u, v) order.
     */
    public static boolean forward(float[] out, float[] inp, float[] params, int wOff, int bOff, int n, int c, int h, int w,
                                  int o, int kh, int kw, int sh, int sw, int ph, int pw, int group, ConvWorkspace ws,
                                  ConvChoices choices, boolean training) {
        return forward(out, false, inp, false, params, wOff, bOff, n, c, h, w, o, kh, kw, sh, sw, ph, pw, group, ws, choices, training);
    }

    /**
     * {@link #forward} with the input and output in either order: channels-last where {@code inChannelsLast} /
     * {@code outChannelsLast} (inference only, where {@link ChannelsLastLayout#convolution} holds): the same floats. A
     * path on planes turns what it reads and writes (a frame path inside its timing); a 1x1 layer reads X's rows
     * by vectors along the output channels ({@link ProductChannelsLast#unframedOfRows}), or im2col's planes.
     */
    public static boolean forward(float[] out, boolean outChannelsLast, float[] inp, boolean inChannelsLast, float[] params,
                                  int wOff, int bOff, int n, int c, int h, int w, int o, int kh, int kw,
                                  int sh, int sw, int ph, int pw, int group, ConvWorkspace ws, ConvChoices choices,
                                  boolean training) {
        return forward(out, outChannelsLast, inp, inChannelsLast, params, wOff, bOff, n, c, h, w, o, kh, kw, sh, sw, ph, pw,
                group, ws, choices, training, null);
    }

    /**
     * As above, in inference with {@code epilog} (not null) run on each group's outputs as soon as they are written: out
     * then holds the batch norm's output (or that of the add or ReLU after it), not the convolution's.
     */
    public static boolean forward(float[] out, boolean outChannelsLast, float[] inp, boolean inChannelsLast, float[] params,
                                  int wOff, int bOff, int n, int c, int h, int w, int o, int kh, int kw,
                                  int sh, int sw, int ph, int pw, int group, ConvWorkspace ws, ConvChoices choices,
                                  boolean training, BatchNormEpilog epilog) {
        if (epilog != null && training) {
            throw new IllegalArgumentException("a convolution runs a batch norm's epilog in inference only");
        }
        if ((inChannelsLast || outChannelsLast) && (training || !ChannelsLastLayout.convolution(c, h, w, o, kh, kw, sh, sw, ph, pw))) {
            throw new IllegalArgumentException("a " + kh + "x" + kw + " stride-" + sh + "x" + sw + " convolution from " + c
                    + " to " + o + " channels at " + h + "x" + w + (training ? " in training" : "")
                    + " takes no channels-last activations");
        }
        float[] col = ws.col, yt = ws.yt;
        int ho = outputSize(h, kh, sh, ph), wo = outputSize(w, kw, sw, pw);
        int ckk = c * kh * kw, hw = ho * wo;
        if (n <= 0) {
            return false;
        }
        ws.aTReady = false;
        if (ConvFrame.suits(h, w, kh, kw, sh, sw, ph, pw, training)) {
            // group 0's frame stays for dW, unless dW takes X channels-last, which it makes from X as the forward does
            boolean keep = training && weightsOnFrames(kh, kw, sh, sw, ph, pw, ckk)
                    && !weightsChannelsLast(choices, c, o, kh, kw, sh, sw, ph, pw);
            for (int b0 = (n - 1) / group * group; b0 >= 0; b0 -= group) {  // last group first
                ConvFrame xf = new ConvFrame(Math.min(group, n - b0), c, h, w, kh, kw, sh, sw, ph, pw);
                FrameProduct.run(training ? choices.forwardPath() : choices.inferencePath(), xf, inp, inChannelsLast,
                        keep && b0 == 0, col, 0, params, wOff, ckk, bOff, o, out, outChannelsLast,
                        b0, ws, training ? choices.forward() : choices.inference());
                if (epilog != null) {
                    epilog.apply(out, outChannelsLast, b0, xf.g, hw);
                }
            }
            return keep;
        }
        if (inChannelsLast) {  // a 1x1 layer on X's rows: one chain per output, as below
            ProductChannelsLast.unframedOfRows(inp, n, group, c, h, w, kh, kw, sh, sw, params, wOff, bOff, o, out, outChannelsLast,
                    ws, epilog);
            return false;
        }
        for (int b0 = 0; b0 < n; b0 += group) {
            int g = Math.min(group, n - b0), ld = g * hw;
            columns(inp, b0, g, c, h, w, kh, kw, sh, sw, ph, pw, ws);
            for (int oc = 0; oc < o; oc++) {
                java.util.Arrays.fill(yt, oc * ld, (oc + 1) * ld, bOff >= 0 ? params[bOff + oc] : 0f);
            }
            // Y (O x g*HoWo) = b + W (O x CKK) * col (CKK x g*HoWo)
            Gemm.chain(choices.forward(), o, ld, ckk, params, wOff, ckk, 1, col, 0, ld, yt, 0, ld);
            if (outChannelsLast) {  // out[((b0+b)*hw + p)*O + oc] = yt[oc*ld + b*hw + p]
                channelsLast(yt, 0, o, ld, ld, out, b0 * hw * o, o, ws.index);
            } else {
                for (int b = 0; b < g; b++) {
                    for (int oc = 0; oc < o; oc++) {
                        System.arraycopy(yt, oc * ld + b * hw, out, ((b0 + b) * o + oc) * hw, hw);
                    }
                }
            }
            if (epilog != null) {
                epilog.apply(out, outChannelsLast, b0, g, hw);
            }
        }
        return n <= group;
    }

    /** Whether dW on frames takes {@link WeightsChannelsLast}: its only path, or the one its timing chose (false while it times). */
    private static boolean weightsChannelsLast(ConvChoices choices, int c, int o, int kh, int kw, int sh, int sw, int ph, int pw) {
        KernelChoice path = choices.weightsPath();
        return path == null ? WeightsChannelsLast.only(c, o, kh, kw, sh, sw, ph, pw) : path.chosenIndex() >= 1;
    }

    /** Whether dW reads frames of X ({@link #weightsOnFrame}): "same" layers with chained dW. */
    private static boolean weightsOnFrames(int kh, int kw, int sh, int sw, int ph, int pw, int ckk) {
        return dxByConvolution(kh, kw, sh, sw, ph, pw) && !weightsByDot16(ckk);
    }

    /**
     * Accumulates dW and db into {@code grads} (same offsets as in {@code params}) and, when {@code dinp}
     * is not null, overwrites {@code dinp} (N,C,H,W) with dL/dX. Buffers as in {@link #forward};
     * {@code colsOfInp}: the workspace's {@code col} still holds what the forward left of this input's
     * first group (its {@code true}), and {@code inp} is unchanged since. Afterwards {@code col} holds neither.
     * Order: each dW and db entry continues its fma chain from its old value over the positions
     * t = b*Ho*Wo + p of the n examples in increasing t, of {@code dY[o,t] * col[k,t]} (db: {@code dY[o,t] * 1})
     * (on frames: over the frame's positions, {@link #weightsOnFrame}); with fewer than 32 taps ({@link #weightsByDot16}), per group {@code [dW db] += dot16(dY, [col; 1])}.
     * dX when {@link #dxByConvolution}: each cell {@code dX[c,y,x]} is a chain from +0 over
     * (o, u', v') in increasing order of {@code fma(W[o,c,kh-1-u',kw-1-v'], dY[o, y+u'-(kh-1-ph), x+v'-(kw-1-pw)])},
     * dY read as +0 outside its plane. Otherwise each dcol entry is a chain over o from +0, and each dX
     * cell is +0 plus its dcol entries in (u, v) order.
     */
    public static void backward(float[] dinp, float[] grads, float[] dout, float[] inp, float[] params,
                                int wOff, int bOff, int n, int c, int h, int w, int o, int kh, int kw,
                                int sh, int sw, int ph, int pw, int group, ConvWorkspace ws,
                                ConvChoices choices, boolean colsOfInp) {
        float[] col = ws.col, yt = ws.yt, dw = ws.dw;
        boolean byConvolution = dxByConvolution(kh, kw, sh, sw, ph, pw);
        int ho = outputSize(h, kh, sh, ph), wo = outputSize(w, kw, sw, pw);
        int ckk = c * kh * kw, hw = ho * wo, chw = c * h * w;
        // [dW db] with db[o] the product with the row of ones under the columns: as O x (CKK + 1) for
        // dot16, as (CKK + 1) x op (vectors across output channels) for the chain, as
        // ((oc*kh + u)*kw + v)*C + ch, then db, for vectors across input channels (moveWeights).
        boolean dot16 = weightsByDot16(ckk);
        KernelChoice weightsPath = choices.weightsPath();  // for the whole call: the two paths lay [dW db] out differently
        int weightsPick = weightsPath != null ? weightsPath.pick() : 0;
        int weightsKind = weightsPath != null ? ConvChoices.weightsPath(weightsPath, weightsPick)  // ConvChoices.WEIGHTS_PATHS
                : !WeightsChannelsLast.only(c, o, kh, kw, sh, sw, ph, pw) ? 0 : Lanes.NARROW_TILES_ONLY ? 2 : 1;
        boolean channelsLast = weightsKind >= 1, narrow = weightsKind == 2;  // 2: WeightsChannelsLast by 12 accumulators
        int op = paddedChannels(o), ldw = dot16 ? ckk + 1 : op;
        java.util.Arrays.fill(dw, 0, (ckk + 1) * (dot16 ? o : op), 0f);
        moveWeights(true, grads, wOff, bOff, dw, c, o, kh * kw, ldw, dot16, channelsLast);
        boolean onFrames = weightsOnFrames(kh, kw, sh, sw, ph, pw, ckk);  // dW reads frames for "same" layers with chained dW
        if (byConvolution && dinp != null) {
            flip(params, wOff, c, o, kh, kw, ws.flipped);
            ws.aTReady = false;
        }
        for (int b0 = 0; b0 < n; b0 += group) {
            int g = Math.min(group, n - b0), ld = g * hw;
            ConvFrame dyFrame = byConvolution ? dyFrame(g, h, w, o, kh, kw, ph, pw) : null;
            int dyAt = 0;  // where dY's frame is in col
            if (onFrames) {
                long start = System.nanoTime();
                dyAt = weightsOnFrame(new ConvFrame(g, c, h, w, kh, kw, sh, sw, ph, pw), dyFrame, dout, inp, b0, o,
                        dw, ws, choices, colsOfInp && b0 == 0, channelsLast, narrow, bOff >= 0);
                if (weightsPath != null && b0 == 0) {  // timed on the first group, before dX's own choices pick
                    weightsPath.timed(weightsPick, System.nanoTime() - start, (double) (ckk + 1) * o * g * hw);
                }
            } else {
                weightsByColumns(dout, inp, b0, g, c, h, w, o, kh, kw, sh, sw, ph, pw, dot16, colsOfInp && b0 == 0,
                        dw, ws, choices);
                if (dinp != null && byConvolution) {  // dot16's dW left col free
                    dyFrame.fill(dout, b0, col, 0);
                }
            }
            if (dinp != null && byConvolution) {
                dxAsConvolution(dinp, dyFrame, dyAt, b0, ws, choices, c);
            }
            if (dinp != null && !byConvolution) {
                copyOut(dout, b0, g, o, hw, yt);
                // dcol (CKK x e*HoWo) = W^T (CKK x O) * dY (O x e*HoWo), e examples at a time so that dcol
                // stays in cache between the product and col2im (col's columns are spent: it holds dcol).
                int e = dxExamples(ckk, hw, g);
                for (int e0 = 0; e0 < g; e0 += e) {
                    int ge = Math.min(e, g - e0), ldc = ge * hw;
                    java.util.Arrays.fill(col, 0, ckk * ldc, 0f);
                    Gemm.chain(choices.input(), ckk, ldc, o, params, wOff, 1, ckk, yt, e0 * hw, ld, col, 0, ldc);
                    if (columnsOnFrame(kh, kw, sh, sw)) {  // col2im through a frame after dcol: runs, not a float at a time
                        ConvFrame df = new ConvFrame(ge, c, h, w, kh, kw, sh, sw, ph, pw);
                        df.addColumns(col, ldc, col, ckk * ldc);
                        df.unfill(col, ckk * ldc, dinp, b0 + e0);
                        continue;
                    }
                    for (int b = 0; b < ge; b++) {
                        int xOff = (b0 + e0 + b) * chw;
                        java.util.Arrays.fill(dinp, xOff, xOff + chw, 0f);
                        Unfold.col2imAdd(col, b * hw, ldc, c, h, w, kh, kw, sh, sw, ph, pw, ho, wo, dinp, xOff);
                    }
                }
            }
        }
        moveWeights(false, grads, wOff, bOff, dw, c, o, kh * kw, ldw, dot16, channelsLast);
    }

    /**
     * [dW db] between {@code grads} (W as O x C*kh*kw at wOff, b at bOff; bOff < 0: none) and the workspace's
     * layout: O x (CKK+1) for dot16, (CKK+1) x ldw for the chain, or {@link WeightsChannelsLast}'s
     * ({@code ((oc*kh + u)*kw + v)*C + ch}, db after). Into dw when {@code toWorkspace} (db +0 without a bias),
     * else back into grads. Indexes stepped, no division per entry (a remainder and a quotient per entry,
     * with flip(W), were 2.8% of resnet20's training samples by JFR); dw is walked in its own order except in
     * the chain's layout, which goes in grads' order.
     */
    private static void moveWeights(boolean toWorkspace, float[] grads, int wOff, int bOff, float[] dw,
                                    int c, int o, int kk, int ldw, boolean dot16, boolean channelsLast) {
        int ckk = c * kk;
        for (int oc = 0; oc < o; oc++) {
            int wAt = wOff + oc * ckk, bAt;
            if (channelsLast) {
                for (int r = 0, d = oc * kk * c; r < kk; r++) {
                    for (int ch = 0, g = wAt + r; ch < c; ch++, d++, g += kk) {
                        if (toWorkspace) {
                            dw[d] = grads[g];
                        } else {
                            grads[g] = dw[d];
                        }
                    }
                }
                bAt = o * ckk + oc;
            } else if (dot16) {
                if (toWorkspace) {
                    System.arraycopy(grads, wAt, dw, oc * ldw, ckk);
                } else {
                    System.arraycopy(dw, oc * ldw, grads, wAt, ckk);
                }
                bAt = oc * ldw + ckk;
            } else {
                for (int k = 0, d = oc; k < ckk; k++, d += ldw) {
                    if (toWorkspace) {
                        dw[d] = grads[wAt + k];
                    } else {
                        grads[wAt + k] = dw[d];
                    }
                }
                bAt = ckk * ldw + oc;
            }
            if (toWorkspace) {
                dw[bAt] = bOff >= 0 ? grads[bOff + oc] : 0f;
            } else if (bOff >= 0) {
                grads[bOff + oc] = dw[bAt];
            }
        }
    }

    /** [dW db] of a group from im2col's columns (reused from the forward when {@code colsReady}): dot16 or the chain. */
    private static void weightsByColumns(float[] dout, float[] inp, int b0, int g, int c, int h, int w, int o, int kh,
                                         int kw, int sh, int sw, int ph, int pw, boolean dot16, boolean colsReady,
                                         float[] dw, ConvWorkspace ws, ConvChoices choices) {
        float[] col = ws.col, yt = ws.yt;
        int ho = outputSize(h, kh, sh, ph), wo = outputSize(w, kw, sw, pw);
        int ckk = c * kh * kw, hw = ho * wo, ld = g * hw, op = paddedChannels(o);
        if (!colsReady) {  // first: it may take yt for a frame
            columns(inp, b0, g, c, h, w, kh, kw, sh, sw, ph, pw, ws);
        }
        if (dot16) {
            copyOut(dout, b0, g, o, hw, yt);
        } else {
            for (int b = 0; b < g; b++) {  // dY^T as g*HoWo x op, zero past column O
                channelsLast(dout, (b0 + b) * o * hw, o, hw, hw, yt, b * hw * op, op, ws.index);
            }
        }
        java.util.Arrays.fill(col, ckk * ld, (ckk + 1) * ld, 1f);
        if (dot16) {
            // [dW db] (O x CKK+1) += dY (O x g*HoWo) * [col; 1]^T
            Gemm.dot16(o, ckk + 1, ld, yt, 0, ld, col, 0, ld, dw, 0, ckk + 1);
        } else {
            // [dW db]^T (CKK+1 x op) continues its chains: += [col; 1] (CKK+1 x g*HoWo) * dY^T (g*HoWo x op)
            Gemm.chain(choices.weights(), ckk + 1, op, ld, col, 0, ld, 1, yt, 0, op, dw, 0, op);
        }
    }

    /** dY of examples b0 .. b0+g as O x g*HoWo. */
    private static void copyOut(float[] dout, int b0, int g, int o, int hw, float[] yt) {
        int ld = g * hw;
        for (int b = 0; b < g; b++) {
            for (int oc = 0; oc < o; oc++) {
                System.arraycopy(dout, ((b0 + b) * o + oc) * hw, yt, oc * ld + b * hw, hw);
            }
        }
    }

    /** {@code out[to + p*op + r] = x[from + r*ld + p]} for r < rows, p < len; 0 for rows <= r < op. */
    static void channelsLast(float[] x, int from, int rows, int len, int ld, float[] out, int to, int op, int[] index) {
        if (VectorSupport.AVAILABLE) {
            TransposeVector.channelsLast(x, from, rows, len, ld, out, to, op, index);
        } else {
            TransposeVector.channelsLastScalar(x, from, rows, len, ld, out, to, op);
        }
    }

    /**
     * Whether [dW db] takes {@link Gemm#dot16}'s order rather than one chain per entry: when a position has
     * fewer than 32 taps (CKK + 1): first layers on one input channel, 1x1 projections from 16 channels. The chain needs dY turned
     * channels-last, which costs per position about what the product does with so few taps (lenet5's
     * conv1: 0.33 ms a batch by dot16, 0.83-1.2 ms by the chain). Fixed by the shape: the two orders give
     * different bits.
     */
    static boolean weightsByDot16(int ckk) {
        return ckk + 1 < 32;
    }

    /**
     * dX at stride 1 as a convolution: {@code dX (C x g*H*W) = flip(W) (C x O*kh*kw) * col(dY)}, where
     * col(dY) is im2col of dY padded by (kh-1-ph, kw-1-pw), read from a frame of dY ({@link ConvFrame}), and
     * {@code flip(W)[c][(o*kh + u')*kw + v'] = W[o][c][kh-1-u'][kw-1-v']}:
     * {@code dX[c,y,x] = sum_{o,u,v} W[o,c,u,v] dY[o, y-u+ph, x-v+pw]}. {@code ws.flipped} holds flip(W).
     */
    private static void dxAsConvolution(float[] dinp, ConvFrame dyFrame, int at, int b0, ConvWorkspace ws,
                                        ConvChoices choices, int c) {
        FrameProduct.run(choices.inputPath(), dyFrame, null, false, false, ws.col, at, ws.flipped, 0,
                dyFrame.c * dyFrame.kh * dyFrame.kw, -1, c, dinp, false, b0, ws, choices.input());
    }

    /** The frame of dY for {@link #dxAsConvolution}: dY (O, Ho = H, Wo = W) padded by (kh-1-ph, kw-1-pw). */
    static ConvFrame dyFrame(int g, int h, int w, int o, int kh, int kw, int ph, int pw) {
        return new ConvFrame(g, o, h, w, kh, kw, 1, 1, kh - 1 - ph, kw - 1 - pw);
    }

    /** {@code flipped[c][(o*kh + u')*kw + v'] = W[o][c][kh-1-u'][kw-1-v']}. */
    private static void flip(float[] params, int wOff, int c, int o, int kh, int kw, float[] flipped) {
        // (kh-1-u)*kw + kw-1-v = kk-1-t for t = u*kw + v: each filter's taps reversed; flipped written in order
        int kk = kh * kw;
        for (int ch = 0, d = 0; ch < c; ch++) {
            for (int oc = 0; oc < o; oc++) {
                for (int t = 0, s = wOff + (oc * c + ch) * kk + kk - 1; t < kk; t++, d++, s--) {
                    flipped[d] = params[s];
                }
            }
        }
    }

    /**
     * [dW db] of a group on frames ({@link ConvFrame}), with chained dW: {@code [dW db]^T += [frame rows; 1] * dY^T}
     * over the frame's positions, dY^T zero at the frame's own positions (docs/ENGINE.md: those terms are
     * {@code fma(x, +0, acc)}, which leave acc as it was unless it is exactly -0 or x is not finite). In
     * {@code ws.col}: the frame of X, a row of ones, then the frame of dY for {@link #dxAsConvolution}, at
     * the offset returned; the frame of X is there already when {@code xReady}. With {@code channelsLast}, by
     * {@link WeightsChannelsLast} (the same chains; db's only with {@code bias}), X channels-last in {@code ws.yt}:
     * turned from col's frame when {@code xReady}, else made from X ({@link ConvFrame#fillChannelsLast}, col's
     * start its scratch; no row of ones).
     */
    private static int weightsOnFrame(ConvFrame xf, ConvFrame dyFrame, float[] dout, float[] inp, int b0, int o,
                                      float[] dw, ConvWorkspace ws, ConvChoices choices, boolean xReady, boolean channelsLast,
                                      boolean narrow, boolean bias) {
        int q = xf.positions, ckk = xf.c * xf.kh * xf.kw, op = paddedChannels(o);
        int ones = xf.floats(), dyAt = ones + q;
        float[] f = ws.col;
        if (channelsLast && xReady) {  // the frame of X channels-last in yt: turned from col's, or made from X (col's start its scratch)
            channelsLast(f, 0, xf.c, xf.plane, xf.plane, ws.yt, 0, xf.c, ws.index);
        } else if (channelsLast) {
            xf.fillChannelsLast(inp, b0, ws.yt, xf.c, f, ws.index);
        } else if (!xReady) {
            xf.fill(inp, b0, f, 0);
        }
        dyFrame.fill(dout, b0, f, dyAt);  // position q of the frame of X is dY's cell at q + top*width + left of its frame
        int dyCells = dyAt + dyFrame.top * dyFrame.width + dyFrame.left;
        if (channelsLast) {
            // dW by vectors along X's channels over the output positions, db by vectors of output channels; dY read in its frame
            WeightsChannelsLast.weights(ws.yt, xf, f, dyCells, dyFrame.plane, o, dw, bias, narrow);
            return dyAt;
        }
        java.util.Arrays.fill(f, ones, ones + q, 1f);
        channelsLast(f, dyCells, o, q, dyFrame.plane, ws.yt, 0, op, ws.index);
        xf.taps(0, ws.rows);
        ws.rows[ckk] = ones;
        // [dW db]^T (CKK+1 x op) += [frame rows; 1] (CKK+1 x Q) * dY^T (Q x op)
        Gemm.chainARows(choices.weights(), ckk + 1, op, q, f, ws.rows, ws.yt, 0, op, dw, 0, op);
        return dyAt;
    }
}
