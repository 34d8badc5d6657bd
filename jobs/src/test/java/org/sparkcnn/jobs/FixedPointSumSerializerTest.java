package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.train.FixedPointSum;
import scala.reflect.ClassTag$;

/** Gradient sums cross Spark's Kryo serializer exactly, in fewer bytes than 8 per parameter. */
class FixedPointSumSerializerTest {

    private final SerializerInstance kryo = new KryoSerializer(LocalSpark.conf("local[1]")).newInstance();

    private FixedPointSum roundTrip(FixedPointSum sum, int[] bytes) {
        ByteBuffer buf = kryo.serialize(sum, ClassTag$.MODULE$.apply(FixedPointSum.class));
        bytes[0] = buf.remaining();
        return kryo.deserialize(buf, ClassTag$.MODULE$.apply(FixedPointSum.class));
    }

    @Test
    void everyWordAndFieldComesBackExactly() {
        SplittableRandom rnd = new SplittableRandom(7);
        long[] words = new long[10_000];
        for (int i = 0; i < words.length; i++) {
            words[i] = switch (i % 5) {
                case 0 -> 0;
                case 1 -> rnd.nextLong();                       // any 64-bit pattern
                case 2 -> i % 2 == 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
                default -> rnd.nextLong(-(1L << 31), 1L << 31);  // a typical gradient word
            };
        }
        FixedPointSum.State in = new FixedPointSum.State(words, -123_456_789_012L, 64, 51, 17, Double.NEGATIVE_INFINITY);
        FixedPointSum.State out = roundTrip(FixedPointSum.of(in), new int[1]).state();
        assertArrayEquals(words, out.sums());
        assertEquals(in.loss(), out.loss());
        assertEquals(in.examples(), out.examples());
        assertEquals(in.correct(), out.correct());
        assertEquals(in.badIndex(), out.badIndex());
        assertEquals(in.badValue(), out.badValue());
    }

    @Test
    void packingRoundTripsEveryLengthAndWidth() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int n : new int[]{0, 1, 15, 16, 17, 33, 1000}) {
            for (int bitsWide = 0; bitsWide <= 64; bitsWide += 7) {
                long[] words = new long[n];
                for (int i = 0; i < n; i++) {
                    long w = bitsWide == 0 ? 0 : rnd.nextLong() >> (64 - Math.min(63, bitsWide));
                    words[i] = i % 97 == 3 ? Long.MIN_VALUE : w;  // a full-width word in a few groups
                }
                byte[] packed = new byte[FixedPointSumSerializer.maxPackedBytes(n)];
                int used = FixedPointSumSerializer.pack(words, packed);
                byte[] exact = java.util.Arrays.copyOf(packed, used + Long.BYTES);
                java.util.Arrays.fill(exact, used, exact.length, (byte) 0x5A);  // garbage past the end is ignored
                long[] back = new long[n];
                FixedPointSumSerializer.unpack(exact, back);
                assertArrayEquals(words, back, n + " words of " + bitsWide + " bits");
            }
        }
    }

    @Test
    void anEmptySumStaysEmpty() {
        FixedPointSum out = roundTrip(new FixedPointSum(), new int[1]);
        assertTrue(out.isEmpty());
        assertNull(out.state().sums());
        assertEquals(-1, out.badIndex());
    }

    @Test
    void aRealGradientTakesAboutHalfTheBytesOfRawWords() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] grads = new float[61_706];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = i % 4 == 0 ? 0f : (float) (rnd.nextGaussian() * 1e-3);
        }
        FixedPointSum sum = new FixedPointSum();
        sum.add(grads, 2.3, 16);
        int[] bytes = new int[1];
        FixedPointSum out = roundTrip(sum, bytes);
        assertArrayEquals(sum.state().sums(), out.state().sums());
        assertTrue(bytes[0] < 0.6 * 8 * grads.length, bytes[0] + " bytes for " + grads.length + " words");
    }
}
