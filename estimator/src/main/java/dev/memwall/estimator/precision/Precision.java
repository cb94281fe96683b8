package dev.memwall.estimator.precision;

import java.util.Objects;

/**
 * A way of storing weights (or KV cache entries) and its exact cost: bits per weight with block scales
 * included, e.g. Q4_0 = 18 bytes per 32 weights = 4.5 bits.
 *
 * <p>Some checkpoints quantize only the routed experts of a mixture-of-experts model and keep the rest (attention,
 * router, embeddings) in 16 bits: gpt-oss is published that way in MXFP4. Such a precision has a separate
 * {@code expertBitsPerWeight}; for every other precision the two are equal.
 *
 * @param name                canonical lowercase name: {@code bf16}, {@code int4}, {@code q4_k_m}
 * @param bitsPerWeight       bits each weight costs on average, scales and zero points included (for a precision
 *                            that quantizes only the experts: each weight outside the routed experts)
 * @param expertBitsPerWeight bits each routed-expert weight costs
 * @param classBits           the nominal class users choose by: 16, 8, 6, 5, 4, 3 or 2 bits (Q3_K_L averages
 *                            4.03 bits but is a 3-bit format)
 * @param quality             rank for "best precision that fits": higher keeps more of the model's quality
 * @param how                 the layout and where its numbers come from, in a few words
 */
public record Precision(String name, double bitsPerWeight, double expertBitsPerWeight, int classBits, int quality,
        String how) {

    public Precision {
        Objects.requireNonNull(name, "name");
        if (!(bitsPerWeight > 0 && bitsPerWeight <= 64)) {
            throw new IllegalArgumentException("bits per weight must be within (0, 64], was " + bitsPerWeight);
        }
        if (!(expertBitsPerWeight > 0 && expertBitsPerWeight <= 64)) {
            throw new IllegalArgumentException("expert bits per weight must be within (0, 64], was "
                    + expertBitsPerWeight);
        }
        if (classBits < 1 || classBits > 64) {
            throw new IllegalArgumentException("class must be within [1, 64] bits, was " + classBits);
        }
    }

    /** A precision that stores every weight alike, of the class its bits round down to. */
    public Precision(String name, double bitsPerWeight, int quality, String how) {
        this(name, bitsPerWeight, bitsPerWeight, (int) Math.max(1, Math.floor(bitsPerWeight)), quality, how);
    }

    /** Whether routed experts are stored differently from the rest. */
    public boolean expertsOnly() {
        return expertBitsPerWeight != bitsPerWeight;
    }

    /** Bytes for {@code weights} weights stored alike, rounded up to whole bytes. */
    public long bytes(long weights) {
        return (long) Math.ceil(weights * bitsPerWeight / 8.0);
    }

    /** Bytes for a model's weights: {@code routedExperts} of them routed-expert weights, the rest not. */
    public long bytes(long weights, long routedExperts) {
        return (long) Math.ceil((weights - routedExperts) * bitsPerWeight / 8.0
                + routedExperts * expertBitsPerWeight / 8.0);
    }
}
