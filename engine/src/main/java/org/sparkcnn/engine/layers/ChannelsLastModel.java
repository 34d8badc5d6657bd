package org.sparkcnn.engine.layers;

import org.sparkcnn.engine.Shape;

/** A bound layer that reads, and perhaps writes, channels-last activations in inference ({@link ChannelsLastLayer}). */
abstract class ChannelsLastModel extends LayerModel implements ChannelsLastLayer {

    private final boolean reads;
    private final boolean writes;

    ChannelsLastModel(Shape in, Shape out, int paramOffset, boolean reads, boolean writes) {
        super(in, out, paramOffset);
        this.reads = reads;
        this.writes = writes;
    }

    @Override
    public final boolean readsChannelsLast() {
        return reads;
    }

    @Override
    public final boolean writesChannelsLast() {
        return writes;
    }
}
