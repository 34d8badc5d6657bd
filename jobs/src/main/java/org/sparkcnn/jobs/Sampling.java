package org.sparkcnn.jobs;

import java.util.List;
import java.util.Locale;

/**
 * How a model without batch norm draws its batches ({@code training.sampling}). A gradient chunk
 * holds examples of one data block only (the bit-identity contract, docs/ENGINE.md), so the choice
 * decides how full the chunks are. A model with batch norm always draws ghost groups inside blocks.
 */
public enum Sampling {
    /** Each epoch a permutation of the whole dataset: a batch of 64 over 59 blocks is ~45 chunks of 1-2. */
    SHUFFLE("shuffle"),
    /**
     * Each epoch every block permutes its own examples and cuts them into groups of the chunk size,
     * and the groups are permuted ({@link org.sparkcnn.engine.train.BatchSampler#grouped}): every chunk
     * is full. Needs blocks whose examples are not sorted by class.
     */
    BLOCK_CHUNKS("block-chunks");

    /** The values training.sampling (and the estimator's sampling) accepts. */
    public static final List<String> CHOICES = List.of("auto", "shuffle", "block-chunks");

    /** What runs did before training.sampling existed: a resumed older checkpoint matches only this. */
    public static final Sampling BEFORE_IT_EXISTED = SHUFFLE;

    private final String key;

    Sampling(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /**
     * {@code shuffle}, {@code block-chunks}, or {@code auto}: block-chunks, except for an image folder
     * ({@code format} images), whose dataset order is sorted by class, so that a block holds one
     * or two classes.
     */
    public static Sampling of(String value, String format) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.equals("auto")) {
            return "images".equals(format) ? SHUFFLE : BLOCK_CHUNKS;
        }
        for (Sampling s : values()) {
            if (s.key.equals(v)) {
                return s;
            }
        }
        throw new IllegalArgumentException("training.sampling must be " + choices() + ", got '" + value + "'");
    }

    /** "auto, shuffle or block-chunks", for messages. */
    public static String choices() {
        return String.join(", ", CHOICES.subList(0, CHOICES.size() - 1)) + " or " + CHOICES.get(CHOICES.size() - 1);
    }
}
