package dev.memwall.agent.running;

/**
 * A runtime's KV cache as its metrics describe it; each figure is null where they do not say.
 *
 * @param usedFraction         the share in use, 0 to 1 (vLLM's {@code vllm:kv_cache_usage_perc}, formerly
 *                             {@code vllm:gpu_cache_usage_perc}, despite the name a fraction; llama-server's
 *                             {@code llamacpp:kv_cache_usage_ratio} in the releases that export it)
 * @param blocks               blocks on the device (vLLM's {@code cache_config_info} label {@code num_gpu_blocks})
 * @param blockTokens          tokens per block (label {@code block_size})
 * @param cacheType            the cache's data type as the runtime writes it (label {@code cache_dtype}: {@code auto}
 *                             is the model's own type)
 * @param gpuMemoryUtilization the share of device memory vLLM was told it may take (label
 *                             {@code gpu_memory_utilization})
 */
public record KvCacheReading(Double usedFraction, Long blocks, Long blockTokens, String cacheType,
        Double gpuMemoryUtilization) {

    /** Nothing known. */
    public static final KvCacheReading NONE = new KvCacheReading(null, null, null, null, null);

    /** Tokens the cache holds in all ({@code blocks * blockTokens}), or null; saturates rather than overflow. */
    public Long capacityTokens() {
        if (blocks == null || blockTokens == null) {
            return null;
        }
        long product = blocks * blockTokens;
        boolean overflow = blocks != 0 && (product / blocks != blockTokens);
        return overflow ? Long.MAX_VALUE : product;
    }
}
