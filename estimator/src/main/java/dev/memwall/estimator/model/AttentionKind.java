package dev.memwall.estimator.model;

/** How a model's attention stores keys and values, which decides the KV cache's size. */
public enum AttentionKind {
    /** Multi-head: one key/value head per query head. */
    MHA,
    /** Grouped-query: fewer key/value heads than query heads, each shared by a group. */
    GQA,
    /** Multi-query: a single key/value head. */
    MQA,
    /** Multi-head latent attention (DeepSeek): a compressed latent plus a decoupled rotary key per token. */
    MLA;

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
