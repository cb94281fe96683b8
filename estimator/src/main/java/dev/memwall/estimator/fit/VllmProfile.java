package dev.memwall.estimator.fit;

import java.util.List;

/**
 * The constants of the {@code vllm} runtime profile, in one place, each with where it comes from (vLLM,
 * github:vllm-project/vllm). vLLM asks for {@code gpu_memory_utilization x total} memory at start and refuses to
 * start when less is free; of that budget, what the weights, the activation peak of its profiling run, non-torch
 * memory and (from 0.21) the CUDA graphs leave becomes a pool of KV cache blocks. The V1 engine's figures are
 * derived from vLLM 0.19.0's code where it says how much it allocates, and fitted, each said so, on the startup logs
 * of estimator/src/test/resources/dev/memwall/estimator/fit/vllm/startup_logs.csv where it does not.
 */
public final class VllmProfile {

    /**
     * {@code gpu_memory_utilization} default before 0.21: {@code Field(default=0.9, gt=0, le=1)}, vllm/config/cache.py
     * (vllm-project/vllm@c1d86421174a87056edc90a41dc9942391509e84). The budget is
     * {@code requested_memory = ceil(total_memory * gpu_memory_utilization)} ({@code request_memory},
     * vllm/v1/worker/utils.py at vllm-project/vllm@2a69949bdadf0e8942b7a1619b229cb475beef20, v0.19.0), and start fails
     * with "Free memory on device ... is less than desired GPU memory utilization" when free memory is below it.
     */
    public static final double GPU_MEMORY_UTILIZATION = 0.9;

    /** The default from 0.21: 0.92 (vllm-project/vllm#38284, see {@link VllmVersion#CUDA_GRAPHS_PROFILED}). */
    public static final double GPU_MEMORY_UTILIZATION_FROM_0_21 = 0.92;

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
     * EngineArgs._set_default_args, vllm/engine/arg_utils.py (vllm-project/vllm@99d7eb5d6a512cfcc5a2b104f24ebf2d6cda772b;
     * {@code get_batch_defaults} in v0.19.0, whose OpenAI server logs "Defaulting max_num_batched_tokens to 8192" and
     * "Defaulting max_num_seqs to 1024" on an H100).
     */
    public static final long LARGE_DEVICE_BYTES = 70L << 30;

    /** {@code vllm serve} defaults from the same function: 2048 tokens and 256 sequences per step; 8192 and 1024 on large devices. */
    public static final int MAX_NUM_BATCHED_TOKENS = 2048;
    public static final int MAX_NUM_SEQS = 256;
    public static final int MAX_NUM_BATCHED_TOKENS_LARGE = 8192;
    public static final int MAX_NUM_SEQS_LARGE = 1024;

    /**
     * The V0 engine's defaults (before 0.8): 256 sequences ({@code max_num_seqs = 256 if not envs.VLLM_USE_V1},
     * vllm/engine/arg_utils.py), and without chunked prefill as many tokens per step as the context, at least 2048;
     * chunked prefill (2048 tokens) only for contexts over 32K of models without sliding windows or latent
     * attention (vllm/config.py {@code SchedulerConfig.__post_init__} and arg_utils.py, both at
     * vllm-project/vllm@fa82074167b171018acb856ec0b26e54f6fca0cb).
     */
    public static final int V0_MAX_NUM_SEQS = 256;
    public static final long V0_LONG_CONTEXT_TOKENS = 32_768;

    // --- The V1 engine's profiling run (vllm/v1/worker/gpu_model_runner.py profile_run, v0.19.0): a forward pass
    // over max_num_batched_tokens tokens split into min(max_num_seqs, max_num_batched_tokens) requests, then the
    // sampler on one row of logits per request. PyTorch's peak over both, less what was allocated before, is
    // "torch peak memory increase".

    /**
     * Bytes per logit the sampler warm-up holds in float32 at its peak, beside the logits themselves in the model's
     * dtype ({@code compute_logits}' output, kept by {@code _dummy_sampler_run}): the float32 copy the sampler works
     * on ({@code logits.to(torch.float32)}, vllm/v1/sample/sampler.py), the probabilities
     * ({@code logits.softmax(dim=-1, dtype=torch.float32)}) and the exponential noise of {@code random_sample}
     * ({@code torch.empty_like(probs)}, vllm/v1/sample/ops/topk_topp_sampler.py): 4 + 4 + 4. The warm-up asks for
     * top-k and top-p, so the sampler takes that path. Checked against the fixture's bf16 and float32 rows of the
     * same model (1.89 and 2.21 GiB logged; memwall 1.89 and 2.21).
     */
    public static final int SAMPLER_FP32_BYTES_PER_LOGIT = 12;

