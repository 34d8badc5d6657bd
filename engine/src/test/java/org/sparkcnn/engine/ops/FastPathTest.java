package org.sparkcnn.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast paths (grouped im2col + GEMM convolution with its range-split im2col/col2im, the 2x2
 * max-pooling kernel) against plain loops written straight from the formulas, on random shapes,
 * odd ones included: every group size from 1 to the batch, with and without reused columns or frame.
 */
class FastPathTest {

    /** Y[b,o,i,j] = bias[o] + sum_{c,u,v} W[o,c,u,v] X[b, c, i*sh+u-ph, j*sw+v-pw], in double. */
    private static double[] plainForward(float[] x, float[] wt, float[] bias, int n, int c, int h, int w, int o,
                                         int kh, int kw, int sh, int sw, int ph, int pw) {
        int ho = Conv2dOps.outputSize(h, kh, sh, ph), wo = Conv2dOps.outputSize(w, kw, sw, pw);
        double[] y = new double[n * o * ho * wo];
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < o; oc++) {
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        double s = bias == null ? 0 : bias[oc];
                        for (int ch = 0; ch < c; ch++) {
                            for (int u = 0; u < kh; u++) {
                                for (int v = 0; v < kw; v++) {
                                    int yy = i * sh + u - ph, xx = j * sw + v - pw;
                                    if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                        s += (double) wt[((oc * c + ch) * kh + u) * kw + v] * x[((b * c + ch) * h + yy) * w + xx];
                                    }
                                }
                            }
                        }
                        y[((b * o + oc) * ho + i) * wo + j] = s;
                    }
                }
            }
        }
        return y;
    }

    /** dW, db and dX of L = sum(dY * Y), each entry a sum over the positions that use it, in double. */
    private static double[][] plainBackward(float[] x, float[] wt, float[] dy, int n, int c, int h, int w, int o,
                                            int kh, int kw, int sh, int sw, int ph, int pw) {
        int ho = Conv2dOps.outputSize(h, kh, sh, ph), wo = Conv2dOps.outputSize(w, kw, sw, pw);
        double[] dw = new double[wt.length], db = new double[o], dx = new double[x.length];
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < o; oc++) {
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        double g = dy[((b * o + oc) * ho + i) * wo + j];
                        db[oc] += g;
                        for (int ch = 0; ch < c; ch++) {
                            for (int u = 0; u < kh; u++) {
                                for (int v = 0; v < kw; v++) {
                                    int yy = i * sh + u - ph, xx = j * sw + v - pw;
                                    if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                        int wi = ((oc * c + ch) * kh + u) * kw + v, xi = ((b * c + ch) * h + yy) * w + xx;
                                        dw[wi] += g * x[xi];
                                        dx[xi] += g * wt[wi];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][]{dw, db, dx};
    }

    private static float[] random(SplittableRandom rng, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    private static void assertNear(String what, double expected, double got) {
        assertTrue(Math.abs(expected - got) <= 1e-4 * Math.max(1, Math.abs(expected)),
                what + ": expected " + expected + ", got " + got);
    }

    @Test
    void groupedConvolutionEqualsThePlainSumsOnRandomShapes() {
        SplittableRandom rng = new SplittableRandom(17);
        for (int trial = 0; trial < 60; trial++) {
            int n = 1 + rng.nextInt(5), c = 1 + rng.nextInt(3), o = 1 + rng.nextInt(4);
            int kh = 1 + rng.nextInt(4), kw = 1 + rng.nextInt(4), sh = 1 + rng.nextInt(3), sw = 1 + rng.nextInt(3);
            int ph = rng.nextInt(kh + 2), pw = rng.nextInt(kw + 2);  // padding up to beyond the kernel: rows of padding only
            if (trial % 5 == 1) {  // the ResNets' stride-2 layers, which read frames of phase planes (ConvFrame)
                kh = kw = 3;
                sh = sw = 2;
                ph = pw = 1;
            }
            if (trial % 3 == 0) {  // "same" padding at stride 1, which im2col copies in whole runs
                kh = 1 + 2 * rng.nextInt(3);
                kw = 1 + 2 * rng.nextInt(3);
                sh = sw = 1;
                ph = (kh - 1) / 2;
                pw = (kw - 1) / 2;
            }
            if (trial % 6 == 0) {  // ... with 32 or more taps a position: dW chained on frames of X, kept from the forward
                c = 4 + rng.nextInt(5);
                kh = kw = 3;
                ph = pw = 1;
            }
            int h = Math.max(1, kh - 2 * ph) + rng.nextInt(7), w = Math.max(1, kw - 2 * pw) + rng.nextInt(7);
            int ho = Conv2dOps.outputSize(h, kh, sh, ph), wo = Conv2dOps.outputSize(w, kw, sw, pw);
            if (ho < 1 || wo < 1) {
                continue;
            }
            String shape = String.format("n%d c%d %dx%d o%d k%dx%d s%dx%d p%dx%d", n, c, h, w, o, kh, kw, sh, sw, ph, pw);
            boolean bias = rng.nextBoolean();
            int ckk = c * kh * kw, hw = ho * wo;
            float[] params = random(rng, o * ckk + (bias ? o : 0));
            float[] wt = java.util.Arrays.copyOf(params, o * ckk);
            float[] b = bias ? java.util.Arrays.copyOfRange(params, o * ckk, o * ckk + o) : null;
            float[] x = random(rng, n * c * h * w), dy = random(rng, n * o * hw);
            double[] y = plainForward(x, wt, b, n, c, h, w, o, kh, kw, sh, sw, ph, pw);
            double[][] grads = plainBackward(x, wt, dy, n, c, h, w, o, kh, kw, sh, sw, ph, pw);
            for (int group = 1; group <= n; group++) {
              for (boolean reuse : new boolean[]{false, true}) {
                String where = shape + " group " + group + (reuse ? " reusing columns" : ", inference forward");
                ConvChoices choices = ConvChoices.of("test", c, h, w, o, kh, kw, sh, sw, ph, pw, group);
                ConvWorkspace ws = new ConvWorkspace(group, c, h, w, o, kh, kw, sh, sw, ph, pw);
                float[] out = new float[n * o * hw];
                boolean cols = Conv2dOps.forward(out, x, params, 0, bias ? o * ckk : -1, n, c, h, w, o, kh, kw, sh, sw, ph, pw, group, ws,
                        choices, reuse);  // without reuse, as inference runs it: frames for stride-2 layers too
                for (int i = 0; i < out.length; i++) {
                    assertNear(where + " y[" + i + "]", y[i], out[i]);
                }
                float[] g = new float[params.length];
                java.util.Arrays.fill(g, 0.5f);  // backward accumulates
                float[] dx = new float[x.length];
                java.util.Arrays.fill(dx, Float.NaN);  // and overwrites dX
                Conv2dOps.backward(dx, g, dy, x, params, 0, bias ? o * ckk : -1, n, c, h, w, o, kh, kw, sh, sw, ph, pw,
                        group, ws, choices, reuse && cols);  // as the layer passes it
                for (int i = 0; i < o * ckk; i++) {
                    assertNear(where + " dW[" + i + "]", 0.5 + grads[0][i], g[i]);
                }
                for (int i = 0; bias && i < o; i++) {
                    assertNear(where + " db[" + i + "]", 0.5 + grads[1][i], g[o * ckk + i]);
                }
                for (int i = 0; i < x.length; i++) {
                    assertNear(where + " dX[" + i + "]", grads[2][i], dx[i]);
                }
              }
            }
        }
    }

    @Test
    void twoByTwoMaxPoolingMatchesThePlainScanWithTiesSignedZerosAndNaN() {
        SplittableRandom rng = new SplittableRandom(5);
        float negativeNaN = Float.intBitsToFloat(0xffc00001);
        float[] values = {Float.NaN, negativeNaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -3, -1, 1, 2};
        int vectorPlanes = 0;
        for (int trial = 0; trial < 80; trial++) {
            // widths up to 41: rows of up to 20 windows; up to 40 planes, so the vector kernel's groups
            // of planes (up to 16) fill
            int n = 1 + rng.nextInt(4), c = 1 + rng.nextInt(10), h = 2 + rng.nextInt(7), w = 2 + rng.nextInt(40);
            float[] x = new float[n * c * h * w];
            int nanOdds = trial % 2 == 0 ? 400 : 20;  // rare NaN: most vectors of windows have none
            for (int i = 0; i < x.length; i++) {
                int r = rng.nextInt(nanOdds);  // few distinct values: ties are common, -0 and +0 among them
                x[i] = r < 2 ? values[r] : values[2 + r % (values.length - 2)];
                if (trial % 4 == 3 && rng.nextInt(3) == 0) {
                    x[i] = Float.intBitsToFloat(rng.nextInt());  // any bits: subnormals, NaN payloads, both signs
                }
            }
            int ho = h / 2, wo = w / 2, planes = n * c;
            float[] out = new float[planes * ho * wo];
            int[] argmax = new int[out.length];
            String shape = n + "x" + c + "x" + h + "x" + w;
            Pool2dOps.maxForward(out, argmax, x, n, c, h, w, 2, 2, 2, 2, 0, 0);
            assertPlainScan("maxForward " + shape, x, planes, h, w, out, argmax);
            java.util.Arrays.fill(out, 7f);
            java.util.Arrays.fill(argmax, -1);
            Pool2dOps.max2x2Scalar(out, argmax, x, 0, planes, h, w, ho, wo);
            assertPlainScan("scalar " + shape, x, planes, h, w, out, argmax);
            if (VectorSupport.AVAILABLE) {
                java.util.Arrays.fill(out, 7f);
                java.util.Arrays.fill(argmax, -1);
                int done = PoolVector.max2x2(out, argmax, x, planes, h, w, ho, wo);
                vectorPlanes += done;
                Pool2dOps.max2x2Scalar(out, argmax, x, done, planes, h, w, ho, wo);
                assertPlainScan("vector (" + done + " planes) " + shape, x, planes, h, w, out, argmax);
            }
        }
        assertTrue(!VectorSupport.AVAILABLE || vectorPlanes > 100, "the vector kernel pooled " + vectorPlanes + " planes");
    }

    /** The plain scan: row-major over each window, strictly larger wins, the first NaN wins for good. */
    private static void assertPlainScan(String what, float[] x, int planes, int h, int w, float[] out, int[] argmax) {
        int q = 0;
        for (int plane = 0; plane < planes; plane++) {
            for (int i = 0; i < h / 2; i++) {
                for (int j = 0; j < w / 2; j++, q++) {
                    int best = -1;
                    for (int u = 0; u < 2; u++) {
                        for (int v = 0; v < 2; v++) {
                            int p = plane * h * w + (2 * i + u) * w + 2 * j + v;
                            if (best < 0 || (!Float.isNaN(x[best]) && (x[p] > x[best] || Float.isNaN(x[p])))) {
                                best = p;
                            }
                        }
                    }
                    assertEquals(best, argmax[q], what + ": argmax of window " + q);
                    assertEquals(Float.floatToRawIntBits(x[best]), Float.floatToRawIntBits(out[q]), what + ": max of window " + q);
                }
            }
        }
    }

    @Test
    void rowCopiesByWholeVectorsWriteEachRowAndNothingBeforeTheStartOrFromTheLimit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.AVAILABLE, "no Vector API here");
        SplittableRandom rng = new SplittableRandom(23);
        int spilled = 0;
        for (int trial = 0; trial < 300; trial++) {
            int len = 1 + rng.nextInt(40), count = 1 + rng.nextInt(6);
            int sStride = len + rng.nextInt(5), dStride = len + rng.nextInt(5);
            int sOff = rng.nextInt(8), dOff = rng.nextInt(8);
            int lastEnd = dOff + (count - 1) * dStride + len;
            int dLimit = lastEnd + rng.nextInt(20);
            float[] src = random(rng, sOff + (count - 1) * sStride + len + rng.nextInt(20));
            float[] dst = new float[dLimit + rng.nextInt(20)];
            java.util.Arrays.fill(dst, Float.NaN);
            CopyVector.rows(src, sOff, sStride, dst, dOff, dStride, len, count, dLimit);
            String where = "len " + len + " count " + count + " strides " + sStride + "/" + dStride + " limit " + dLimit;
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < len; j++) {
                    assertEquals(src[sOff + i * sStride + j], dst[dOff + i * dStride + j], where + " row " + i + " [" + j + "]");
                }
            }
            for (int i = 0; i < dOff; i++) {
                assertTrue(Float.isNaN(dst[i]), where + ": wrote before the first row at " + i);
            }
            for (int i = dLimit; i < dst.length; i++) {
                assertTrue(Float.isNaN(dst[i]), where + ": wrote at or past the limit at " + i);
            }
            for (int i = lastEnd; i < dLimit; i++) {
                spilled += Float.isNaN(dst[i]) ? 0 : 1;
            }
        }
        assertTrue(spilled > 0, "no copy spilled past its last row: the whole-vector path did not run");
    }

    @Test
    void stridedRowMovesTakeEveryOtherFloatAddOnlyTheirRowsAndMergePhases() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.AVAILABLE, "no Vector API here");
        SplittableRandom rng = new SplittableRandom(29);
        for (int trial = 0; trial < 300; trial++) {
            int len = 1 + rng.nextInt(40), count = 1 + rng.nextInt(5), dStride = len + rng.nextInt(5);
            int sStride = 2 * len + rng.nextInt(5), sOff = rng.nextInt(8), dOff = rng.nextInt(8);
            String where = "len " + len + " count " + count + " strides " + sStride + "/" + dStride;
            float[] src = random(rng, sOff + (count - 1) * sStride + 2 * len + rng.nextInt(40));
            int lastEnd = dOff + (count - 1) * dStride + len, dLimit = lastEnd + rng.nextInt(20);
            float[] dst = new float[dLimit + rng.nextInt(40)];
            java.util.Arrays.fill(dst, Float.NaN);
            CopyVector.everyOther(src, sOff, sStride, dst, dOff, dStride, len, count, dLimit);
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < len; j++) {
                    assertEquals(src[sOff + i * sStride + 2 * j], dst[dOff + i * dStride + j], where + " everyOther row " + i + " [" + j + "]");
                }
            }
            for (int i = dLimit; i < dst.length; i++) {
                assertTrue(Float.isNaN(dst[i]), where + ": everyOther wrote at or past the limit at " + i);
            }
            // addRows: the rows' floats get src added (bits of float addition), every other float keeps its bits
            float[] acc = random(rng, dst.length);
            boolean[] inRow = new boolean[acc.length];
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < len; j++) {
                    inRow[dOff + i * dStride + j] = true;
                }
            }
            for (int i = 0; i < acc.length; i++) {
                acc[i] = inRow[i] ? acc[i] : i % 2 == 0 ? -0f : Float.NaN;  // -0 + +0 would be +0
            }
            acc[dOff] = -0f;
            float[] before = acc.clone();
            CopyVector.addRows(src, sOff, sStride, acc, dOff, dStride, len, count);
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < len; j++) {
                    int d = dOff + i * dStride + j;
                    assertEquals(Float.floatToRawIntBits(before[d] + src[sOff + i * sStride + j]), Float.floatToRawIntBits(acc[d]),
                            where + " addRows row " + i + " [" + j + "]");
                }
            }
            for (int i = 0; i < acc.length; i++) {
                if (!inRow[i]) {
                    assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(acc[i]), where + ": addRows changed " + i);
                }
            }
            // interleaveRow: two phases' rows merged, rows in increasing order, nothing written at or past the limit
            int w = 1 + rng.nextInt(40), half = (w + 1) / 2, abStride = half + rng.nextInt(4);
            float[] a = random(rng, count * abStride + half + rng.nextInt(40)), b = random(rng, a.length);
            int xStride = w + rng.nextInt(4), xLimit = dOff + (count - 1) * xStride + w + rng.nextInt(20);
            float[] x = new float[xLimit + rng.nextInt(40)];
            java.util.Arrays.fill(x, Float.NaN);
            for (int i = 0; i < count; i++) {
                CopyVector.interleaveRow(a, 1 + i * abStride, b, 2 + i * abStride, x, dOff + i * xStride, w, xLimit);
            }
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < w; j++) {
                    float expected = j % 2 == 0 ? a[1 + i * abStride + j / 2] : b[2 + i * abStride + j / 2];
                    assertEquals(expected, x[dOff + i * xStride + j], where + " interleave width " + w + " row " + i + " [" + j + "]");
                }
            }
            for (int i = xLimit; i < x.length; i++) {
                assertTrue(Float.isNaN(x[i]), where + ": interleave wrote at or past the limit at " + i);
            }
        }
    }
}
