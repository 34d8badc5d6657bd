package org.sparkcnn.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;

/** The zero-padded random crop and horizontal flip, and their draws from (seed, epoch, example id). */
class AugmentationTest {

    private static final Shape SHAPE = new Shape(2, 3, 4);

    /** Channel c, row y, column x holds 100c + 10y + x + 1 (never 0). */
    private static float[] image() {
        float[] x = new float[SHAPE.size()];
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                for (int col = 0; col < 4; col++) {
                    x[(c * 3 + y) * 4 + col] = 100 * c + 10 * y + col + 1;
                }
            }
        }
        return x;
    }

    private static float at(float[] x, int c, int y, int col) {
        return x[(c * 3 + y) * 4 + col];
    }

    private static float[] apply(Augmentation a, Augmentation.Draw d) {
        float[] out = new float[SHAPE.size()];
        java.util.Arrays.fill(out, Float.NaN);
        a.apply(image(), 0, out, 0, SHAPE, d);
        return out;
    }

    @Test
    void offsetZeroShiftsByPlusPAndOffsetTwoPByMinusPWithZerosFilling() {
        Augmentation a = new Augmentation(1, false);
        float[] in = image();
        float[] down = apply(a, new Augmentation.Draw(0, 0, false));
        float[] up = apply(a, new Augmentation.Draw(2, 2, false));
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    float expectDown = y >= 1 && x >= 1 ? at(in, c, y - 1, x - 1) : 0f;
                    float expectUp = y + 1 < 3 && x + 1 < 4 ? at(in, c, y + 1, x + 1) : 0f;
                    assertEquals(expectDown, at(down, c, y, x), "offset 0 at " + c + "," + y + "," + x);
                    assertEquals(expectUp, at(up, c, y, x), "offset 2P at " + c + "," + y + "," + x);
                }
            }
        }
        assertEquals(101f, at(down, 1, 1, 1));
        assertEquals(0f, at(down, 1, 0, 2));
        assertArrayEquals(in, apply(a, new Augmentation.Draw(1, 1, false)), "offset P is the image itself");
    }

    @Test
    void flipMirrorsTheColumnsAfterTheCrop() {
        float[] in = image();
        float[] flipped = apply(new Augmentation(0, true), new Augmentation.Draw(0, 0, true));
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals(at(in, c, y, 3 - x), at(flipped, c, y, x));
                }
            }
        }
        // crop then flip, as RandomCrop then RandomHorizontalFlip: the zero column is the last one
        float[] both = apply(new Augmentation(1, true), new Augmentation.Draw(1, 0, true));
        for (int y = 0; y < 3; y++) {
            assertEquals(0f, at(both, 0, y, 3));
            assertEquals(at(in, 0, y, 0), at(both, 0, y, 2));
            assertEquals(at(in, 0, y, 2), at(both, 0, y, 0));
        }
    }

    @Test
    void theDrawIsAFunctionOfSeedEpochAndIdOnly() {
        Augmentation a = new Augmentation(2, true);
        assertEquals(a.draw(7, 3, 12345), a.draw(7, 3, 12345));
        Set<Integer> tops = new HashSet<>(), lefts = new HashSet<>();
        int flips = 0, epochDiffers = 0, seedDiffers = 0;
        for (long id = 0; id < 400; id++) {
            Augmentation.Draw d = a.draw(7, 3, id);
            tops.add(d.top());
            lefts.add(d.left());
            flips += d.flip() ? 1 : 0;
            epochDiffers += d.equals(a.draw(7, 4, id)) ? 0 : 1;
            seedDiffers += d.equals(a.draw(8, 3, id)) ? 0 : 1;
            // the flip is drawn apart from the crop: the same with cropping off
            assertEquals(d.flip(), new Augmentation(0, true).draw(7, 3, id).flip());
            assertEquals(new Augmentation.Draw(0, 0, false), new Augmentation(0, false).draw(7, 3, id));
        }
        assertEquals(Set.of(0, 1, 2, 3, 4), tops, "offsets cover [0, 2P]");
        assertEquals(Set.of(0, 1, 2, 3, 4), lefts);
        assertTrue(flips > 160 && flips < 240, "about half flipped: " + flips);
        assertTrue(epochDiffers > 300, "another epoch draws anew: " + epochDiffers + " of 400 differ");
        assertTrue(seedDiffers > 300, "another seed draws anew: " + seedDiffers + " of 400 differ");
        assertNotEquals(a.draw(7, 3, 0), a.draw(7, 3, 1));
    }

    @Test
    void loadChunkPadsTheStoredPixelsBeforeNormalizing() {
        Shape shape = new Shape(1, 3, 4);
        float[] features = new float[2 * shape.size()];
        java.util.Arrays.fill(features, 0.75f);
        GradientWorker.Examples ex = new GradientWorker.Examples(features, new int[]{3, 4}, 1000, new int[]{0, 1});
        Augmentation a = new Augmentation(3, false);
        float[] x = new float[2 * shape.size()];
        int[] labels = new int[2];
        long[] ids = new long[2];
        Normalization norm = new Normalization(new float[]{0.5f}, new float[]{0.25f});
        GradientWorker.loadChunk(ex, 0, 2, shape, norm, x, labels, ids, a, 9, 1);
        assertArrayEquals(new long[]{1000, 1001}, ids);
        for (int i = 0; i < 2; i++) {
            float[] expect = new float[shape.size()];
            a.apply(features, i * shape.size(), expect, 0, shape, a.draw(9, 1, 1000 + i));
            for (int p = 0; p < shape.size(); p++) {
                // a padded raw 0 normalizes to (0 - 0.5) / 0.25 = -2; a pixel 0.75 to 1
                float want = expect[p] == 0f ? -2f : 1f;
                assertEquals(want, x[i * shape.size() + p], "example " + i + " element " + p);
            }
        }
        // off: the plain copy, bit for bit
        float[] plain = new float[x.length], none = new float[x.length];
        GradientWorker.loadChunk(ex, 0, 2, shape, norm, plain, labels, ids);
        GradientWorker.loadChunk(ex, 0, 2, shape, norm, none, labels, ids, Augmentation.NONE, 9, 1);
        assertArrayEquals(plain, none);
    }

    @Test
    void erasingDrawsABoxThatFitsWithItsProbabilityAndLeavesCropAndFlipAlone() {
        Augmentation half = new Augmentation(2, true, 0.5), always = new Augmentation(2, true, 1);
        int erased = 0, alwaysErased = 0;
        for (long id = 0; id < 400; id++) {
            Augmentation.Draw d = half.draw(7, 3, id, 28, 28);
            assertEquals(d, half.draw(7, 3, id, 28, 28));
            assertEquals(half.draw(7, 3, id), new Augmentation.Draw(d.top(), d.left(), d.flip()), "crop and flip as without erasing");
            Augmentation.Draw a = always.draw(7, 3, id, 28, 28);
            for (Augmentation.Draw x : new Augmentation.Draw[]{d, a}) {
                if (x.eraseHeight() > 0) {
                    int area = x.eraseHeight() * x.eraseWidth();
                    assertTrue(x.eraseHeight() < 28 && x.eraseWidth() < 28 && x.eraseWidth() > 0, x.toString());
                    assertTrue(x.eraseTop() + x.eraseHeight() <= 28 && x.eraseLeft() + x.eraseWidth() <= 28, x.toString());
                    assertTrue(area >= 8 && area <= 290, "about 2% to 33% of 784: " + x);
                }
            }
            erased += d.eraseHeight() > 0 ? 1 : 0;
            alwaysErased += a.eraseHeight() > 0 ? 1 : 0;
        }
        assertTrue(erased > 160 && erased < 240, "about half erased: " + erased);
        assertTrue(alwaysErased > 380, "p = 1 erases unless 10 tries miss: " + alwaysErased);
        assertEquals(0, new Augmentation(2, true, 0).draw(7, 3, 5, 28, 28).eraseHeight());
    }

    @Test
    void loadChunkErasesAfterNormalizing() {
        Shape shape = new Shape(2, 10, 10);
        float[] features = new float[shape.size()];
        java.util.Arrays.fill(features, 0.75f);
        GradientWorker.Examples ex = new GradientWorker.Examples(features, new int[]{1}, 0, new int[]{0});
        Augmentation a = new Augmentation(0, false, 1);
        long id = 0;
        while (a.draw(9, 1, id, 10, 10).eraseHeight() == 0) {
            id++;
        }
        Augmentation.Draw d = a.draw(9, 1, id, 10, 10);
        ex = new GradientWorker.Examples(features, new int[]{1}, id, new int[]{0});
        float[] x = new float[shape.size()];
        GradientWorker.loadChunk(ex, 0, 1, shape, new Normalization(new float[]{0.5f}, new float[]{0.25f}), x, new int[1],
                new long[1], a, 9, 1);
        int zeros = 0;
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 10; y++) {
                for (int col = 0; col < 10; col++) {
                    boolean inBox = y >= d.eraseTop() && y < d.eraseTop() + d.eraseHeight() && col >= d.eraseLeft()
                            && col < d.eraseLeft() + d.eraseWidth();
                    // erased: 0 in the normalized image; kept: (0.75 - 0.5) / 0.25
                    assertEquals(inBox ? 0f : 1f, x[(c * 10 + y) * 10 + col]);
                    zeros += inBox ? 1 : 0;
                }
            }
        }
        assertEquals(2 * d.eraseHeight() * d.eraseWidth(), zeros);
        assertTrue(zeros > 0);
    }

    @Test
    void aNegativePaddingIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Augmentation(-1, false));
        assertEquals("augmentation crop padding must be >= 0 (0 = no crop), got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Augmentation(0, false, 1.5));
        assertEquals("augmentation erasing must be a probability in [0, 1] (0 = off), got 1.5", e.getMessage());
    }
}
