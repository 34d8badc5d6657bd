package org.sparkcnn.jobs.data;

import java.io.Closeable;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;

/** One open IDX file positioned in its payload; all messages name the file. */
final class IdxFile implements Closeable {

    static final int IMAGES_RANK = 3;
    static final int LABELS_RANK = 1;
    private static final int UNSIGNED_BYTE = 0x08;
    private static final int BUFFER = 1 << 16;

    final String uri;
    final int[] dims;
    final long headerBytes;
    final long dataBytes;
    final boolean gzip;
    private final FSDataInputStream raw;
    private final InputStream in;
    /** Payload bytes consumed so far. */
    private long dataPosition;

    private IdxFile(String uri, int[] dims, boolean gzip, FSDataInputStream raw, InputStream in) {
        this.uri = uri;
        this.dims = dims;
        this.headerBytes = 4L + 4L * dims.length;
        long product = 1;
        for (int d : dims) {
            product *= d;
        }
        this.dataBytes = product;
        this.gzip = gzip;
        this.raw = raw;
        this.in = in;
    }

    /** Opens {@code location}, reads and checks the header; the stream is left at the payload. */
    static IdxFile open(Configuration conf, String location, int expectedRank) throws IOException {
        Path path;
        FileSystem fs;
        try {
            path = new Path(location);
            fs = path.getFileSystem(conf);
            path = fs.makeQualified(path);
        } catch (IllegalArgumentException e) {
            throw new IOException(location + ": not a valid path (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new IOException(location + ": cannot access (" + e.getMessage() + ")", e);
        }
        String uri = path.toString();
        FileStatus status;
        try {
            status = fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            throw new IOException(uri + ": no such file", e);
        } catch (IOException e) {
            throw accessError(uri, e);
        }
        if (status.isDirectory()) {
            throw new BadDataException(uri + ": is a directory, not an IDX file");
        }
        FSDataInputStream stream;
        try {
            stream = fs.open(path);
        } catch (IOException e) {
            throw accessError(uri, e);
        }
        InputStream in = stream;
        try {
            byte[] start = new byte[2];
            int got;
            try {
                got = readUpTo(stream, start, 0, 2); // object stores report access problems here
            } catch (IOException e) {
                throw accessError(uri, e);
            }
            boolean gzip = got == 2 && (start[0] & 0xff) == 0x1f && (start[1] & 0xff) == 0x8b;
            stream.seek(0);
            if (gzip) {
                in = new GZIPInputStream(stream, BUFFER);
            }
            int[] dims = readHeader(uri, in, expectedRank);
            IdxFile f = new IdxFile(uri, dims, gzip, stream, in);
            if (!gzip) {
                long have = status.getLen() - f.headerBytes;
                if (have < f.dataBytes) {
                    throw new BadDataException(uri + ": truncated: header announces " + f.announced()
                            + " data bytes but the file ends after " + have);
                }
                if (have > f.dataBytes) {
                    throw new BadDataException(uri + ": trailing data: header announces " + f.announced()
                            + " data bytes but the file has " + have);
                }
            }
            return f;
        } catch (EOFException e) {
            IOException error = new IOException(uri + ": truncated: the gzip stream is cut off inside the IDX header", e);
            closeQuietly(in, error);
            closeQuietly(stream, error);
            throw error;
        } catch (ZipException e) {
            IOException error = new IOException(uri + ": corrupt gzip data in the IDX header (" + e.getMessage() + ")", e);
            closeQuietly(in, error);
            closeQuietly(stream, error);
            throw error;
        } catch (IOException | RuntimeException e) {
            closeQuietly(in, e);
            closeQuietly(stream, e);
            throw e;
        }
    }

    private static IOException accessError(String uri, IOException e) {
        String msg = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        if (e instanceof AccessControlException || e instanceof AccessDeniedException
                || msg.contains("Permission denied") || msg.contains("Access Denied")) {
            return new IOException(uri + ": permission denied (" + msg + ")", e);
        }
        if (e instanceof FileNotFoundException) {
            return new IOException(uri + ": no such file (" + msg + ")", e);
        }
        return new IOException(uri + ": cannot read (" + msg + ")", e);
    }

    private static int[] readHeader(String uri, InputStream in, int expectedRank) throws IOException {
        byte[] magic = new byte[4];
        int got = readUpTo(in, magic, 0, 4);
        if (got < 4) {
            throw new BadDataException(uri + ": not an IDX file (only " + got + " bytes, the IDX magic needs 4)");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            int m = ((magic[0] & 0xff) << 24) | ((magic[1] & 0xff) << 16) | ((magic[2] & 0xff) << 8) | (magic[3] & 0xff);
            throw new BadDataException(uri + ": not an IDX file (magic " + String.format("0x%08x", m)
                    + ", expected 0x0000 then type and rank)");
        }
        int type = magic[2] & 0xff;
        if (type != UNSIGNED_BYTE) {
            throw new BadDataException(uri + ": IDX element type " + String.format("0x%02X", type) + typeName(type)
                    + " is not supported (only 0x08 unsigned byte)");
        }
        int rank = magic[3] & 0xff;
        if (rank != expectedRank) {
            String expected = expectedRank == IMAGES_RANK
                    ? "an images file needs 3 dimensions (count, rows, cols)"
                    : "a labels file needs 1 dimension (count)";
            String hint = rank == IMAGES_RANK + LABELS_RANK - expectedRank ? "; images and labels swapped?" : "";
            throw new BadDataException(uri + ": IDX rank " + rank + " but " + expected + hint);
        }
        byte[] dimBytes = new byte[4 * rank];
        got = readUpTo(in, dimBytes, 0, dimBytes.length);
        if (got < dimBytes.length) {
            throw new BadDataException(uri + ": truncated: the IDX header needs " + (4 + dimBytes.length)
                    + " bytes but the file ends after " + (4 + got));
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            long d = ((dimBytes[4 * i] & 0xffL) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
                    | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
            if (d > Integer.MAX_VALUE) {
                throw new BadDataException(uri + ": IDX dimension " + i + " is " + d + ", larger than supported");
            }
            dims[i] = (int) d;
        }
        if (rank == IMAGES_RANK) {
            if (dims[1] == 0 || dims[2] == 0) {
                throw new BadDataException(uri + ": images of " + dims[1] + " x " + dims[2] + " pixels are empty");
            }
            if ((long) dims[1] * dims[2] > Integer.MAX_VALUE) {
                throw new BadDataException(uri + ": images of " + dims[1] + " x " + dims[2] + " pixels are too large");
            }
        }
        return dims;
    }

    private static String typeName(int type) {
        switch (type) {
            case 0x09: return " (signed byte)";
            case 0x0B: return " (int16)";
            case 0x0C: return " (int32)";
            case 0x0D: return " (float32)";
            case 0x0E: return " (float64)";
            default: return "";
        }
    }

    /** "10 x 4 x 3 = 120" or "10". */
    String announced() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            s.append(i == 0 ? "" : " x ").append(dims[i]);
        }
        return dims.length > 1 ? s + " = " + dataBytes : s.toString();
    }

