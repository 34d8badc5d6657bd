package org.sparkcnn.jobs.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.security.AccessControlException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkcnn.engine.Shape;

class IdxDatasetTest {

    static final int N = 10;
    static final int ROWS = 4;
    static final int COLS = 3;
    static final int CLASSES = 10;

    @TempDir
    java.nio.file.Path dir;

    final Configuration conf = new Configuration();

    // ---- fixtures ---------------------------------------------------------------------------

    /** Pixel p of image i: distinct values covering 0 and 255. */
    static int pixel(int i, int p) {
        if (i == 0 && p == 0) {
            return 0;
        }
        if (i == N - 1 && p == ROWS * COLS - 1) {
            return 255;
        }
        return (i * 37 + p * 11 + 1) % 256;
    }

    static int label(int i) {
        return (i * 7 + 3) % CLASSES;
    }

    static byte[] imagePayload(int n) {
        byte[] b = new byte[n * ROWS * COLS];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < ROWS * COLS; p++) {
                b[i * ROWS * COLS + p] = (byte) pixel(i, p);
            }
        }
        return b;
    }

    static byte[] labelPayload(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) label(i);
        }
        return b;
    }

    /** IDX bytes: 0, 0, type, rank, dims (big-endian int32), payload. */
    static byte[] idx(int type, int[] dims, byte[] payload) {
        ByteBuffer buf = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        buf.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            buf.putInt(d);
        }
        buf.put(payload);
        return buf.array();
    }

    static byte[] images(int n) {
        return idx(0x08, new int[] {n, ROWS, COLS}, imagePayload(n));
    }

    static byte[] labels(int n) {
        return idx(0x08, new int[] {n}, labelPayload(n));
    }

    static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(data);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String write(String name, byte[] bytes) throws IOException {
        java.nio.file.Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p.toString();
    }

    String images(boolean gz) throws IOException {
        return gz ? write("img.idx3.gz", gzip(images(N))) : write("img.idx3", images(N));
    }

    String labels(boolean gz) throws IOException {
        return gz ? write("lab.idx1.gz", gzip(labels(N))) : write("lab.idx1", labels(N));
    }

    /** Asserts the blocks are exactly examples [from, to) with the given boundaries. */
    static void assertBlocks(List<ExampleBlock> blocks, long[] expectedStarts, long to) {
        assertEquals(expectedStarts.length, blocks.size(), "block count");
        for (int b = 0; b < blocks.size(); b++) {
            ExampleBlock block = blocks.get(b);
            long first = expectedStarts[b];
            long end = b + 1 < expectedStarts.length ? expectedStarts[b + 1] : to;
            int n = (int) (end - first);
            assertEquals(first, block.firstIndex(), "firstIndex of block " + b);
            assertEquals(n, block.size(), "size of block " + b);
            assertEquals(new Shape(1, ROWS, COLS), block.shape());
            float[] features = new float[n * ROWS * COLS];
            int[] labels = new int[n];
            for (int k = 0; k < n; k++) {
                int i = (int) first + k;
                labels[k] = label(i);
                for (int p = 0; p < ROWS * COLS; p++) {
                    features[k * ROWS * COLS + p] = pixel(i, p) / 255f;
                }
            }
            assertArrayEquals(features, block.features(), "features of block " + b);
            assertArrayEquals(labels, block.labels(), "labels of block " + b);
        }
    }

    static IOException assertIo(Executable call, String... fragments) {
        IOException e = assertThrows(IOException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message lacks \"" + f + "\": " + e.getMessage());
        }
        return e;
    }

    // ---- reading ----------------------------------------------------------------------------

    @ParameterizedTest(name = "images gzip {0}, labels gzip {1}")
    @CsvSource({"false,false", "true,true", "true,false", "false,true"})
    void openReadsHeaders(boolean gzImages, boolean gzLabels) throws IOException {
        IdxDataset ds = IdxDataset.open(conf, images(gzImages), labels(gzLabels), CLASSES);
        assertEquals(N, ds.count());
        assertEquals(new Shape(1, ROWS, COLS), ds.shape());
        assertEquals(CLASSES, ds.numClasses());
        assertTrue(ds.imagesUri().startsWith("file:") && ds.imagesUri().endsWith(gzImages ? "img.idx3.gz" : "img.idx3"),
                ds.imagesUri());
        assertTrue(ds.labelsUri().startsWith("file:") && ds.labelsUri().endsWith(gzLabels ? "lab.idx1.gz" : "lab.idx1"),
                ds.labelsUri());
    }

    @ParameterizedTest(name = "images gzip {0}, labels gzip {1}")
    @CsvSource({"false,false", "true,true", "true,false", "false,true"})
    void readsWholeDatasetInAlignedBlocks(boolean gzImages, boolean gzLabels) throws IOException {
        IdxDataset ds = IdxDataset.open(conf, images(gzImages), labels(gzLabels), CLASSES);
        assertBlocks(ds.readBlocks(conf, 0, N, 4), new long[] {0, 4, 8}, N);
        assertBlocks(ds.readBlocks(conf, 0, N, 100), new long[] {0}, N);
        assertBlocks(ds.readBlocks(conf, 0, N, 1), new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, N);
    }

    @ParameterizedTest(name = "gzip {0}")
    @CsvSource({"false", "true"})
    void rangesStartingAndEndingMidBlockKeepGlobalBoundaries(boolean gz) throws IOException {
        IdxDataset ds = IdxDataset.open(conf, images(gz), labels(gz), CLASSES);
        assertBlocks(ds.readBlocks(conf, 1, 9, 3), new long[] {1, 3, 6}, 9);
        assertBlocks(ds.readBlocks(conf, 5, 7, 3), new long[] {5, 6}, 7);
        assertBlocks(ds.readBlocks(conf, 4, 5, 4), new long[] {4}, 5);
        assertBlocks(ds.readBlocks(conf, 7, 10, 3), new long[] {7, 9}, 10);
        assertTrue(ds.readBlocks(conf, 6, 6, 3).isEmpty());
    }

    @Test
    void acceptsPlainPathsAndFileUris() throws IOException {
        String img = images(false);
        String lab = labels(true);
        IdxDataset plain = IdxDataset.open(conf, img, lab, CLASSES);
        IdxDataset uri = IdxDataset.open(conf, new java.io.File(img).toURI().toString(), "file://" + lab, CLASSES);
        assertEquals(plain.imagesUri(), uri.imagesUri());
        assertEquals(plain.labelsUri(), uri.labelsUri());
        assertBlocks(uri.readBlocks(conf, 2, 8, 5), new long[] {2, 5}, 8);
    }

    @Test
    void rejectsBadArguments() throws IOException {
        IdxDataset ds = IdxDataset.open(conf, images(false), labels(false), CLASSES);
        assertThrows(IllegalArgumentException.class, () -> IdxDataset.open(conf, images(false), labels(false), 0));
        assertThrows(IllegalArgumentException.class, () -> ds.readBlocks(conf, 5, 4, 2));
        assertThrows(IllegalArgumentException.class, () -> ds.readBlocks(conf, -1, 4, 2));
        assertThrows(IllegalArgumentException.class, () -> ds.readBlocks(conf, 0, N + 1, 2));
        assertThrows(IllegalArgumentException.class, () -> ds.readBlocks(conf, 0, N, 0));
    }

    // ---- errors: one per kind, each naming the file and what is wrong ---------------------------

    @Test
    void doublyGzippedFileIsNotIdx() throws IOException {
        String img = write("twice.idx3.gz.gz", gzip(gzip(images(N))));
        IOException e = assertIo(() -> IdxDataset.open(conf, img, labels(false), CLASSES),
                "twice.idx3.gz.gz: not an IDX file (magic 0x1f8b08", "expected 0x0000 then type and rank)");
        assertTrue(e.getMessage().startsWith("file:"), e.getMessage());
    }

    @Test
    void textFileIsNotIdx() throws IOException {
        String lab = write("labels.txt", "hello world\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertIo(() -> IdxDataset.open(conf, images(false), lab, CLASSES),
                "labels.txt: not an IDX file (magic 0x68656c6c, expected 0x0000 then type and rank)");
    }

    @Test
    void tinyFileIsNotIdx() throws IOException {
        String img = write("tiny.idx3", new byte[] {0, 0});
        assertIo(() -> IdxDataset.open(conf, img, labels(false), CLASSES), "tiny.idx3: not an IDX file (only 2 bytes");
    }

    @Test
    void unsupportedElementType() throws IOException {
        String img = write("floats.idx3", idx(0x0D, new int[] {N, ROWS, COLS}, new byte[4 * N * ROWS * COLS]));
        assertIo(() -> IdxDataset.open(conf, img, labels(false), CLASSES),
                "floats.idx3: IDX element type 0x0D (float32) is not supported (only 0x08 unsigned byte)");
    }

    @Test
    void wrongRankSaysWhatWasExpected() throws IOException {
        String lab = labels(false);
        String img = images(false);
        assertIo(() -> IdxDataset.open(conf, lab, img, CLASSES),
                "lab.idx1: IDX rank 1 but an images file needs 3 dimensions (count, rows, cols); images and labels swapped?");
        String flat = write("flat.idx2", idx(0x08, new int[] {N, ROWS * COLS}, imagePayload(N)));
        assertIo(() -> IdxDataset.open(conf, flat, lab, CLASSES), "flat.idx2: IDX rank 2 but an images file needs 3");
    }

    @Test
    void truncatedHeader() throws IOException {
        String img = write("short-header.idx3", new byte[] {0, 0, 8, 3, 0, 0, 0, 10, 0});
        assertIo(() -> IdxDataset.open(conf, img, labels(false), CLASSES),
                "short-header.idx3: truncated: the IDX header needs 16 bytes but the file ends after 9");
    }

    @Test
    void truncatedRawPayloadFailsAtOpen() throws IOException {
        byte[] full = images(N);
        String img = write("cut.idx3", Arrays.copyOf(full, full.length - 20));
        assertIo(() -> IdxDataset.open(conf, img, labels(false), CLASSES),
                "cut.idx3: truncated: header announces 10 x 4 x 3 = 120 data bytes but the file ends after 100");
    }

    @Test
    void truncatedGzipPayloadFailsWhenRead() throws IOException {
        byte[] full = images(N);
        String img = write("cut.idx3.gz", gzip(Arrays.copyOf(full, full.length - 20)));
        IdxDataset ds = IdxDataset.open(conf, img, labels(false), CLASSES); // header is fine
        assertBlocks(ds.readBlocks(conf, 0, 8, 4), new long[] {0, 4}, 8); // 96 bytes are there
        assertIo(() -> ds.readBlocks(conf, 0, N, 4),
                "cut.idx3.gz: truncated: header announces 10 x 4 x 3 = 120 data bytes but the file ends after 100");
    }

    @Test
    void gzipStreamCutOffFailsWhenRead() throws IOException {
        byte[] gz = gzip(images(N));
        String img = write("cutoff.idx3.gz", Arrays.copyOf(gz, gz.length / 2));
        IdxDataset ds = IdxDataset.open(conf, img, labels(false), CLASSES);
        assertIo(() -> ds.readBlocks(conf, 0, N, 4), "cutoff.idx3.gz: truncated: header announces 10 x 4 x 3 = 120");
    }

    @Test
    void trailingDataIsAnError() throws IOException {
        byte[] full = labels(N);
        byte[] longer = Arrays.copyOf(full, full.length + 3);
        String raw = write("long.idx1", longer);
        assertIo(() -> IdxDataset.open(conf, images(false), raw, CLASSES),
                "long.idx1: trailing data: header announces 10 data bytes but the file has 13");
        String gz = write("long.idx1.gz", gzip(longer));
        IdxDataset ds = IdxDataset.open(conf, images(false), gz, CLASSES);
        assertBlocks(ds.readBlocks(conf, 0, 9, 3), new long[] {0, 3, 6}, 9);
        assertIo(() -> ds.readBlocks(conf, 0, N, 3), "long.idx1.gz: trailing data: header announces 10 data bytes");
    }

    @Test
    void recordCountsMustAgree() throws IOException {
        String lab = write("lab9.idx1", labels(N - 1));
        String img = images(true);
        IOException e = assertIo(() -> IdxDataset.open(conf, img, lab, CLASSES),
                "img.idx3.gz) have 10 records but labels (", "lab9.idx1) have 9");
        assertTrue(e.getMessage().startsWith("images (file:"), e.getMessage());
    }

    @ParameterizedTest(name = "gzip {0}")
    @CsvSource({"false", "true"})
    void labelOutsideClassesNamesTheRecord(boolean gz) throws IOException {
        byte[] payload = labelPayload(N);
        payload[7] = 12;
        byte[] bytes = idx(0x08, new int[] {N}, payload);
        String lab = gz ? write("bad.idx1.gz", gzip(bytes)) : write("bad.idx1", bytes);
        IdxDataset ds = IdxDataset.open(conf, images(gz), lab, CLASSES);
        assertBlocks(ds.readBlocks(conf, 0, 6, 3), new long[] {0, 3}, 6); // records before 7 are fine
        assertIo(() -> ds.readBlocks(conf, 0, N, 3),
                (gz ? "bad.idx1.gz" : "bad.idx1") + ": record 7 has label 12, outside [0, 10)");
        // 255 (the largest byte) must not wrap to a negative label
        payload[7] = (byte) 255;
        String lab255 = write("bad255.idx1", idx(0x08, new int[] {N}, payload));
        IdxDataset ds255 = IdxDataset.open(conf, images(gz), lab255, CLASSES);
        assertIo(() -> ds255.readBlocks(conf, 6, 8, 3), "bad255.idx1: record 7 has label 255, outside [0, 10)");
    }

    @Test
    void missingFile() throws IOException {
        String img = dir.resolve("nope.idx3").toString();
        assertIo(() -> IdxDataset.open(conf, img, labels(false), CLASSES), "nope.idx3: no such file");
        String lab = dir.resolve("nope.idx1.gz").toString();
        assertIo(() -> IdxDataset.open(conf, images(false), lab, CLASSES), "nope.idx1.gz: no such file");
    }

    @ParameterizedTest
    @CsvSource({"true,false", "false,true"})
    void locateFindsLabelsCompressedDifferentlyFromTheImages(boolean gzImages, boolean gzLabels) throws IOException {
        String img = write("train-images-idx3-ubyte" + (gzImages ? ".gz" : ""), gzImages ? gzip(images(N)) : images(N));
        write("train-labels-idx1-ubyte" + (gzLabels ? ".gz" : ""), gzLabels ? gzip(labels(N)) : labels(N));
        for (String uri : new String[]{img, dir.toString()}) {  // the images file, or its directory
            IdxDataset ds = IdxDataset.locate(conf, uri, List.of("train"), CLASSES);
            assertEquals(N, ds.count(), uri);
            assertBlocks(ds.readBlocks(conf, 0, N, N), new long[]{0}, N);
        }
        Files.delete(dir.resolve("train-labels-idx1-ubyte" + (gzLabels ? ".gz" : "")));
        assertIo(() -> IdxDataset.locate(conf, img, List.of("train"), CLASSES),
                "train-labels-idx1-ubyte" + (gzImages ? ".gz" : "") + ": no such file (nor train-labels-idx1-ubyte"
                        + (gzImages ? "" : ".gz") + ")");
    }

    @Test
    void fileRemovedAfterOpenIsReportedWhenRead() throws IOException {
        String img = images(false);
        IdxDataset ds = IdxDataset.open(conf, img, labels(false), CLASSES);
        Files.delete(java.nio.file.Path.of(img));
        assertIo(() -> ds.readBlocks(conf, 0, N, 4), "img.idx3: no such file");
    }

    @Test
    void directoryIsNotAFile() throws IOException {
        String sub = Files.createDirectory(dir.resolve("adir")).toString();
        assertIo(() -> IdxDataset.open(conf, sub, labels(false), CLASSES), "adir: is a directory, not an IDX file");
    }

    @Test
    void unreadableFile() throws IOException {
        // Tests run as root on the build machines, and root reads a chmod 000 file anyway: skip there.
        // unreadableFileOnAFileSystemThatDeniesAccess covers the same message as root.
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root can read a chmod 000 file");
        String img = images(false);
        Files.setPosixFilePermissions(java.nio.file.Path.of(img), PosixFilePermissions.fromString("---------"));
        assertIo(() -> IdxDataset.open(conf, img, labels(false), CLASSES), "img.idx3: permission denied (");
    }

    @Test
    void unreadableFileOnAFileSystemThatDeniesAccess() throws IOException {
        Configuration denying = new Configuration();
        denying.set("fs.file.impl", DenyingLocalFileSystem.class.getName());
        denying.setBoolean("fs.file.impl.disable.cache", true);
        String img = images(false);
        IOException e = assertIo(() -> IdxDataset.open(denying, img, labels(false), CLASSES),
                "img.idx3: permission denied (Permission denied: user=tester, access=READ");
        assertTrue(e.getCause() instanceof AccessControlException, String.valueOf(e.getCause()));
    }

    /** The local file system, except that opening a file fails as HDFS does without read permission. */
    public static final class DenyingLocalFileSystem extends RawLocalFileSystem {
        @Override
        public FSDataInputStream open(Path f, int bufferSize) throws IOException {
            throw new AccessControlException("Permission denied: user=tester, access=READ, inode=\"" + f + "\"");
        }
    }
}
