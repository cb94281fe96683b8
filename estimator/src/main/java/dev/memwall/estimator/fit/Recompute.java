package dev.memwall.estimator.fit;

/**
 * Activation recomputation when training, and the activation bytes per layer each keeps at 16 bit, from
 * Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models" (2022, arXiv 2205.05198),
 * section 4: s x b x h x (34 + 5 a s / h) with none; the attention scores (the 5 a s / h term) are recomputed with
 * selective; only each layer's input (2 s b h) is kept with full.
 *
 * <p>With flash attention (FlashAttention-2, PyTorch SDPA: the default of every training framework in use) the
 * s x s scores are never stored, whatever the recomputation: the 5 a s / h term is gone.
 */
public enum Recompute {
    NONE, SELECTIVE, FULL;

    /** Activation bytes one layer keeps until its backward pass, for sequence length s, batch b, hidden h, heads a. */
    public double bytesPerLayer(long s, long b, long h, long a, boolean flashAttention) {
        return this == FULL ? 2.0 * s * b * h : workingBytes(s, b, h, a, this == NONE && !flashAttention);
    }

    /**
     * Activation bytes of one layer while its own backward pass runs: with full recomputation the layer's forward
     * pass is redone first, so one layer's whole set exists at a time (scores included without flash attention).
     */
    public double recomputedLayerBytes(long s, long b, long h, long a, boolean flashAttention) {
        return this == FULL ? workingBytes(s, b, h, a, !flashAttention) : 0;
    }

    private static double workingBytes(long s, long b, long h, long a, boolean scores) {
        double sbh = (double) s * b * h;
        return sbh * (34.0 + (scores ? 5.0 * a * s / h : 0));
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
