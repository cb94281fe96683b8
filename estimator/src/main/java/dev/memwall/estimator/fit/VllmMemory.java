package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import java.util.List;
import java.util.Locale;

/**
 * The items of the {@code vllm} profile: what vLLM subtracts from its budget before the rest becomes KV cache
 * (the weights it loaded, the peak of its profiling run, memory outside PyTorch, and from 0.21 the CUDA graphs),
 * and the KV cache the workload's requests take in vLLM's layout. Constants and their sources: {@link VllmProfile}.
 */
final class VllmMemory {

    private VllmMemory() {
    }

    /**
     * The weights as vLLM loads a quantized checkpoint: its linear layers at {@code p}, the input embedding and the
     * output head in the runtime dtype (vLLM's quantization methods apply to linear layers; VocabParallelEmbedding and
     * ParallelLMHead keep {@code UnquantizedEmbeddingMethod}). Null when {@code p} is 16 bits or more, or quantizes
     * only the routed experts: then every weight is at {@code p}, as memwall counts them anyway.
     */
    static MemoryItem quantizedWeights(ModelSpec spec, Precision p, RuntimeProfile.Vllm v, int devices) {
        if (p.bitsPerWeight() >= 16 || p.expertsOnly()) {
            return null;
        }
        Precision dtype = v.dtype().resolve(spec);
        long params = spec.parameters();
        long table = spec.nonLayerParameters();
        double bytes = (params - table) * p.bitsPerWeight() / 8 + table * dtype.bitsPerWeight() / 8;
        long perDevice = (long) Math.ceil(bytes / devices);
        return new MemoryItem("weights", perDevice, String.format(Locale.ROOT, "%,d parameters x %s bits (%s) / 8 + "
                + "%,d of the embedding and output head x %s bits (%s, vLLM does not quantize them) / 8%s",
                params - table, bits(p.bitsPerWeight()), p.name(), table, bits(dtype.bitsPerWeight()), dtype.name(),
                devices > 1 ? ", split over " + devices + " devices" : ""));
    }

    /** KV cache, activation peak, non-torch memory and CUDA graphs on each of {@code devices} devices. */
    static void add(ModelSpec spec, Workload workload, RuntimeProfile.Vllm v, int devices, List<MemoryItem> items) {
        VllmKvLayout layout = VllmKvLayout.of(spec, workload.kvPrecision(), devices, v.version().v1Engine());
        long context = workload.contextTokens();
        long perRequest = layout.bytesPerRequest(context, v.maxNumBatchedTokens());
        items.add(new MemoryItem("kv_cache", MemoryAccounting.saturate((double) perRequest * workload.batch()),
                String.format(Locale.ROOT, "%,d blocks of 16 tokens for a request of %,d tokens x %,d bytes (%s, KV "
                        + "%s) x batch %d", layout.blocksPerRequest(context, v.maxNumBatchedTokens()), context,
                        layout.blockBytes(), layout.describe(spec, workload.kvPrecision(), devices),
                        workload.kvPrecision().name(), workload.batch())));
        if (v.version().v1Engine()) {
            items.add(activationPeak(spec, workload.precision(), v, devices));
            boolean parallel = devices > 1;
            items.add(new MemoryItem("non_torch", parallel ? VllmProfile.NON_TORCH_BYTES_TENSOR_PARALLEL
                    : VllmProfile.NON_TORCH_BYTES, parallel
                            ? "2.09 GiB: NCCL and all-reduce buffers and workspaces outside PyTorch with tensor "
                                    + "parallelism, the median of vLLM 0.19's logs on 2 and 4 H100s"
                            : "0.25 GiB: workspaces outside PyTorch on one device, the median of vLLM 0.19's logs on "
                                    + "an H100"));
            if (v.version().subtractsCudaGraphs()) {
                items.add(new MemoryItem("cuda_graphs", parallel ? VllmProfile.CUDA_GRAPH_BYTES_TENSOR_PARALLEL
                        : VllmProfile.CUDA_GRAPH_BYTES, String.format(Locale.ROOT, "%s: vLLM %s subtracts its "
                                + "estimate of the CUDA graphs from the budget; the median of \"Estimated CUDA graph "
                                + "memory\" in vLLM 0.19's logs %s (0 with --enforce-eager)", parallel ? "1.51 GiB"
                                : "0.84 GiB", v.version(), parallel ? "with tensor parallelism" : "on one device")));
            } else {
                items.add(new MemoryItem("cuda_graphs", 0, String.format(Locale.ROOT, "0 in the budget: vLLM %s "
                        + "captures the CUDA graphs after sizing the KV cache, from the %.0f%% of memory outside "
                        + "gpu_memory_utilization (about 0.5 to 2 GiB)", v.version(),
                        (1 - v.gpuMemoryUtilization()) * 100)));
            }
        } else {
            items.add(v0ActivationPeak(spec, v, devices));
            items.add(new MemoryItem("non_torch", VllmProfile.V0_NON_TORCH_BYTES,
                    "0.16 GiB: the median that the V0 engine's logs report growing outside PyTorch on one GPU"));
            items.add(new MemoryItem("cuda_graphs", 0, "0 in the budget: the V0 engine captures the CUDA graphs after "
                    + "sizing the KV cache"));
        }
    }

