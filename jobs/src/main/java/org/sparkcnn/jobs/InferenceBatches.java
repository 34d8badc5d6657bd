package org.sparkcnn.jobs;

import java.util.Iterator;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Inference;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.jobs.data.ExampleBlock;

/** A partition's blocks, cut into normalized batches and run forward (inference); shared by evaluation and prediction. */
final class InferenceBatches {

    static final int BATCH = 256;
    /** Bytes a task's network may hold in activations and their gradients (a 512 MiB executor runs resnet8). */
    static final long ACTIVATION_BUDGET = 64L << 20;

    /**
     * Examples per forward call: up to {@link #BATCH}, fewer for a model whose per-example activations
     * (every node's output, and as much again for the network's gradient buffers) would pass
     * {@link #ACTIVATION_BUDGET}: resnet8 at 256 would need 430 MiB. Outputs do not depend on it.
     */
    static int batchFor(ModelDefinition model) {
        long floats = 0;
        for (org.sparkcnn.engine.Shape s : model.shapes()) {
            floats += s.size();
        }
        return (int) Math.max(1, Math.min(BATCH, ACTIVATION_BUDGET / (2 * 4 * floats)));
    }

    /** Sees each batch: its outputs ({@code n x outputSize}), its block and the batch's first row in it. */
    interface Consumer {
        void accept(float[] outputs, int n, ExampleBlock block, int start);
    }

    private InferenceBatches() {
    }

    static void run(String modelJson, Normalization norm, float[] params, Iterator<ExampleBlock> blocks, Consumer consumer) {
        run(modelJson, norm, params, null, blocks, consumer);
    }

    /** As above for a model with state: {@code buffers} (batch norm's running statistics) normalize in inference mode. */
    static void run(String modelJson, Normalization norm, float[] params, float[] buffers, Iterator<ExampleBlock> blocks,
                    Consumer consumer) {
        ModelDefinition model = ModelDefinition.fromJson(modelJson);
        int batch = batchFor(model);
        Inference inference = new Inference(model, norm, batch);
        int size = model.inputShape().size();
        while (blocks.hasNext()) {
            ExampleBlock b = blocks.next();
            for (int start = 0; start < b.size(); start += batch) {
                int n = Math.min(batch, b.size() - start);
                System.arraycopy(b.features(), start * size, inference.input(), 0, n * size);
                consumer.accept(inference.forward(params, buffers, n), n, b, start);
            }
        }
    }
}
