package org.sparkcnn.trainer;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * A small, learnable Fashion-MNIST look-alike written as gzipped IDX files (train-* and t10k-*):
 * 28x28 images of 10 classes, class c being a bright 8x8 square at a class-specific place, plus noise.
 */
final class TinyDataset {

    private TinyDataset() {
    }

    static Path write(Path dir, int trainCount, int testCount) throws IOException {
        Files.createDirectories(dir);
        write(dir, "train", trainCount, TRAIN_SEED);
        write(dir, "t10k", testCount, TEST_SEED);
        return dir;
    }

    /** The test examples {@link #write} writes, as the IDX reader gives them: pixels / 255, labels. */
    record Examples(float[] pixels, int[] labels) {
    }

    static Examples test(int testCount) {
        return examples(testCount, TEST_SEED);
    }

    /** The training examples {@link #write} writes, as the IDX reader gives them. */
    static Examples train(int trainCount) {
        return examples(trainCount, TRAIN_SEED);
    }

    private static Examples examples(int testCount, long seed) {
        byte[] labels = new byte[testCount];
        byte[] pixels = new byte[testCount * 28 * 28];
        generate(testCount, seed, labels, pixels);
        float[] x = new float[pixels.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (pixels[i] & 0xff) / 255f;
        }
        int[] y = new int[testCount];
        for (int i = 0; i < testCount; i++) {
            y[i] = labels[i];
        }
        return new Examples(x, y);
    }

    private static final long TRAIN_SEED = 11;
    private static final long TEST_SEED = 12;

    private static void generate(int count, long seed, byte[] labels, byte[] pixels) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            int c = i % 10;
            labels[i] = (byte) c;
            int top = 2 + (c / 5) * 14 + rnd.nextInt(3), left = 1 + (c % 5) * 5 + rnd.nextInt(2);
            for (int p = 0; p < 28 * 28; p++) {
                int r = p / 28, col = p % 28;
                boolean on = r >= top && r < top + 8 && col >= left && col < Math.min(28, left + 8);
                pixels[i * 784 + p] = (byte) Math.min(255, (on ? 180 : 0) + rnd.nextInt(60));
            }
        }
    }

    private static void write(Path dir, String prefix, int count, long seed) throws IOException {
        byte[] labels = new byte[count];
        byte[] pixels = new byte[count * 28 * 28];
        generate(count, seed, labels, pixels);
        try (DataOutputStream out = gzip(dir.resolve(prefix + "-images-idx3-ubyte.gz"))) {
            out.writeInt(0x00000803);
            out.writeInt(count);
            out.writeInt(28);
            out.writeInt(28);
            out.write(pixels);
        }
        try (DataOutputStream out = gzip(dir.resolve(prefix + "-labels-idx1-ubyte.gz"))) {
            out.writeInt(0x00000801);
            out.writeInt(count);
            out.write(labels);
        }
    }

    private static DataOutputStream gzip(Path file) throws IOException {
        OutputStream raw = Files.newOutputStream(file);
        return new DataOutputStream(new GZIPOutputStream(raw));
    }
}
