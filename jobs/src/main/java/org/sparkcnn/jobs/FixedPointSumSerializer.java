package org.sparkcnn.jobs;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.sparkcnn.engine.train.FixedPointSum;

/**
 * Ships a gradient sum in fewer bytes than 8 per parameter, exactly. A 64-bit fixed-point word of a
 * gradient is far below 2^63 (|g| = 1e-3 is about 2^30 at 40 fraction bits) and exactly 0 for
 * parameters a batch does not touch. The words are zigzag-coded (small magnitudes of either sign
 * become small) and packed in groups of 16: one byte gives the group's width w (0 to 8), then each
 * word takes its w low bytes. Packing and unpacking are tight loops over whole arrays: per-word
 * Kryo varints cost more time than the bytes they save.
 */
final class FixedPointSumSerializer extends Serializer<FixedPointSum> {

    static final int GROUP = 16;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    @Override
    public void write(Kryo kryo, Output out, FixedPointSum sum) {
        FixedPointSum.State s = sum.state();
        long[] words = s.sums();
        out.writeInt(words == null ? -1 : words.length, true);
        if (words != null) {
            byte[] packed = new byte[maxPackedBytes(words.length)];
            int n = pack(words, packed);
            out.writeInt(n, true);
            out.writeBytes(packed, 0, n);
        }
        out.writeVarLong(s.loss(), false);
        out.writeVarLong(s.examples(), true);
        out.writeVarLong(s.correct(), true);
        out.writeInt(s.badIndex(), false);
        out.writeDouble(s.badValue());
    }

    @Override
    public FixedPointSum read(Kryo kryo, Input in, Class<FixedPointSum> type) {
        int count = in.readInt(true);
        long[] words = null;
        if (count >= 0) {
            int n = in.readInt(true);
            byte[] packed = new byte[n + Long.BYTES];  // unpack reads 8 bytes at a time
            in.readBytes(packed, 0, n);
            words = new long[count];
            unpack(packed, words);
        }
        long loss = in.readVarLong(false);
        long examples = in.readVarLong(true);
        long correct = in.readVarLong(true);
        int badIndex = in.readInt(false);
        double badValue = in.readDouble();
        return FixedPointSum.of(new FixedPointSum.State(words, loss, examples, correct, badIndex, badValue));
    }

    /** An upper bound of {@link #pack}'s output, plus the 8 bytes its last store may touch. */
    static int maxPackedBytes(int words) {
        return words * Long.BYTES + (words + GROUP - 1) / GROUP + Long.BYTES;
    }

    /** Packs {@code words} into {@code out} (at least {@link #maxPackedBytes} long); returns the bytes used. */
    static int pack(long[] words, byte[] out) {
        int pos = 0;
        for (int g = 0; g < words.length; g += GROUP) {
            int end = Math.min(g + GROUP, words.length);
            long bits = 0;
            for (int i = g; i < end; i++) {
                bits |= zigzag(words[i]);
            }
            int width = (Long.SIZE - Long.numberOfLeadingZeros(bits) + 7) >>> 3;
            out[pos++] = (byte) width;
            for (int i = g; i < end; i++) {
                LONG_LE.set(out, pos, zigzag(words[i]));  // 8 bytes stored, the next word overwrites the extra
                pos += width;
            }
        }
        return pos;
    }

    /** The inverse of {@link #pack}; {@code in} has 8 readable bytes past the packed ones. */
    static void unpack(byte[] in, long[] words) {
        int pos = 0;
        for (int g = 0; g < words.length; g += GROUP) {
            int end = Math.min(g + GROUP, words.length);
            int width = in[pos++];
            long mask = width == 8 ? -1L : (1L << (8 * width)) - 1;
            for (int i = g; i < end; i++) {
                long z = (long) LONG_LE.get(in, pos) & mask;
                words[i] = (z >>> 1) ^ -(z & 1);
                pos += width;
            }
        }
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }
}
