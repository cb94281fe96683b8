package dev.memwall.estimator.fit;

import dev.memwall.estimator.precision.Precision;
import java.util.List;

/**
 * The engine a model runs in. The same model costs different memory in different engines: each profile says
 * what of a device the engine may use and which KV cache precisions it offers. Constants live in
 * {@link GenericProfile}, {@link VllmProfile} and {@link LlamaCppProfile}, each with its source.
 */
public sealed interface RuntimeProfile permits RuntimeProfile.Generic, RuntimeProfile.Vllm, RuntimeProfile.LlamaCpp {

    /** The name users type: {@code generic}, {@code vllm}, {@code llama.cpp}. */
    String word();

    /** KV cache precisions the engine offers, by memwall's names; empty when any is accepted. */
    List<String> kvPrecisions();

    default boolean offersKv(Precision kv) {
        return kvPrecisions().isEmpty() || kvPrecisions().contains(kv.name());
    }

    /** Weight precisions the engine serves, by memwall's names; empty when any is planned for. */
    default List<String> weightPrecisions() {
        return List.of();
    }

    default boolean serves(Precision weights) {
        return weightPrecisions().isEmpty() || weightPrecisions().contains(weights.name());
    }

    /**
     * Memory the engine will let a model need on a device with {@code availableBytes} available: all of it for
     * {@code generic}, less a margin for {@code llama.cpp}, a fraction of the total for {@code vllm}.
     *
     * @param contextBytes what the CUDA context takes (the vLLM budget does not include it)
     */
    long usableBytes(long totalBytes, long availableBytes, long contextBytes);

    /** Whether the engine starts at all with this much available (vLLM refuses below its budget). */
    default boolean starts(long totalBytes, long availableBytes, long contextBytes) {
        return true;
    }

    /**
     * Weights + KV cache + a compute workspace + the device's runtime overhead, all of what is available; the
     * profile training is planned on.
     *
     * @param flashAttention whether training keeps no attention scores (flash attention / SDPA, the default);
     *                       without it each layer keeps its s x s scores
     */
    record Generic(boolean flashAttention) implements RuntimeProfile {

        /** With flash attention, as every training framework now runs. */
        public Generic() {
            this(true);
        }

        @Override
        public String word() {
            return "generic";
        }

        @Override
        public List<String> kvPrecisions() {
            return List.of();
        }

        @Override
        public long usableBytes(long totalBytes, long availableBytes, long contextBytes) {
            return availableBytes;
        }
    }

    /**
     * vLLM: it takes {@code gpu_memory_utilization x total} memory at start (refusing when less is free), and what
     * weights, the profiled activation peak and non-torch memory leave of it becomes a pool of KV cache blocks.
     *
     * @param gpuMemoryUtilization fraction of total memory the instance may use, in (0, 1]
     * @param maxNumBatchedTokens  tokens per scheduler step, the size of the profiling run
     * @param maxNumSeqs           sequences per step, the size of the sampler's warm-up
     */
    record Vllm(double gpuMemoryUtilization, int maxNumBatchedTokens, int maxNumSeqs) implements RuntimeProfile {

        public Vllm {
            if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
                throw new IllegalArgumentException("gpu_memory_utilization must be in (0, 1], was "
                        + gpuMemoryUtilization);
            }
            if (maxNumBatchedTokens < 1 || maxNumSeqs < 1) {
                throw new IllegalArgumentException("max_num_batched_tokens and max_num_seqs must be >= 1");
            }
        }

        /** vLLM's {@code vllm serve} defaults for a device of this total memory and name. */
        public static Vllm defaults(double gpuMemoryUtilization, long totalBytes, String name) {
            boolean large = totalBytes >= VllmProfile.LARGE_DEVICE_BYTES
                    && !name.toLowerCase(java.util.Locale.ROOT).contains("a100");
            return new Vllm(gpuMemoryUtilization, large ? VllmProfile.MAX_NUM_BATCHED_TOKENS_LARGE
                    : VllmProfile.MAX_NUM_BATCHED_TOKENS, large ? VllmProfile.MAX_NUM_SEQS_LARGE
                    : VllmProfile.MAX_NUM_SEQS);
        }

        /** The memory the instance asks for: {@code total x gpu_memory_utilization}. */
        public long budgetBytes(long totalBytes) {
            return (long) (totalBytes * gpuMemoryUtilization);
        }

        @Override
        public String word() {
            return "vllm";
        }

        @Override
        public List<String> kvPrecisions() {
            return VllmProfile.KV_PRECISIONS;
        }

        @Override
        public List<String> weightPrecisions() {
            return VllmProfile.WEIGHT_PRECISIONS;
        }

        /** The budget, plus the CUDA context that vLLM creates before it measures free memory. */
        @Override
        public long usableBytes(long totalBytes, long availableBytes, long contextBytes) {
            return budgetBytes(totalBytes) + contextBytes;
        }

        @Override
        public boolean starts(long totalBytes, long availableBytes, long contextBytes) {
            return availableBytes - contextBytes >= budgetBytes(totalBytes);
        }
    }

    /**
     * llama.cpp: weights placed layer by layer (the input embedding stays in host memory), a KV cache of the whole
     * context, a compute buffer sized by the micro-batch, and the margin its {@code --fit} leaves on each device.
     *
     * @param ubatchTokens   tokens per micro-batch ({@code -ub})
     * @param marginBytes    memory left free on each device ({@code --fit-target})
     * @param flashAttention whether flash attention is on ({@code -fa}); without it the attention scores of a
     *                       micro-batch are materialised in the compute buffer
     */
    record LlamaCpp(int ubatchTokens, long marginBytes, boolean flashAttention) implements RuntimeProfile {

        public LlamaCpp {
            if (ubatchTokens < 1) {
                throw new IllegalArgumentException("ubatch must be >= 1, was " + ubatchTokens);
            }
            if (marginBytes < 0) {
                throw new IllegalArgumentException("margin must be >= 0, was " + marginBytes);
            }
        }

        public static LlamaCpp defaults() {
            return new LlamaCpp(LlamaCppProfile.UBATCH_TOKENS, LlamaCppProfile.FIT_MARGIN_BYTES, true);
        }

        @Override
        public String word() {
            return "llama.cpp";
        }

        @Override
        public List<String> kvPrecisions() {
            return LlamaCppProfile.KV_PRECISIONS;
        }

        @Override
        public List<String> weightPrecisions() {
            return LlamaCppProfile.WEIGHT_PRECISIONS;
        }

        @Override
        public long usableBytes(long totalBytes, long availableBytes, long contextBytes) {
            return availableBytes - marginBytes;
        }
    }
}
