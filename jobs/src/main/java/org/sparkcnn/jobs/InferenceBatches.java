package org.sparkcnn.jobs;

import java.util.Iterator;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Inference;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.jobs.data.ExampleBlock;

/** A partition's blocks, cut into normalized batches and run forward (inference); shared by evaluation and prediction. */
final class InferenceBatches {

    static final int BATCH = 256;

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
        Inference inference = new Inference(model, norm, BATCH);
        int size = model.inputShape().size();
        while (blocks.hasNext()) {
            ExampleBlock b = blocks.next();
            for (int start = 0; start < b.size(); start += BATCH) {
                int n = Math.min(BATCH, b.size() - start);
                System.arraycopy(b.features(), start * size, inference.input(), 0, n * size);
                consumer.accept(inference.forward(params, buffers, n), n, b, start);
            }
        }
    }
}
