package dev.memwall.estimator.model;

/**
 * DeepSeek's multi-head latent attention.
 *
 * @param qLoraRank     rank of the query compression, 0 when queries are not compressed
 * @param kvLoraRank    rank of the key/value latent (cached per token)
 * @param qkNopeHeadDim per-head query/key width without rotary embedding
 * @param qkRopeHeadDim width of the decoupled rotary key (cached per token, shared by heads)
 * @param vHeadDim      per-head value width
 */
public record Mla(int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim) {

    public Mla {
        if (qLoraRank < 0 || kvLoraRank < 1 || qkNopeHeadDim < 1 || qkRopeHeadDim < 0 || vHeadDim < 1) {
            throw new IllegalArgumentException("MLA dimensions must be positive (q_lora_rank may be 0), were "
                    + qLoraRank + ", " + kvLoraRank + ", " + qkNopeHeadDim + ", " + qkRopeHeadDim + ", " + vHeadDim);
        }
    }
}
