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
}
