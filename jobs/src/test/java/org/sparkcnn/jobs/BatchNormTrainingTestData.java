package org.sparkcnn.jobs;

import org.sparkcnn.engine.ModelDefinition;

/** BatchNormTrainingTest's small batch-norm graph model, for tests in other packages. */
public final class BatchNormTrainingTestData {

    public static final ModelDefinition MODEL = BatchNormTrainingTest.BN_MODEL;

    private BatchNormTrainingTestData() {
    }
}
