package dev.memwall.estimator.fit;

/**
 * vLLM's KV cache pool: what its budget leaves after weights, activations and runtime memory, in blocks.
 *
 * @param bytes          the pool (0 when nothing is left)
 * @param tokens         tokens it holds: whole blocks x block size ("GPU KV cache size: N tokens")
 * @param maxConcurrency sequences of the workload's context it serves at once ("Maximum concurrency for N tokens
 *                       per request: X"): blocks / blocks per sequence
 */
public record KvPool(long bytes, long tokens, double maxConcurrency) {

    /**
     * vLLM's arithmetic: {@code num_blocks = pool // (block_size x bytes per token)}, tokens = blocks x block size,
     * concurrency = blocks / ceil(context / block size).
     *
     * @param bytes         the pool
     * @param bytesPerToken KV cache bytes of one token over all layers (per device)
     * @param contextTokens tokens per request ({@code max_model_len})
     */
    public static KvPool of(long bytes, double bytesPerToken, long contextTokens) {
        long pool = Math.max(0, bytes);
        long blocks = (long) Math.floor(pool / (bytesPerToken * VllmProfile.BLOCK_TOKENS));
        long perSequence = (contextTokens + VllmProfile.BLOCK_TOKENS - 1) / VllmProfile.BLOCK_TOKENS;
        return new KvPool(pool, blocks * VllmProfile.BLOCK_TOKENS, blocks / (double) perSequence);
    }

    /**
     * The same arithmetic for any layout, hybrid ones included: {@code num_blocks = pool // page // group_size},
     * tokens = {@code num_blocks // num_groups x block_size}, concurrency = blocks / the blocks one request needs
     * over all groups ({@code get_max_concurrency_for_kv_cache_config}, vllm/v1/core/kv_cache_utils.py).
     *
     * @param maxNumBatchedTokens tokens per scheduler step: a sliding-window group keeps the window plus a step
     */
    public static KvPool of(long bytes, VllmKvLayout layout, long contextTokens, int maxNumBatchedTokens) {
        long pool = Math.max(0, bytes);
        long blocks = layout.blocks(pool);
        return new KvPool(pool, layout.tokens(blocks),
                blocks / (double) layout.blocksPerRequest(contextTokens, maxNumBatchedTokens));
    }
}
