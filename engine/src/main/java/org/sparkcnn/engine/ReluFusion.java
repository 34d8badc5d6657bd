package org.sparkcnn.engine;

import org.sparkcnn.engine.layers.Activation;
import org.sparkcnn.engine.layers.BatchNorm2d;
import org.sparkcnn.engine.layers.Merge;

/** Which ReLUs run inside the batch norm or add before them ({@link Network}'s fusion). */
final class ReluFusion {

    private ReluFusion() {
    }

    /** Sets {@code after[i] = j} where ReLU node j's one input is node i, a batch norm or an add that feeds nothing else. */
    static void absorbedRelus(ModelDefinition def, int[] after) {
        int count = def.layers().size();
        int[] uses = new int[count];
        for (int i = 0; i < count; i++) {
            for (int p : def.nodeInputs(i)) {
                if (p >= 0) {
                    uses[p]++;
                }
            }
        }
        for (int j = 0; j < count; j++) {
            int[] in = def.nodeInputs(j);
            if (def.layers().get(j) instanceof Activation a && a.function() == Activation.Function.RELU
                    && in.length == 1 && in[0] >= 0 && uses[in[0]] == 1
                    && (def.layers().get(in[0]) instanceof BatchNorm2d
                        || def.layers().get(in[0]) instanceof Merge m && !m.concat())) {
                after[in[0]] = j;
            }
        }
    }
}
