package org.sparkcnn.jobs.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.sparkcnn.engine.Shape;

/**
 * Pixels from bytes, into the engine's C x H x W layout, scaled as the IDX reader scales them
 * (8-bit values / 255): a raw tensor of C*H*W unsigned bytes, a raw tensor of C*H*W little-endian
 * float32 values (taken as they are), or an encoded image (PNG, JPEG, ... through ImageIO),
 * converted to grey or RGB by the channel count and resized (bilinear) to H x W.
 */
public final class Pixels {

    private Pixels() {
    }

    /** Writes {@code shape.size()} values at {@code out[off..]}; {@code where} names the record in errors. */
    public static void fromBytes(byte[] bytes, Shape shape, float[] out, int off, String where) {
        int size = shape.size();
        boolean raw = bytes.length == size || bytes.length == 4 * size;
        if (!raw || looksEncoded(bytes)) {
            // An encoded image can happen to be C*H*W or 4*C*H*W bytes long: its signature decides.
            // A raw tensor that happens to begin with a signature still reads as raw if it does not decode.
            try {
                decode(bytes, shape, out, off, where);
                return;
            } catch (IllegalArgumentException e) {
                if (!raw) {
                    throw e;
                }
            }
        }
        if (bytes.length == size) {
            for (int i = 0; i < size; i++) {
                out[off + i] = (bytes[i] & 0xff) / 255f;
            }
        } else if (bytes.length == 4 * size) {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, off, size);
        }
    }

    /** PNG, JPEG, GIF or BMP by their first bytes. */
    static boolean looksEncoded(byte[] b) {
        return startsWith(b, 0x89, 'P', 'N', 'G') || startsWith(b, 0xff, 0xd8, 0xff) || startsWith(b, 'G', 'I', 'F', '8')
                || startsWith(b, 'B', 'M');
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Decodes an encoded image; fails naming {@code where} if ImageIO cannot read it. */
    public static void decode(byte[] bytes, Shape shape, float[] out, int off, String where) {
        BufferedImage img;
        try {
            img = javax.imageio.ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new BadRecordException(where + ": cannot be decoded as an image: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new BadRecordException(where + ": not an image ImageIO can decode (" + bytes.length + " bytes)");
        }
        int h = shape.height(), w = shape.width(), c = shape.channels();
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException(where + ": images need a model input of 1 or 3 channels, not " + c);
        }
        BufferedImage sized = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (c == 1) {
                    out[off + y * w + x] = (sized.getRaster().getSample(x, y, 0) & 0xff) / 255f;
                } else {
                    int rgb = sized.getRGB(x, y);
                    out[off + y * w + x] = ((rgb >> 16) & 0xff) / 255f;
                    out[off + plane + y * w + x] = ((rgb >> 8) & 0xff) / 255f;
                    out[off + 2 * plane + y * w + x] = (rgb & 0xff) / 255f;
                }
            }
        }
    }
}