    /**
     * Rows of the Triton top-k/top-p kernel's float32 scratch buffer: one per program, {@code min(num_sm, batch)}
     * programs ({@code apply_top_k_top_p_triton}, vllm/v1/sample/ops/topk_topp_triton.py, v0.19.0). 132 is an
     * H100 SXM's streaming multiprocessors (an A100 has 108: 12 MB less at a 128k vocabulary).
     */
    public static final int TOP_K_TOP_P_BUFFER_ROWS = 132;

    /**
     * What the profiling run allocates beside the tensors above and keeps to its peak: fitted, the median of the
     * logged peak less memwall's derived peak over the 39 rows of the fixture whose peak is the sampler's, dense
     * models all (28 to 39 MiB; the logged peaks are rounded to 0.01 GiB). It is about the size of
     * cuBLAS's workspace, which PyTorch allocates through its caching allocator on the first matrix product.
     * Fixture: estimator/src/test/resources/dev/memwall/estimator/fit/vllm/startup_logs.csv.
     */
    public static final long PROFILE_WORKSPACE_BYTES = 37L << 20;

    /**
     * Memory that grows outside PyTorch from the worker's start to the end of profiling ("non-torch forward
     * increase memory", measured from the snapshot taken when the worker starts, vllm/v1/worker/gpu_worker.py,
     * v0.19.0): cuBLAS and attention workspaces and, with tensor parallelism, NCCL's and the custom all-reduce's
     * buffers. Fitted: the median of the fixture's logged values on one device, 0.25 GiB over 36 rows (0.24 to
     * 0.27, and 0.46 for the three Granite models).
     */
    public static final long NON_TORCH_BYTES = (long) (0.25 * (1L << 30));

    /** The same with tensor parallelism (2 and 4 devices): 2.09 GiB, the median over 13 rows (2.06 to 2.21). */
    public static final long NON_TORCH_BYTES_TENSOR_PARALLEL = (long) (2.09 * (1L << 30));

    /**
     * CUDA graph memory that vLLM subtracts from the budget from 0.21 ({@link VllmVersion#CUDA_GRAPHS_PROFILED}): its
     * own estimate, "Estimated CUDA graph memory: X GiB total" ({@code profile_cudagraph_memory}, which v0.19.0
     * already runs and logs without subtracting). Fitted: the median of that estimate over the fixture's rows on one
     * device, 0.84 GiB over 36 rows (0.52 to 1.6).
     */
    public static final long CUDA_GRAPH_BYTES = (long) (0.84 * (1L << 30));

    /** The same with tensor parallelism: 1.51 GiB, the median over 13 rows (0.57 to 1.92). */
    public static final long CUDA_GRAPH_BYTES_TENSOR_PARALLEL = (long) (1.51 * (1L << 30));

    // --- The V0 engine (before 0.8), fitted to its "PyTorch activation peak memory takes X GiB" lines.

    /**
     * The V0 sampler's warm-up holds about this many fp32 copies of the {@code max_num_seqs x vocabulary} logits at
     * its peak. Fitted to three V0 logs where the sampler sets the activation peak (1.26 GiB, Meta-Llama-3-8B, 8192
     * tokens, github.com/vllm-project/vllm/pull/10511; 1.39 GiB, a Qwen2.5-1.5B-class model,
     * github.com/vllm-project/vllm/issues/12529; 1.42 GiB, Qwen2.5-7B, github.com/vllm-project/vllm/issues/13882):
     * 9.6 to 9.8 copies; 10 is used.
     */
    public static final int V0_SAMPLER_LOGIT_COPIES = 10;

    /**
     * V0's memory outside PyTorch during profiling: 0.03, 0.04, 0.16, 0.20 and 0.35 GiB in five logs on one GPU
     * (github.com/vllm-project/vllm issues 13882, 12529, 14447, 10517 and pull 12126); the median, 0.16 GiB.
     */
    public static final long V0_NON_TORCH_BYTES = (long) (0.16 * (1L << 30));

    /**
     * {@code --kv-cache-dtype}: auto (the runtime dtype, {@link VllmDtype#autoKv}: fp16 or bf16, and fp32 only with
     * {@code --dtype float32}), bfloat16, fp8 (= fp8_e4m3), fp8_e5m2 (and platform-specific fp8_inc, fp8_ds_mla);
     * CacheDType in vllm/config/cache.py (vllm-project/vllm@c1d86421174a87056edc90a41dc9942391509e84). No 4- or
     * 8-bit integer cache.
     */
    public static final List<String> KV_PRECISIONS = List.of("fp16", "bf16", "fp8", "fp8_e5m2");

    private VllmProfile() {
    }
}
