package dev.memwall.estimator.fit;

import java.util.List;

/**
 * The constants of the {@code vllm} runtime profile, in one place, each with where it comes from (vLLM V1,
 * github:vllm-project/vllm). vLLM asks for {@code gpu_memory_utilization x total} memory at start and refuses to
 * start when less is free; of that budget, what the weights, the activation peak of its profiling run, non-torch
 * memory and the CUDA graphs leave becomes a pool of KV cache blocks.
 */
public final class VllmProfile {

    /**
     * {@code gpu_memory_utilization} default: {@code Field(default=0.9, gt=0, le=1)}, vllm/config/cache.py
     * (vllm-project/vllm@c1d86421174a87056edc90a41dc9942391509e84). The budget is
     * {@code requested_memory = total_memory * gpu_memory_utilization}, and start fails with "Free memory on
     * device ... is less than desired GPU memory utilization" when free memory is below it:
     * vllm/v1/worker/gpu_worker.py (vllm-project/vllm@35d5cda123ec28581759b6d34cde8052314fb1e6).
     */
    public static final double GPU_MEMORY_UTILIZATION = 0.9;

    /**
     * Weight formats vLLM serves, by memwall's names: fp32/fp16/bf16, FP8 W8A8, INT8 W8A8, GPTQ/AWQ INT4,
     * bitsandbytes NF4 (docs/features/quantization/README.md, vllm-project/vllm@50feac95f9e53a97d6ed27fee6bfe3b163d18594),
     * MXFP4 (gpt-oss) and NVFP4 ({@code mxfp4} and {@code modelopt_fp4} in vllm/model_executor/layers/quantization).
     * GGUF k-quant mixes are left out: "highly experimental and under-optimized", now an out-of-tree plugin
     * (docs/features/quantization/gguf.md, vllm-project/vllm@06fed1cf05a759ebbea0032a54b4f988d7b63710).
     */
    public static final List<String> WEIGHT_PRECISIONS = List.of("fp32", "fp16", "bf16", "fp8", "int8", "int4", "nf4",
            "nf4_dq", "mxfp4", "nvfp4");

    /**
     * Tokens per KV cache block on CUDA. A pool of N blocks holds N x 16 tokens ("GPU KV cache size: N tokens" =
     * num_blocks x block_size, vllm/v1/core/kv_cache_utils.py, vllm-project/vllm@bbf906a88ba1a39104884c88c9811a4f968e4659;
     * e.g. 1,952 blocks and "Maximum concurrency for 20000 tokens per request: 1.56x" in
     * github.com/vllm-project/vllm/issues/10517).
     */
    public static final int BLOCK_TOKENS = 16;

    /**
     * Devices with at least 70 GiB (H100, H200, MI300x; A100 excepted) get larger scheduler defaults:
     * EngineArgs._set_default_args, vllm/engine/arg_utils.py (vllm-project/vllm@99d7eb5d6a512cfcc5a2b104f24ebf2d6cda772b).
     */
    public static final long LARGE_DEVICE_BYTES = 70L << 30;

    /** {@code vllm serve} defaults from the same function: 2048 tokens and 256 sequences per step; 8192 and 1024 on large devices. */
    public static final int MAX_NUM_BATCHED_TOKENS = 2048;
    public static final int MAX_NUM_SEQS = 256;
    public static final int MAX_NUM_BATCHED_TOKENS_LARGE = 8192;
    public static final int MAX_NUM_SEQS_LARGE = 1024;

    /**
     * The sampler's warm-up holds about this many fp32 copies of the {@code max_num_seqs x vocabulary} logits at its
     * peak. Fitted to three vLLM logs where the sampler sets the activation peak (1.26 GiB, Meta-Llama-3-8B, 8192
     * tokens, github.com/vllm-project/vllm/pull/10511; 1.39 GiB, a Qwen2.5-1.5B-class model,
     * github.com/vllm-project/vllm/issues/12529; 1.42 GiB, Qwen2.5-7B, github.com/vllm-project/vllm/issues/13882):
     * 9.6 to 9.8 copies; 10 is used.
     */
    public static final int SAMPLER_LOGIT_COPIES = 10;

    /**
     * Memory that grows outside PyTorch during profiling (attention backend buffers, NCCL): 0.03, 0.04, 0.16,
     * 0.20 and 0.35 GiB in five logs on one GPU (github.com/vllm-project/vllm issues 13882, 12529, 14447, 10517 and
     * pull 12126); the median, 0.16 GiB, is assumed.
     */
    public static final long NON_TORCH_BYTES = (long) (0.16 * (1L << 30));

    /**
     * CUDA graph memory, subtracted from the budget since v0.21 ("CUDA graph memory profiling is enabled (default
     * since v0.21.0)"): "Estimated CUDA graph memory" was 0.36, 0.36, 0.55, 0.58 and 0.61 GiB in the logs found
     * (github.com/gpustack/runner/pull/251 and others); the median, 0.55 GiB, is assumed.
     */
    public static final long CUDA_GRAPH_BYTES = (long) (0.55 * (1L << 30));

    /**
     * {@code --kv-cache-dtype}: auto (the model's dtype: fp16 or bf16), bfloat16, fp8 (= fp8_e4m3), fp8_e5m2 (and
     * platform-specific fp8_inc, fp8_ds_mla); CacheDType in vllm/config/cache.py
     * (vllm-project/vllm@c1d86421174a87056edc90a41dc9942391509e84). No 4- or 8-bit integer cache.
     */
    public static final List<String> KV_PRECISIONS = List.of("fp16", "bf16", "fp8", "fp8_e5m2");

    private VllmProfile() {
    }
}
