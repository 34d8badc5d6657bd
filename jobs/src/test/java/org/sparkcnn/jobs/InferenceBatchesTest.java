package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Shape;

/**
 * Evaluation and prediction run a model forward in batches whose activations fit a small executor:
 * lenet5 keeps batches of 256; resnet8 (about 0.8 MiB of activations an example) runs fewer at a time,
 * within the budget, so a 512 MiB executor evaluates it (StandaloneClusterIT).
 */
class InferenceBatchesTest {

    private static long activationBytes(ModelDefinition m, int batch) {
        long floats = 0;
        for (Shape s : m.shapes()) {
            floats += s.size();
        }
        return 2L * 4 * floats * batch;
    }

    @Test
    void batchesFitTheActivationBudget() throws Exception {
        assertEquals(InferenceBatches.BATCH, InferenceBatches.batchFor(ModelDefinition.load("lenet5")));
        ModelDefinition resnet8 = ModelDefinition.load("resnet8");
        int batch = InferenceBatches.batchFor(resnet8);
        assertTrue(activationBytes(resnet8, InferenceBatches.BATCH) > InferenceBatches.ACTIVATION_BUDGET,
                "resnet8 at the full batch would pass the budget");
        assertTrue(batch < InferenceBatches.BATCH && batch >= 16, "batch " + batch);
        assertTrue(activationBytes(resnet8, batch) <= InferenceBatches.ACTIVATION_BUDGET);
        assertTrue(activationBytes(resnet8, batch + 1) > InferenceBatches.ACTIVATION_BUDGET, "the largest batch that fits");
    }
}
