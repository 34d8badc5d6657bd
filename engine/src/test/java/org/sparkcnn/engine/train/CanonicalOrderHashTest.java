package org.sparkcnn.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.optim.Optimizers;

/**
 * The canonical summation orders, pinned: three SGD steps of the shipped lenet5 and resnet8 on fixed
 * synthetic data end at recorded weights hashes (weights, then running statistics). Every kernel's
 * forward and backward, the exact gradient sum, batch norm's sums and the optimizer take part, so a
 * change of any order changes the hash. Recorded 2026-12-03 on AMD EPYC (Zen 5): the same with 512-bit
 * and 128-bit vectors and with -Dsparkcnn.noVector=true, and from the jar before conv dX went a few
 * examples at a time. Both again (2026-12-03 evening) for two new canonical orders: dX of "same"
 * convolutions as a convolution of dY, and dW as one chain per entry where a position has 32 or more
 * taps; the same at 512, 256 and 128 bits and without vectors.
 */
class CanonicalOrderHashTest {

    static String trainedHash(String model, int chunk, int batch, int steps) throws IOException {
        ModelDefinition def = ModelDefinition.load(model);
        int size = def.inputShape().size();
        SplittableRandom rng = new SplittableRandom(42);
        float[] x = new float[batch * size];
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(10);
            for (int p = 0; p < size; p++) {
                x[i * size + p] = (float) (rng.nextDouble() * 0.6 + (p % 10 == labels[i] ? 0.4 : 0));
            }
        }
        float[] params = org.sparkcnn.engine.Initializer.PYTORCH_DEFAULT.initialize(def, 3);
        float[] buffers = def.initialBuffers();
        var sgd = Optimizers.create("sgd", java.util.Map.of("momentum", 0.9, "nesterov", true, "weight_decay", 5e-4), def);
        Normalization norm = new Normalization(new float[] {0.3f}, new float[] {0.35f});
        float[] grads = new float[params.length];
        int b = def.bufferCount();
        try (GradientWorker worker = new GradientWorker(def, norm, chunk, 1)) {
            for (int step = 0; step < steps; step++) {
                List<GradientWorker.Examples> parts = new ArrayList<>();
                for (int r0 = 0; r0 < batch; r0 += chunk) {
                    int[] rows = new int[chunk];
                    for (int r = 0; r < chunk; r++) rows[r] = (r0 + r + 7 * step) % batch;
                    parts.add(new GradientWorker.Examples(x, labels, 0, rows));
                }
                FixedPointSum total = new FixedPointSum();
                if (b > 0) {
                    float[] stats = new float[parts.size() * b];
                    worker.accumulateGroups(params, parts, batch, 1, step, Augmentation.NONE, 0, total, stats);
                    for (int g = 0; g < parts.size(); g++) RunningStatistics.update(def, buffers, stats, g * b);
                } else {
                    worker.accumulate(params, parts, batch, 1, step, total);
                }
                sgd.step(params, total.gradient(grads), 0.05);
            }
        }
        float[] all = java.util.Arrays.copyOf(params, params.length + b);
        System.arraycopy(buffers, 0, all, params.length, b);
        return ModelFile.sha256(all);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "lenet5, 16, 48, f92e1ac341b6fff9232633d4c59bc26c22a1eabfe4db290067dc4b2676173720",
        "resnet8, 32, 64, 6201cc3890453ddaa2f3db1ef2939c56c02fc5513a56d9ff05e0b922d13209d6"})
    void threeStepsEndAtTheRecordedHash(String model, int chunk, int batch, String expected) throws IOException {
        assertEquals(expected, trainedHash(model, chunk, batch, 3));
    }
}
