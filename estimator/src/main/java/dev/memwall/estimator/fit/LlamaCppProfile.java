package dev.memwall.estimator.fit;

import java.util.List;

/**
 * The constants of the {@code llama.cpp} runtime profile, in one place, each with where it comes from
 * (github:ggml-org/llama.cpp).
 */
public final class LlamaCppProfile {

    /** Default micro-batch: {@code n_ubatch = 512}, common/common.h and llama_context_default_params. */
    public static final int UBATCH_TOKENS = 512;

    /**
     * {@code --fit} (on by default) leaves {@code fit_params_target = 1024 MiB} free on each device:
     * "target margin per device for --fit option, default: 1024", common/arg.cpp and common/common.h
     * (ggml-org/llama.cpp@145b6280d6aa1890e22457143dad0badb3fd6820; pull 16653 added it, pull 18679 made it a list).
     */
    public static final long FIT_MARGIN_BYTES = 1024L << 20;

    /**
     * {@code --cache-type-k/-v}: f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1 ({@code kv_cache_types},
     * common/arg.cpp, ggml-org/llama.cpp@145b6280d6aa1890e22457143dad0badb3fd6820). No fp8.
     */
    public static final List<String> KV_PRECISIONS = List.of("fp32", "fp16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl",
            "q5_0", "q5_1");

    /**
     * Weight types llama.cpp serves, by memwall's names: GGUF's F32, F16, BF16, Q8_0, the k-quant mixes and Q4_0
     * ({@code QUANT_OPTIONS}, tools/quantize/quantize.cpp, ggml-org/llama.cpp@03161a4eb9a2ec66ef97789f347c5a28279f06ea)
     * and MXFP4 ({@code GGML_TYPE_MXFP4}, added for gpt-oss in github.com/ggml-org/llama.cpp/pull/15091). Not FP8,
     * GPTQ/AWQ int4, bitsandbytes NF4 or NVFP4 checkpoints: those are converted to a GGUF type first.
     */
    public static final List<String> WEIGHT_PRECISIONS = List.of("fp32", "fp16", "bf16", "q8_0", "q6_k", "q5_k_m",
            "q5_k_s", "q4_k_m", "q4_k_s", "q4_0", "q3_k_l", "q3_k_m", "q3_k_s", "q2_k", "mxfp4");

    /**
     * Extra f32 activations of the micro-batch (in units of hidden x ubatch x 4 bytes) alive beside the attention
     * scores when flash attention is off. Logs: open-llama 7B in ggml's CI on a V100, compute buffer 70.50 MiB at
     * n_ctx 512 (the logits win) and 164.00 MiB at n_ctx 2048 (128 MiB of scores + 4.5 units); Llama-3-8B on a T4,
     * 560.00 MiB at n_ctx 8192 (512 + 6 units); Phi-3-mini, 150.00 MiB at n_ctx 4096, ubatch 256 (128 + 7.3 units).
     * 5 units puts every one of them within 5%.
     */
    public static final int ATTENTION_EXTRA_ROWS = 5;

    /**
     * With flash attention on, the compute buffer holds, beside the logits, about 6 bytes per cell of the
     * {@code n_ctx x ubatch} attention mask: logs at 613.01 MiB (Llama-3-8B, n_ctx 16384, ubatch 1024: 517 MiB of
     * logits + 96), 2470.16 MiB (Qwen2.5-VL-3B text, n_ctx 4096, ubatch 4096: 2406 + 64, memwall 1.3% over), 382.01
     * MiB (Qwen2.5-7B, n_ctx 32768, ubatch 512: 304 + 78, memwall 4.7% over) and 353.00 MiB (GLM-Z1-32B, n_ctx 32768:
     * 308 + 45, memwall 14% over). 6 bytes is the most any of them shows, so the estimate is never under these logs.
     */
    public static final int FLASH_MASK_BYTES_PER_CELL = 6;

    /** The KV cache holds n_ctx rounded up to 256 cells with flash attention, 32 without ({@code get_padding}). */
    public static final int KV_PADDING_FLASH = 256;
    public static final int KV_PADDING = 32;

    /**
     * Weights in host memory are computed on the device (copied over the bus) only for batches of at least 32
     * tokens: {@code min_batch_size = 32} in ggml_backend_cuda_device_offload_op, ggml/src/ggml-cuda/ggml-cuda.cu
     * (ggml-org/llama.cpp@f6d77a1ba0ac794e950bd3abb630b904bdcd8fb8). Decoding a few sequences runs those layers on
     * the CPU, at host memory bandwidth.
     */
    public static final int OP_OFFLOAD_MIN_BATCH = 32;

    /**
     * Weight types ggml's CPU backend repacks into interleaved blocks on an x86-64 CPU with AVX2 (Q4_0, Q4_K,
     * IQ4_NL, MXFP4 matrices of a multiple of 8 rows: {@code ggml_repack_get_optimal_repack_type},
     * ggml/src/ggml-cpu/repack.cpp); the repacked copy is a {@code CPU_REPACK} buffer of its own. Other
     * architectures repack other sets (NEON, SVE, RISC-V): none is assumed there.
     */
    public static List<String> cpuRepackTypes(String osArch) {
        return osArch.equals("amd64") || osArch.equals("x86_64") ? List.of("Q4_0", "Q4_K", "IQ4_NL", "MXFP4")
                : List.of();
    }

    private LlamaCppProfile() {
    }
}
