package org.sparkcnn.engine.train;

import java.io.Serializable;
import org.sparkcnn.engine.Shape;

/**
 * Training-time augmentation of one CHW image, applied to the stored pixels before normalization
 * (as PyTorch's {@code RandomCrop(H, padding=P), RandomHorizontalFlip()} before {@code Normalize}):
 * zero-pad P pixels on each side, crop H x W at offset (top, left) in [0, 2P]^2, then mirror the
 * columns when {@code flip}. So {@code out[c][y][x] = in[c][y + top - P][x' + left - P]} (0 outside
 * the image) with {@code x' = flip ? W-1-x : x}.
 *
 * <p>The draw of example {@code id} in epoch {@code e} of a run with seed {@code s} is a
 * counter-based hash (SplitMix64's finalizer) of (s, e, id) only: the same on any executor, thread
 * or partitioning, and after a resume.
 */
public record Augmentation(int cropPadding, boolean horizontalFlip) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** No augmentation: the input is copied unchanged. */
    public static final Augmentation NONE = new Augmentation(0, false);

    public Augmentation {
        if (cropPadding < 0) {
            throw new IllegalArgumentException("augmentation crop padding must be >= 0 (0 = no crop), got " + cropPadding);
        }
    }

    public boolean enabled() {
        return cropPadding > 0 || horizontalFlip;
    }

    /** One example's draw: the crop offsets in [0, 2P] and whether to mirror. */
    public record Draw(int top, int left, boolean flip) {
    }

    /** The draw of example {@code id} in {@code epoch}; offsets are P (no shift) when cropping is off. */
    public Draw draw(long seed, long epoch, long id) {
        long key = mix(mix(mix(seed ^ 0x41756753L) ^ epoch) ^ mix(id + 0x632BE59BD9B4E019L));
        int span = 2 * cropPadding + 1;
        int top = cropPadding > 0 ? (int) Long.remainderUnsigned(mix(key ^ 1), span) : cropPadding;
        int left = cropPadding > 0 ? (int) Long.remainderUnsigned(mix(key ^ 2), span) : cropPadding;
        boolean flip = horizontalFlip && mix(key ^ 3) < 0;  // the top bit: probability 1/2
        return new Draw(top, left, flip);
    }

    /** Writes the augmented image {@code in[inOff ..)} of {@code shape} to {@code out[outOff ..)}. */
    public void apply(float[] in, int inOff, float[] out, int outOff, Shape shape, Draw d) {
        int h = shape.height(), w = shape.width(), p = cropPadding;
        for (int c = 0; c < shape.channels(); c++) {
            int plane = c * h * w;
            for (int y = 0; y < h; y++) {
                int sy = y + d.top() - p;
                int o = outOff + plane + y * w;
                if (sy < 0 || sy >= h) {
                    java.util.Arrays.fill(out, o, o + w, 0f);
                    continue;
                }
                int row = inOff + plane + sy * w;
                for (int x = 0; x < w; x++) {
                    int sx = (d.flip() ? w - 1 - x : x) + d.left() - p;
                    out[o + x] = sx >= 0 && sx < w ? in[row + sx] : 0f;
                }
            }
        }
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
