package org.sparkcnn.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.optim.Sgd;

/** Each shipped model, trained with SGD on one small batch, drives the loss to near zero. */
class LearningTest {

    @ParameterizedTest
    @ValueSource(strings = {"lenet5", "small", "tfconv"})
    void sgdFitsOneSmallBatch(String modelName) throws IOException {
        ModelDefinition def = ModelDefinition.load(modelName);
        int n = 16, size = def.inputShape().size();
        SplittableRandom rng = new SplittableRandom(5);
        float[] x = new float[n * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        int[] labels = rng.ints(n, 0, 10).toArray();

        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
        float[] grads = new float[params.length];
        Network net = def.newNetwork(n);
        Sgd sgd = new Sgd(params.length, 0.9, 0, false, 0);
        double first = Double.NaN, loss = Double.NaN;
        for (int step = 0; step < 300; step++) {
            java.util.Arrays.fill(grads, 0f);
            loss = net.lossAndGradient(params, grads, x, labels, null, n, n, Pass.training(9, step, n));
            if (step == 0) {
                first = loss;
            }
            sgd.step(params, grads, 0.02);
            if (loss < 1e-3) {
                break;
            }
        }
        assertTrue(first > 1.5, modelName + ": initial loss " + first + " should be near ln(10)");
        assertTrue(loss < 0.01, modelName + ": loss " + loss + " after training, from " + first);
    }
}