    /**
     * The V1 profiling run's peak: a workspace its fused MoE kernel keeps, plus the larger of the forward pass's
     * widest moment and the sampler warm-up, plus {@link VllmProfile#PROFILE_WORKSPACE_BYTES}.
     *
     * <ul>
     * <li>Sampler: the hidden states the run returns ({@code max_num_batched_tokens} rows, and two copies of one
     * row per request), the logits in the model's dtype, {@value VllmProfile#SAMPLER_FP32_BYTES_PER_LOGIT} float32
     * bytes per logit and the top-k/top-p kernel's buffer.</li>
     * <li>Forward: the feed-forward block's outputs for the whole batch (gate and up, then the activation: 3 x ffn
     * for gated blocks, 2 x ffn for plain ones, split over the devices) or the attention projections' outputs,
     * whichever is wider, and four hidden-size rows per token (input, residual, normed input, output).</li>
     * <li>MoE: the modular fused-MoE kernel takes {@code (tokens, top_k, max(ffn, hidden))} and
     * {@code (tokens, top_k, max(2 x ffn, hidden))} workspaces from vLLM's workspace manager, which keeps them
     * (TritonExperts.workspace_shapes, vllm/model_executor/layers/fused_moe/fused_moe.py; FusedMoEModularKernel's
     * buffers, modular_kernel.py; vllm/v1/worker/workspace.py; all v0.19.0), so they stay allocated through the
     * sampler. gpt-oss's MXFP4 experts run a kernel that keeps none there: its logged peak is the sampler's alone
     * (2.87 GiB at one and at two devices).</li>
     * </ul>
     */
    static MemoryItem activationPeak(ModelSpec spec, Precision weights, RuntimeProfile.Vllm v, int devices) {
        Precision dtype = v.dtype().resolve(spec);
        long dt = (long) (dtype.bitsPerWeight() / 8);
        long t = v.maxNumBatchedTokens();
        long r = Math.min(v.maxNumSeqs(), t);
        long h = spec.hiddenSize();
        long vocab = spec.vocabSize();
        long bufferRows = Math.min(Long.highestOneBit(Math.max(1, Math.min(VllmProfile.TOP_K_TOP_P_BUFFER_ROWS, r)) * 2L
                - 1), VllmProfile.TOP_K_TOP_P_BUFFER_ROWS);
        double hidden = (double) (t + 2 * r) * h * dt;
        double logits = (double) r * vocab * (dt + VllmProfile.SAMPLER_FP32_BYTES_PER_LOGIT) + (double) bufferRows
                * vocab * 4;
        double sampler = hidden + logits;

        long matrices = spec.mlp().matrices();
        long widest = 0;
        if (spec.moe() == null || spec.moe().firstDenseLayers() > 0) {
            widest = matrices * spec.intermediateSize() / devices;
        }
        if (spec.moe() != null && spec.moe().sharedExperts() > 0) {
            widest = Math.max(widest, matrices * spec.moe().sharedExperts() * spec.moe().sharedExpertIntermediateSize()
                    / devices);
        }
        long attention = attentionWidth(spec) / devices;
        widest = Math.max(widest, attention);
        double forward = (double) t * dt * (widest + 4 * h);

        double moe = 0;
        boolean mxfp4 = weights != null && weights.name().equals("mxfp4");
        if (spec.moe() != null && !mxfp4) {
            long ffn = spec.moe().expertIntermediateSize() / devices;
            long n = (matrices - 1) * ffn;
            moe = (double) t * spec.moe().expertsPerToken() * (Math.max(ffn, h) + Math.max(n, h)) * dt;
        }
        double peak = moe + Math.max(forward, sampler) + VllmProfile.PROFILE_WORKSPACE_BYTES;
        return new MemoryItem("activation_peak", MemoryAccounting.saturate(peak), String.format(Locale.ROOT,
                "%sthe larger of the profiling run's forward pass, %,d tokens x (widest %,d + 4 x hidden %d) x %d bytes "
                        + "= %,d, and the sampler warm-up, %,d requests x vocabulary %,d x (%d + %d fp32) bytes + a "
                        + "%d-row fp32 top-k/top-p buffer + hidden states of %,d rows x %d x %d bytes = %,d; + %d MiB "
                        + "of workspace (max_num_batched_tokens %d, max_num_seqs %d, dtype %s)",
                moe > 0 ? String.format(Locale.ROOT, "the fused MoE workspace it keeps, %,d tokens x top-%d x (max(ffn "
                        + "%d, hidden) + max(%d x ffn, hidden)) x %d bytes = %,d; + ", t,
                        spec.moe().expertsPerToken(), spec.moe().expertIntermediateSize() / devices, matrices - 1, dt,
                        (long) moe) : "",
                t, widest, h, dt, (long) forward, r, vocab, dt, VllmProfile.SAMPLER_FP32_BYTES_PER_LOGIT, bufferRows,
                t + 2 * r, h, dt, (long) sampler, VllmProfile.PROFILE_WORKSPACE_BYTES >> 20, v.maxNumBatchedTokens(),
                v.maxNumSeqs(), dtype.name()));
    }

