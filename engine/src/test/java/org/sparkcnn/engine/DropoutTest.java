package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.layers.Dropout;
import org.sparkcnn.engine.layers.LayerModel;
import org.sparkcnn.engine.layers.Pass;

class DropoutTest {

    private static final int SIZE = 4000;
    private static final float P = 0.4f;

    private static float[] run(long seed, long step, long[] ids, float[] x, float[] dy, float[] dx) {
        LayerModel drop = new Dropout("d", P).bind(Shape.vector(SIZE), 0, ids.length);
        float[] y = new float[x.length];
        drop.forward(new float[0], x, y, ids.length, new Pass(true, seed, step, ids));
        if (dy != null) {
            drop.backward(new float[0], new float[0], x, y, dy, dx, ids.length);
        }
        return y;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    @Test
    void invertedDropoutScalesKeptUnitsAndBackwardUsesTheSameMask() {
        float[] dx = new float[SIZE];
        float[] y = run(1, 5, new long[]{17}, ones(SIZE), ones(SIZE), dx);
        int dropped = 0;
        for (int i = 0; i < SIZE; i++) {
            assertTrue(y[i] == 0f || y[i] == 1f / (1f - P), "value " + y[i]);
            assertEquals(y[i], dx[i]);
            dropped += y[i] == 0f ? 1 : 0;
        }
        assertEquals(P, dropped / (double) SIZE, 0.03);
    }

    @Test
    void maskIsAPureFunctionOfSeedStepAndExampleIdNotOfBatchPosition() {
        float[] x = ones(2 * SIZE);
        float[] ab = run(1, 5, new long[]{100, 200}, x, null, null);
        float[] ba = run(1, 5, new long[]{200, 100}, x, null, null);
        assertArrayEquals(Arrays.copyOfRange(ab, 0, SIZE), Arrays.copyOfRange(ba, SIZE, 2 * SIZE));
        assertArrayEquals(Arrays.copyOfRange(ab, SIZE, 2 * SIZE), Arrays.copyOfRange(ba, 0, SIZE));
        assertFalse(Arrays.equals(Arrays.copyOfRange(ab, 0, SIZE), Arrays.copyOfRange(ab, SIZE, 2 * SIZE)), "ids differ");
        assertFalse(Arrays.equals(ab, run(1, 6, new long[]{100, 200}, x, null, null)), "steps differ");
        assertFalse(Arrays.equals(ab, run(2, 5, new long[]{100, 200}, x, null, null)), "seeds differ");
    }

    @Test
    void inferenceIsTheIdentity() {
        LayerModel drop = new Dropout("d", P).bind(Shape.vector(3), 0, 1);
        float[] y = new float[3];
        drop.forward(new float[0], new float[]{1, 2, 3}, y, 1, Pass.INFERENCE);
        assertArrayEquals(new float[]{1, 2, 3}, y);
    }
}
