package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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

    /** The KV cache precision when none is asked for: fp16, or for vLLM its runtime dtype. */
    default Precision autoKv(ModelSpec spec) {
        return Precisions.kvCache("fp16").orElseThrow();
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
     * weights, the profiled activation peak, non-torch memory and (from 0.21) the CUDA graphs leave of it becomes a
     * pool of KV cache blocks.
     *
     * @param gpuMemoryUtilization fraction of total memory the instance may use, in (0, 1]
     * @param maxNumBatchedTokens  tokens per scheduler step, the size of the profiling run
     * @param maxNumSeqs           sequences per step, the size of the sampler's warm-up
     * @param version              the release whose arithmetic applies
     * @param dtype                {@code --dtype}: of activations, unquantized weights and the {@code auto} KV cache
     * @param schedulerByDevice    whether the two scheduler settings were left to vLLM, which then picks them by
     *                             device ({@link #on}); the values above are then the small-device ones
     */
    record Vllm(double gpuMemoryUtilization, int maxNumBatchedTokens, int maxNumSeqs, VllmVersion version,
            VllmDtype dtype, boolean schedulerByDevice) implements RuntimeProfile {

        public Vllm {
            if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
                throw new IllegalArgumentException("gpu_memory_utilization must be in (0, 1], was "
                        + gpuMemoryUtilization);
            }
            if (maxNumBatchedTokens < 1 || maxNumSeqs < 1) {
                throw new IllegalArgumentException("max_num_batched_tokens and max_num_seqs must be >= 1");
            }
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(dtype, "dtype");
        }

        /** The current release, {@code --dtype auto}, these scheduler settings. */
        public Vllm(double gpuMemoryUtilization, int maxNumBatchedTokens, int maxNumSeqs) {
            this(gpuMemoryUtilization, maxNumBatchedTokens, maxNumSeqs, VllmVersion.CURRENT, VllmDtype.AUTO, false);
        }

        /** vLLM's {@code vllm serve} defaults for a device of this total memory and name (the current release). */
        public static Vllm defaults(double gpuMemoryUtilization, long totalBytes, String name) {
            return serve(gpuMemoryUtilization, VllmVersion.CURRENT, VllmDtype.AUTO).on(totalBytes, name, null, 0);
        }

        /**
         * {@code vllm serve} of {@code version}: the utilization given (null: the release's default), the scheduler
         * settings left to vLLM, which picks them for each device ({@link #on}).
         */
        public static Vllm serve(Double gpuMemoryUtilization, VllmVersion version, VllmDtype dtype) {
            return new Vllm(gpuMemoryUtilization == null ? version.defaultGpuMemoryUtilization() : gpuMemoryUtilization,
                    VllmProfile.MAX_NUM_BATCHED_TOKENS, VllmProfile.MAX_NUM_SEQS, version, dtype, true);
        }

        /**
         * The profile on one device: where the scheduler settings were left to vLLM, the ones it picks there. The
         * V1 engine takes 8192 tokens and 1024 sequences per step on devices of 70 GiB and more (A100s excepted),
         * 2048 and 256 elsewhere, then caps the tokens at sequences x context and the sequences at the tokens
         * ({@code _set_default_max_num_seqs_and_batched_tokens_args}, vllm/engine/arg_utils.py, v0.19.0). The V0
         * engine takes 256 sequences and the context's tokens (at least 2048), or 2048 with chunked prefill for
         * contexts over 32K ({@link VllmProfile#V0_MAX_NUM_SEQS}).
         *
         * @param spec          the model (V0: whether chunked prefill applies), or null when unknown
         * @param contextTokens {@code max_model_len}, or 0 when unknown (no cap)
         */
        public Vllm on(long totalBytes, String name, ModelSpec spec, long contextTokens) {
            if (!schedulerByDevice) {
                return this;
            }
            long tokens;
            long seqs;
            if (!version.v1Engine()) {
                seqs = VllmProfile.V0_MAX_NUM_SEQS;
                boolean chunked = contextTokens > VllmProfile.V0_LONG_CONTEXT_TOKENS && spec != null
                        && spec.slidingWindow() == null && spec.mla() == null;
                tokens = chunked ? VllmProfile.MAX_NUM_BATCHED_TOKENS
                        : Math.max(contextTokens, VllmProfile.MAX_NUM_BATCHED_TOKENS);
            } else {
                boolean large = totalBytes >= VllmProfile.LARGE_DEVICE_BYTES
                        && !(name == null ? "" : name).toLowerCase(java.util.Locale.ROOT).contains("a100");
                tokens = large ? VllmProfile.MAX_NUM_BATCHED_TOKENS_LARGE : VllmProfile.MAX_NUM_BATCHED_TOKENS;
                seqs = large ? VllmProfile.MAX_NUM_SEQS_LARGE : VllmProfile.MAX_NUM_SEQS;
                if (contextTokens > 0) {
                    tokens = Math.min(seqs * contextTokens, tokens);
                }
                seqs = Math.min(seqs, tokens);
            }
            int t = (int) Math.min(Integer.MAX_VALUE, tokens);
            return new Vllm(gpuMemoryUtilization, t, (int) Math.min(seqs, t), version, dtype, false);
        }

        /** The memory the instance asks for: {@code ceil(total x gpu_memory_utilization)}. */
        public long budgetBytes(long totalBytes) {
            return (long) Math.ceil(totalBytes * gpuMemoryUtilization);
        }

        @Override
        public String word() {
            return "vllm";
        }

        /** {@link VllmProfile#KV_PRECISIONS}, and fp32 when the runtime dtype is float32. */
        @Override
        public List<String> kvPrecisions() {
            if (dtype != VllmDtype.FLOAT32) {
                return VllmProfile.KV_PRECISIONS;
            }
            List<String> all = new ArrayList<>(VllmProfile.KV_PRECISIONS);
            all.add("fp32");
            return List.copyOf(all);
        }

        @Override
        public List<String> weightPrecisions() {
            return VllmProfile.WEIGHT_PRECISIONS;
        }

        /** {@code --kv-cache-dtype auto}: the runtime dtype. */
        @Override
        public Precision autoKv(ModelSpec spec) {
            return dtype.autoKv(spec);
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
    record LlamaCpp(int ubatchTokens, long marginBytes, boolean flashAttention, Integer threads)
            implements RuntimeProfile {

        /** The most threads ggml runs ({@code GGML_MAX_N_THREADS}, ggml/include/ggml.h). */
        public static final int MAX_THREADS = 512;

        /**
         * @param threads CPU threads llama.cpp computes with ({@code -t}); null for its default, one per core that
         *                does math ({@code common_cpu_get_num_math()}, common/common.cpp)
         */
        public LlamaCpp {
            if (ubatchTokens < 1) {
                throw new IllegalArgumentException("ubatch must be >= 1, was " + ubatchTokens);
            }
            if (marginBytes < 0) {
                throw new IllegalArgumentException("margin must be >= 0, was " + marginBytes);
            }
            if (threads != null && (threads < 1 || threads > MAX_THREADS)) {
                throw new IllegalArgumentException("threads must be between 1 and " + MAX_THREADS + ", was "
                        + threads);
            }
        }

        /** With llama.cpp's default thread count. */
        public LlamaCpp(int ubatchTokens, long marginBytes, boolean flashAttention) {
            this(ubatchTokens, marginBytes, flashAttention, null);
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
