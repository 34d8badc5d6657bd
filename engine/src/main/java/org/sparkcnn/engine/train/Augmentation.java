package org.sparkcnn.engine.train;

import java.io.Serializable;
import org.sparkcnn.engine.Shape;

/**
 * Training-time augmentation of one CHW image, applied to the stored pixels before normalization
 * (as PyTorch's {@code RandomCrop(H, padding=P), RandomHorizontalFlip()} before {@code Normalize}, then
 * {@code RandomErasing(p=erasing)} after it): zero-pad P pixels on each side, crop H x W at offset (top, left) in [0, 2P]^2, then mirror the
 * columns when {@code flip}. So {@code out[c][y][x] = in[c][y + top - P][x' + left - P]} (0 outside
 * the image) with {@code x' = flip ? W-1-x : x}. With probability {@code erasing}, after normalization, a box
 * of every channel is set to 0, drawn as torchvision's RandomErasing with its defaults (area a
 * uniform 2% to 33% of H*W, aspect ratio log-uniform in [0.3, 3.3], up to 10 tries for a box that fits).
 *
 * <p>The draw of example {@code id} in epoch {@code e} of a run with seed {@code s} is a
 * counter-based hash (SplitMix64's finalizer) of (s, e, id) only: the same on any executor, thread
 * or partitioning, and after a resume.
 */
public record Augmentation(int cropPadding, boolean horizontalFlip, double erasing) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** No augmentation: the input is copied unchanged. */
    public static final Augmentation NONE = new Augmentation(0, false, 0);

    public Augmentation {
        if (cropPadding < 0) {
            throw new IllegalArgumentException("augmentation crop padding must be >= 0 (0 = no crop), got " + cropPadding);
        }
        if (!(erasing >= 0 && erasing <= 1)) {
            throw new IllegalArgumentException("augmentation erasing must be a probability in [0, 1] (0 = off), got " + erasing);
        }
    }

    public Augmentation(int cropPadding, boolean horizontalFlip) {
        this(cropPadding, horizontalFlip, 0);
    }

    public boolean enabled() {
        return cropPadding > 0 || horizontalFlip || erasing > 0;
    }

    /**
     * One example's draw: the crop offsets in [0, 2P], whether to mirror, and the erased box
     * (rows {@code eraseTop ..+eraseHeight}, columns {@code eraseLeft ..+eraseWidth}; height 0: none).
     */
    public record Draw(int top, int left, boolean flip, int eraseTop, int eraseLeft, int eraseHeight, int eraseWidth) {
        public Draw(int top, int left, boolean flip) {
            this(top, left, flip, 0, 0, 0, 0);
        }
    }

    /** The draw of example {@code id} of a {@code height} x {@code width} image in {@code epoch}. */
    public Draw draw(long seed, long epoch, long id, int height, int width) {
        Draw d = draw(seed, epoch, id);
        if (erasing == 0) {
            return d;
        }
        long key = key(seed, epoch, id);
        if (!(uniform(key, 4) < erasing)) {
            return d;
        }
        double area = (double) height * width, logLo = StrictMath.log(0.3), logHi = StrictMath.log(3.3);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (0.02 + (0.33 - 0.02) * uniform(key, 8 + 4 * attempt));
            double aspect = StrictMath.exp(logLo + (logHi - logLo) * uniform(key, 9 + 4 * attempt));
            int h = (int) Math.round(StrictMath.sqrt(target * aspect));
            int w = (int) Math.round(StrictMath.sqrt(target / aspect));
            if (h < height && w < width) {
                int i = (int) Long.remainderUnsigned(mix(key ^ (10 + 4 * attempt)), height - h + 1);
                int j = (int) Long.remainderUnsigned(mix(key ^ (11 + 4 * attempt)), width - w + 1);
                return new Draw(d.top(), d.left(), d.flip(), i, j, h, w);
            }
        }
        return d;
    }

    /** Sets the erased box of {@code d} to 0 in every channel of the (normalized) image at {@code off}. */
    public static void erase(float[] x, int off, Shape shape, Draw d) {
        int h = shape.height(), w = shape.width();
        for (int c = 0; c < shape.channels(); c++) {
            for (int y = d.eraseTop(); y < d.eraseTop() + d.eraseHeight(); y++) {
                int o = off + (c * h + y) * w + d.eraseLeft();
                java.util.Arrays.fill(x, o, o + d.eraseWidth(), 0f);
            }
        }
    }

    private static long key(long seed, long epoch, long id) {
        return mix(mix(mix(seed ^ 0x41756753L) ^ epoch) ^ mix(id + 0x632BE59BD9B4E019L));
    }

    /** A uniform double in [0, 1) from stream {@code n} of {@code key}. */
    private static double uniform(long key, long n) {
        return (mix(key ^ n) >>> 11) * 0x1.0p-53;
    }

    /** The crop and flip of example {@code id} in {@code epoch}; offsets are P (no shift) when cropping is off. */
    public Draw draw(long seed, long epoch, long id) {
        long key = key(seed, epoch, id);
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
