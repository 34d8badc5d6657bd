package org.sparkcnn.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Shape;

/** How a binary tensor cell is read: raw bytes, raw float32, or an encoded image. */
class PixelsTest {

    private static byte[] png(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (x * 37 + y * 11) & 0xff);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void aPngWhoseLengthEqualsTheTensorSizeIsDecodedNotReadAsRawBytes() throws IOException {
        byte[] png = png(8, 8);
        Shape shape = new Shape(1, 1, png.length);  // C*H*W == the file's length
        float[] viaFromBytes = new float[shape.size()];
        float[] decoded = new float[shape.size()];
        Pixels.fromBytes(png, shape, viaFromBytes, 0, "cell");
        Pixels.decode(png, shape, decoded, 0, "cell");
        assertArrayEquals(decoded, viaFromBytes);
        assertTrue(viaFromBytes[0] != (png[0] & 0xff) / 255f, "the PNG signature byte was taken as a pixel");
    }

    @Test
    void rawBytesThatBeginLikeABitmapAreStillRawPixels() {
        Shape shape = new Shape(1, 4, 4);
        byte[] raw = new byte[16];
        raw[0] = 'B';
        raw[1] = 'M';
        for (int i = 2; i < raw.length; i++) {
            raw[i] = (byte) (i * 13);
        }
        float[] out = new float[16];
        Pixels.fromBytes(raw, shape, out, 0, "cell");
        for (int i = 0; i < raw.length; i++) {
            assertEquals((raw[i] & 0xff) / 255f, out[i], "pixel " + i);
        }
    }

    @Test
    void rawFloat32IsTakenAsItIs() {
        Shape shape = new Shape(1, 2, 2);
        float[] values = {0.25f, -1.5f, 3f, 1e-3f};
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        float[] out = new float[4];
        Pixels.fromBytes(b.array(), shape, out, 0, "cell");
        assertArrayEquals(values, out);
    }
}