    /** Moves forward to payload byte {@code offset}: a seek for raw files, a streaming skip for gzip. */
    void seekData(long offset) throws IOException {
        if (offset > dataBytes) {
            throw new IllegalStateException(uri + ": seek to data byte " + offset + " of " + dataBytes);
        }
        if (!gzip) {
            raw.seek(headerBytes + offset);
            dataPosition = offset;
            return;
        }
        byte[] scratch = new byte[(int) Math.min(BUFFER, Math.max(1, offset - dataPosition))];
        while (dataPosition < offset) {
            int n = (int) Math.min(scratch.length, offset - dataPosition);
            readData(scratch, n);
        }
    }

    void readData(byte[] buffer) throws IOException {
        readData(buffer, buffer.length);
    }

    /** Fills {@code buffer[0, len)} from the payload, or says where the file ends. */
    private void readData(byte[] buffer, int len) throws IOException {
        int got;
        try {
            got = readUpTo(in, buffer, 0, len);
        } catch (EOFException e) {
            // GZIPInputStream: the compressed stream is cut off. Where exactly is not known.
            throw new BadDataException(uri + ": truncated: header announces " + announced()
                    + " data bytes but the gzip stream is cut off after at least " + dataPosition, e);
        } catch (ZipException e) {
            throw new BadDataException(uri + ": corrupt gzip data after " + dataPosition + " data bytes ("
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new IOException(uri + ": read error after " + dataPosition + " data bytes ("
                    + e.getMessage() + ")", e);
        }
        dataPosition += got;
        if (got < len) {
            throw new BadDataException(uri + ": truncated: header announces " + announced()
                    + " data bytes but the file ends after " + dataPosition);
        }
    }

    /** After the whole payload: a gzipped file must end here (a raw one was checked by length). */
    void checkAtEnd() throws IOException {
        if (!gzip) {
            return;
        }
        int b;
        try {
            b = in.read();
        } catch (EOFException e) {
            throw new BadDataException(uri + ": truncated: the gzip stream is cut off after its " + dataBytes
                    + " data bytes", e);
        } catch (IOException e) {
            throw new BadDataException(uri + ": corrupt gzip data after the " + dataBytes + " data bytes ("
                    + e.getMessage() + ")", e);
        }
        if (b != -1) {
            throw new BadDataException(uri + ": trailing data: header announces " + announced()
                    + " data bytes but the file has more");
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
        raw.close();
    }

    private static int readUpTo(InputStream in, byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int n = in.read(b, off + total, len - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** Closes {@code c}, adding a failure to {@code primary} rather than hiding it. */
    static void closeQuietly(Closeable c, Exception primary) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                primary.addSuppressed(e);
            }
        }
    }
}
