package org.sparkcnn.engine.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Shape;

/**
 * A convolution's backward reuses what its forward left in the workspace (the first group's frame of X,
 * or one group's columns) only for the input that forward ran on, with the same batch: a forward on
 * another input, or on fewer examples, in between must not leave the backward reading it. Checked on a
 * "same" layer of three groups (frames) and a strided one of one group (columns), bit for bit against a
 * backward with nothing to reuse.
 */
class Conv2dReuseTest {

    @Test
    void theBackwardReusesOnlyItsOwnInputsFrameOrColumns() {
        check(new Conv2d("same", 8, 8, 3, 3, 1, 1, 1, 1, true), new Shape(8, 28, 28), 40);
        check(new Conv2d("strided", 4, 8, 3, 3, 2, 2, 1, 1, false), new Shape(4, 9, 9), 3);
    }

    private static void check(Conv2d conv, Shape in, int n) {
        SplittableRandom rng = new SplittableRandom(11);
        int params = conv.params(in).stream().mapToInt(p -> Arrays.stream(p.shape()).reduce(1, (a, b) -> a * b)).sum();
        float[] w = random(rng, params), x = random(rng, n * in.size()), other = random(rng, n * in.size());
        int outLen = n * conv.outputShape(in).size();
        float[] dy = random(rng, outLen);
        // the reference: a backward whose layer's last forward ran on another input
        float[] expectedGrads = new float[params], expectedDx = new float[x.length];
        LayerModel ref = conv.bind(in, 0, n);
        ref.forward(w, other, new float[outLen], n, Pass.training(1, 0, n));
        ref.backward(w, expectedGrads, x, null, dy, expectedDx, n);
        // reusing its own forward's frame or columns
        LayerModel layer = conv.bind(in, 0, n);
        assertBackward(layer, w, x, dy, n, () -> layer.forward(w, x, new float[outLen], n, Pass.training(1, 0, n)),
                expectedGrads, expectedDx, conv.name() + ", after its own forward");
        // a forward on another input, then on x with fewer examples, in between
        assertBackward(layer, w, x, dy, n, () -> {
            layer.forward(w, x, new float[outLen], n, Pass.training(1, 0, n));
            layer.forward(w, other, new float[outLen], n, Pass.training(1, 0, n));
        }, expectedGrads, expectedDx, conv.name() + ", after a forward on another input");
        assertBackward(layer, w, x, dy, n, () -> {
            layer.forward(w, other, new float[outLen], n, Pass.training(1, 0, n));
            layer.forward(w, x, new float[outLen], n - 1, Pass.training(1, 0, n - 1));
        }, expectedGrads, expectedDx, conv.name() + ", after a forward on fewer examples");
        assertFalse(Arrays.equals(expectedGrads, new float[params]), "the gradients are all zero");
    }

    private static void assertBackward(LayerModel layer, float[] w, float[] x, float[] dy, int n, Runnable forwards,
                                       float[] expectedGrads, float[] expectedDx, String what) {
        forwards.run();
        float[] grads = new float[expectedGrads.length], dx = new float[x.length];
        layer.backward(w, grads, x, null, dy, dx, n);
        assertArrayEquals(expectedGrads, grads, what + ": dW, db");
        assertArrayEquals(expectedDx, dx, what + ": dX");
    }

    private static float[] random(SplittableRandom rng, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }
}
