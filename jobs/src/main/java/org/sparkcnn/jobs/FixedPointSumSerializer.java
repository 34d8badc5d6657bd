package org.sparkcnn.jobs;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.sparkcnn.engine.train.FixedPointSum;

/**
 * Ships a gradient sum as zigzag varints instead of 8 bytes per parameter. A 64-bit fixed-point
 * word of a gradient is far below 2^63 (|g| = 1e-3 is about 2^30 at 40 fraction bits) and exactly 0
 * for parameters a batch does not touch, so a task result takes about half the bytes to write, hold
 * and read; the words come back exactly.
 */
final class FixedPointSumSerializer extends Serializer<FixedPointSum> {

    @Override
    public void write(Kryo kryo, Output out, FixedPointSum sum) {
        FixedPointSum.State s = sum.state();
        long[] words = s.sums();
        out.writeInt(words == null ? -1 : words.length, true);
        if (words != null) {
            for (long w : words) {
                out.writeVarLong(w, false);  // zigzag: small magnitudes of either sign are short
            }
        }
        out.writeVarLong(s.loss(), false);
        out.writeVarLong(s.examples(), true);
        out.writeVarLong(s.correct(), true);
        out.writeInt(s.badIndex(), false);
        out.writeDouble(s.badValue());
    }

    @Override
    public FixedPointSum read(Kryo kryo, Input in, Class<FixedPointSum> type) {
        int n = in.readInt(true);
        long[] words = n < 0 ? null : new long[n];
        for (int i = 0; i < n; i++) {
            words[i] = in.readVarLong(false);
        }
        long loss = in.readVarLong(false);
        long examples = in.readVarLong(true);
        long correct = in.readVarLong(true);
        int badIndex = in.readInt(false);
        double badValue = in.readDouble();
        return FixedPointSum.of(new FixedPointSum.State(words, loss, examples, correct, badIndex, badValue));
    }
}