    /** Query, key and value projections' outputs, and the attention output, per token. */
    private static long attentionWidth(ModelSpec spec) {
        if (spec.mla() != null) {
            var m = spec.mla();
            return (long) spec.attentionHeads() * (m.qkNopeHeadDim() + m.qkRopeHeadDim() + m.vHeadDim());
        }
        return (long) (2 * spec.attentionHeads() + 2 * spec.kvHeads()) * spec.headDim();
    }

    /** The V0 engine's peak, as fitted to its logs (see {@link VllmProfile#V0_SAMPLER_LOGIT_COPIES}). */
    static MemoryItem v0ActivationPeak(ModelSpec spec, RuntimeProfile.Vllm v, int devices) {
        long h = spec.hiddenSize();
        long vocab = spec.vocabSize();
        long t = v.maxNumBatchedTokens();
        long seqs = Math.min(v.maxNumSeqs(), t);
        long ffn = spec.moe() == null ? spec.intermediateSize()
                : spec.moe().expertsPerToken() * spec.moe().expertIntermediateSize()
                        + spec.moe().sharedExperts() * spec.moe().sharedExpertIntermediateSize();
        long qkv = spec.mla() != null ? (long) spec.attentionHeads() * (spec.mla().qkNopeHeadDim()
                + spec.mla().qkRopeHeadDim()) + spec.mla().kvLoraRank() + spec.mla().qkRopeHeadDim()
                : (long) (spec.attentionHeads() + 2 * spec.kvHeads()) * spec.headDim();
        long perToken = (3 * ffn + qkv) / devices * 2 + 2 * h * 2;
        long forward = t * perToken;
        long sampler = t * h * 2 + VllmProfile.V0_SAMPLER_LOGIT_COPIES * seqs * vocab * 4;
        return new MemoryItem("activation_peak", Math.max(forward, sampler), String.format(Locale.ROOT,
                "V0 engine: the larger of the profiling run's forward pass, %,d tokens x ((3 x ffn %d + qkv %d)%s + "
                        + "2 x hidden %d) x 2 bytes = %,d, and its sampler, %,d tokens x hidden x 2 bytes + %d fp32 "
                        + "copies of %d sequences x vocabulary %d logits = %,d (max_num_batched_tokens %d, max_num_seqs "
                        + "%d)", t, ffn, qkv, devices > 1 ? " / " + devices : "", h, forward, t,
                VllmProfile.V0_SAMPLER_LOGIT_COPIES, seqs, vocab, sampler, v.maxNumBatchedTokens(), v.maxNumSeqs()));
    }

    private static String bits(double b) {
        return b == Math.rint(b) ? String.valueOf((long) b) : String.format(Locale.ROOT, "%.4g", b);
    }
}
