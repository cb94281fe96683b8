package dev.memwall.estimator.precision;

import java.util.Objects;

/**
 * A way of storing weights (or KV cache entries) and its exact cost: bits per weight with block scales
 * included, e.g. Q4_0 = 18 bytes per 32 weights = 4.5 bits.
 *
 * @param name          canonical lowercase name: {@code bf16}, {@code int4}, {@code q4_k_m}
 * @param bitsPerWeight bits each weight costs on average, scales and zero points included
 * @param quality       rank for "best precision that fits": higher keeps more of the model's quality
 * @param how           the layout and where its numbers come from, in a few words
 */
public record Precision(String name, double bitsPerWeight, int quality, String how) {

    public Precision {
        Objects.requireNonNull(name, "name");
        if (!(bitsPerWeight > 0 && bitsPerWeight <= 64)) {
            throw new IllegalArgumentException("bits per weight must be within (0, 64], was " + bitsPerWeight);
        }
    }

    /** Bytes for {@code weights} weights, rounded up to whole bytes. */
    public long bytes(long weights) {
        return (long) Math.ceil(weights * bitsPerWeight / 8.0);
    }
}
