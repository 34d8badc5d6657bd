package org.sparkcnn.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.engine.layers.Activation;
import org.sparkcnn.engine.layers.Conv2d;
import org.sparkcnn.engine.layers.Dense;
import org.sparkcnn.engine.layers.Dropout;
import org.sparkcnn.engine.layers.Flatten;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.engine.layers.Loss;
import org.sparkcnn.engine.layers.Pool2d;

/** Fluent construction: {@code builder("m", new Shape(1,28,28)).conv2d("conv1", 6, 5, 1, 2).relu()...build()}. */
public final class ModelBuilder {
    private final String name;
    private final Shape input;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, Integer> ordinals = new HashMap<>();

    ModelBuilder(String name, Shape input) {
        this.name = name;
        this.input = input;
    }

    private String auto(String type) {
        return type + ordinals.merge(type, 1, Integer::sum);
    }

    public ModelBuilder add(Layer layer) {
        layers.add(layer);
        return this;
    }

    /** Square kernel k, stride s, padding p, with bias. */
    public ModelBuilder conv2d(String layerName, int outChannels, int k, int s, int p) {
        return add(new Conv2d(layerName, 0, outChannels, k, k, s, s, p, p, true));
    }

    public ModelBuilder maxPool(int k, int s) {
        return add(new Pool2d(auto("maxpool2d"), true, k, k, s, s, 0, 0, true));
    }

    public ModelBuilder avgPool(int k, int s) {
        return add(new Pool2d(auto("avgpool2d"), false, k, k, s, s, 0, 0, true));
    }

    public ModelBuilder relu() {
        return add(new Activation(auto("relu"), Activation.Function.RELU, 0f));
    }

    public ModelBuilder tanh() {
        return add(new Activation(auto("tanh"), Activation.Function.TANH, 0f));
    }

    public ModelBuilder sigmoid() {
        return add(new Activation(auto("sigmoid"), Activation.Function.SIGMOID, 0f));
    }

    public ModelBuilder leakyRelu(float slope) {
        return add(new Activation(auto("leaky_relu"), Activation.Function.LEAKY_RELU, slope));
    }

    public ModelBuilder flatten() {
        return add(new Flatten(auto("flatten")));
    }

    public ModelBuilder dropout(float p) {
        return add(new Dropout(auto("dropout"), p));
    }

    public ModelBuilder dense(String layerName, int outFeatures) {
        return add(new Dense(layerName, 0, outFeatures, true));
    }

    public ModelDefinition build(Loss loss) {
        return new ModelDefinition(name, input, layers, loss);
    }
}
