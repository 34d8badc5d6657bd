package org.sparkcnn.jobs;

import java.util.List;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.jobs.data.ExampleBlock;

/** TrainingJobTest's tiny model and learnable synthetic dataset, for tests in other packages. */
public final class TrainingJobTestData {

    public static final ModelDefinition MODEL = TrainingJobTest.MODEL;
    public static final Normalization NORM = TrainingJobTest.NORM;

    private TrainingJobTestData() {
    }

    public static List<ExampleBlock> blocks() {
        return TrainingJobTest.blocks();
    }
}
