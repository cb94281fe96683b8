package dev.memwall.estimator.fit;

/**
 * Activation recomputation when training, and the activation bytes per layer each keeps at 16 bit, from
 * Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models" (2022), section 4:
 * s x b x h x (34 + 5 a s / h) with none; the attention scores (the 5 a s / h term) are recomputed with
 * selective; only each layer's input (2 s b h) is kept with full.
 */
public enum Recompute {
    NONE, SELECTIVE, FULL;

    /** Activation bytes of one layer for sequence length s, batch b, hidden h, heads a. */
    public double bytesPerLayer(long s, long b, long h, long a) {
        double sbh = (double) s * b * h;
        return switch (this) {
            case NONE -> sbh * (34.0 + 5.0 * a * s / h);
            case SELECTIVE -> sbh * 34.0;
            case FULL -> sbh * 2.0;
        };
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
