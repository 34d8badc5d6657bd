package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one float species every engine vector kernel uses, constant for the JIT. It is the machine's
 * widest ({@code SPECIES_PREFERRED}), or the one {@code -Dsparkcnn.vectorBits=128|256|512} names, so a
 * test can run any width on any machine. Loaded only when {@code jdk.incubator.vector} is present.
 */
final class Lanes {

    static final VectorSpecies<Float> F = pick(Integer.getInteger("sparkcnn.vectorBits", 0));
    static final int L = F.length();

    private Lanes() {
    }

    private static VectorSpecies<Float> pick(int bits) {
        return switch (bits) {
            case 0 -> FloatVector.SPECIES_PREFERRED;
            case 128 -> FloatVector.SPECIES_128;
            case 256 -> FloatVector.SPECIES_256;
            case 512 -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("sparkcnn.vectorBits must be 128, 256 or 512, got " + bits);
        };
    }
}
