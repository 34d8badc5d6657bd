package org.sparkcnn.engine.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.sparkcnn.engine.Shape;

/**
 * A layer's configuration: immutable, serializable as JSON, free of weights (as MLlib's {@code Layer}).
 * {@link #bind} makes a {@link LayerModel}, which reads its weights as a slice of the model's flat
 * parameter buffer and owns the scratch memory of one model replica.
 */
public interface Layer {

    /** The type name used in model files, e.g. {@code conv2d}. */
    String type();

    /** A unique name within the model, e.g. {@code conv1}; parameters are named {@code <name>.w}, {@code <name>.b}. */
    String name();

    /**
     * The output shape for an input of shape {@code in}.
     *
     * @throws IllegalArgumentException naming what does not fit (the model adds the layer's index and name)
     */
    Shape outputShape(Shape in);

    /** This layer's parameter tensors, in the order they sit in the flat buffer. Empty for parameter-free layers. */
    default List<ParamTensor> params(Shape in) {
        return List.of();
    }

    /**
     * This layer's state tensors (batch norm's running statistics), in the order they sit in the flat
     * buffer of state ({@code buffers}, laid out as the parameters are). State is not trained: it gets no
     * gradient and the optimizer never sees it. Empty for most layers.
     */
    default List<ParamTensor> buffers(Shape in) {
        return List.of();
    }

    /** Binds this layer to an input shape, a parameter offset and a maximum batch size. */
    LayerModel bind(Shape in, int paramOffset, int maxBatch);

    /** As {@link #bind(Shape, int, int)}, for a layer with state at {@code bufferOffset} of the state buffer. */
    default LayerModel bind(Shape in, int paramOffset, int bufferOffset, int maxBatch) {
        return bind(in, paramOffset, maxBatch);
    }

    /** Writes the layer's JSON fields (besides {@code type} and {@code name}). */
    void writeJson(ObjectNode node);

    /** The number of parameters for input shape {@code in}. */
    default int paramCount(Shape in) {
        return params(in).stream().mapToInt(ParamTensor::size).sum();
    }

    /** Forward multiply-adds per example, times 2 (the FLOP count PyTorch's peers report). */
    default long forwardFlops(Shape in) {
        return 0;
    }
}
