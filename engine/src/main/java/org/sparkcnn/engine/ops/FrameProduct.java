package org.sparkcnn.engine.ops;

/** A convolution's product on a frame ({@link ConvFrame}) by the path its timing picks: the forward's and dX's. */
final class FrameProduct {

    private FrameProduct() {
    }

    /**
     * {@link ConvFrame#product} of the frame xf at {@code f[at ..]} with A at {@code a[aOff + r*aRow + k]}, by the path
     * {@code path} picks (null: along positions), timed for it; {@code tiles} picks the tile along positions. With {@code x}
     * not null ((N, C, H, W), or (N, H, W, C) where {@code inChannelsLast}) the frame of its examples b0 .. is made here,
     * inside the timing: in {@code f} (along positions, where {@code keepFrame}, or strided, then turned channels-last), at
     * stride 1 channels-last only ({@link ProductChannelsLast#productOfInput}), or from X's rows ({@link ProductChannelsLast#productOfRows});
     * otherwise it is in f already. {@code out} is (N, M, Ho, Wo), or (N, Ho, Wo, M) where {@code outChannelsLast}.
     */
    static void run(KernelChoice path, ConvFrame xf, float[] x, boolean inChannelsLast, boolean keepFrame,
                    float[] f, int at, float[] a, int aOff, int aRow, int bOff, int m, float[] out,
                    boolean outChannelsLast, int b0, ConvWorkspace ws, KernelChoice tiles) {
        int pick = path == null ? 0 : path.pick();
        long start = System.nanoTime();
        boolean fromRows = x != null && pick >= 1 && inChannelsLast;  // X's rows, at any stride: no frame of planes
        boolean direct = x != null && pick >= 1 && !keepFrame && xf.sh == 1 && xf.sw == 1;  // strided: its frame, then turned
        if (x != null && !direct && !fromRows) {
            if (inChannelsLast) {  // the frame of X's planes, turned back into xcl, which this path only uses after
                int hw = xf.h * xf.w;
                ChannelsLastLayout.toPlanes(x, b0 * xf.c * hw, xf.g, xf.c, hw, ws.xcl, 0);
                xf.fill(ws.xcl, 0, f, at);
            } else {
                xf.fill(x, b0, f, at);
            }
        }
        if (pick >= 1) {  // along channels; 2: by the wide tiles where they are timed apart
            if (!ws.aTReady) {
                ProductChannelsLast.transposeA(a, aOff, aRow, m, xf.c * xf.kh * xf.kw, ws.aT, ws.index);
                ws.aTReady = true;
            }
            boolean wide = Lanes.WIDE_TILES_ONLY || pick == 2;
            if (fromRows) {
                ProductChannelsLast.productOfRows(x, xf, ws.aT, a, bOff, m, wide, out, outChannelsLast, b0, ws.xcl, ws.ycl,
                        ws.offs, ws.bases);
            } else if (direct) {
                ProductChannelsLast.productOfInput(x, xf, ws.aT, a, bOff, m, wide, out, outChannelsLast, b0, ws.xcl, ws.ycl,
                        ws.index, ws.offs, ws.bases);
            } else {
                ProductChannelsLast.product(f, at, xf, ws.aT, a, bOff, m, wide, out, outChannelsLast, b0, ws.xcl, ws.ycl,
                        ws.index, ws.offs, ws.bases);
            }
        } else if (outChannelsLast) {  // planes into ycl, which this path does not use, then turned into out
            int hw = xf.ho * xf.wo;
            xf.product(f, at, a, aOff, aRow, bOff, m, ws.ycl, 0, ws.yt, ws.rows, tiles);
            ChannelsLastLayout.toChannelsLast(ws.ycl, 0, xf.g, m, hw, out, b0 * m * hw, ws.index);
        } else {
            xf.product(f, at, a, aOff, aRow, bOff, m, out, b0, ws.yt, ws.rows, tiles);
        }
        if (path != null) {
            path.timed(pick, System.nanoTime() - start, (double) m * xf.c * xf.kh * xf.kw * xf.g * xf.ho * xf.wo);
        }
    }
}
