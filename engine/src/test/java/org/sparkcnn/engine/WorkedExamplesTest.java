package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.layers.Conv2d;
import org.sparkcnn.engine.layers.LayerModel;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.layers.Pool2d;

/** The classic hand-computed examples, through the engine's layers. */
class WorkedExamplesTest {

    @Test
    void convolutionForwardFilterGradientAndFullConvolutionInputGradient() {
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] params = {1, 2, 3, 4, 0};  // F = [[1,2],[3,4]], bias 0
        float[] dO = {1, -1, 2, 0.5f};
        LayerModel conv = new Conv2d("conv", 1, 1, 2, 2, 1, 1, 0, 0, true).bind(new Shape(1, 3, 3), 0, 1);
        float[] o = new float[4];
        conv.forward(params, x, o, 1, Pass.INFERENCE);
        assertArrayEquals(new float[]{37, 47, 67, 77}, o, "O = X (*) F");

        float[] grads = new float[5];
        float[] dx = new float[9];
        conv.backward(params, grads, x, o, dO, dx, 1);
        // dF: valid cross-correlation of X with dO
        assertArrayEquals(new float[]{9.5f, 12f, 17f, 19.5f, 2.5f}, grads, "dF (then db = sum dO)");
        // dX: full convolution of dO with F rotated by 180 degrees
        assertArrayEquals(new float[]{1, 1, -2, 5, 5.5f, -3, 6, 9.5f, 2}, dx, "dX");
    }

    private static final float[] POOL_X = {1, 3, 2, 1, 4, 2, 0, 5, 3, 1, 1, 2, 0, 2, 4, 3};
    private static final float[] POOL_DELTA = {2, 8, 4, 6};

    @Test
    void averagePoolingSpreadsEachDeltaEvenly() {
        float[] dx = poolBackward(false);
        assertArrayEquals(new float[]{
                0.5f, 0.5f, 2f, 2f,
                0.5f, 0.5f, 2f, 2f,
                1f, 1f, 1.5f, 1.5f,
                1f, 1f, 1.5f, 1.5f}, dx);
    }

    @Test
    void maxPoolingRoutesEachDeltaToItsMaximum() {
        float[] dx = poolBackward(true);
        float[] expected = new float[16];
        expected[1 * 4 + 0] = 2;  // max 4 at (1,0)
        expected[1 * 4 + 3] = 8;  // max 5 at (1,3)
        expected[2 * 4 + 0] = 4;  // max 3 at (2,0)
        expected[3 * 4 + 2] = 6;  // max 4 at (3,2)
        assertArrayEquals(expected, dx);
    }

    @Test
    void maxPoolingTiesGoToTheFirstMaximumInRowMajorWindowOrder() {
        float[] x = {7, 7, 7, 7};
        LayerModel pool = new Pool2d("p", true, 2, 2, 2, 2, 0, 0, true).bind(new Shape(1, 2, 2), 0, 1);
        float[] y = new float[1];
        pool.forward(new float[0], x, y, 1, Pass.INFERENCE);
        float[] dx = new float[4];
        pool.backward(new float[0], new float[0], x, y, new float[]{1}, dx, 1);
        assertArrayEquals(new float[]{1, 0, 0, 0}, dx);
    }

    private static float[] poolBackward(boolean max) {
        LayerModel pool = new Pool2d("p", max, 2, 2, 2, 2, 0, 0, true).bind(new Shape(1, 4, 4), 0, 1);
        float[] y = new float[4];
        pool.forward(new float[0], POOL_X, y, 1, Pass.INFERENCE);
        float[] dx = new float[16];
        pool.backward(new float[0], new float[0], POOL_X, y, POOL_DELTA, dx, 1);
        return dx;
    }
}
