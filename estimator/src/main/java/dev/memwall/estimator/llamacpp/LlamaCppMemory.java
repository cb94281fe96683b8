package dev.memwall.estimator.llamacpp;

import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.model.ModelSpec;
import java.util.Locale;
import java.util.Optional;

/**
 * The buffers llama.cpp allocates for a context, sized as llama.cpp sizes them: the KV cache layer by layer
 * ({@code llama_kv_cache}, src/llama-kv-cache.cpp; sliding-window layers in a cache of their own, src/llama-kv-cache-
 * iswa.cpp), the output buffer ({@code llama_context::output_reserve}, src/llama-context.cpp) and the compute buffer
 * (the reserved graph, placed by a port of ggml's graph allocator). llama.cpp as bundled in node-llama-cpp 3.21.1
 * (its {@code llama/llama.cpp.info.json}: ggml-org/llama.cpp tag v0.4.0).
 */
public final class LlamaCppMemory {

    private LlamaCppMemory() {
    }

    /** The graph memwall reproduces for this model, or empty when llama.cpp builds another one. */
    public static Optional<LlamaCppModel> model(ModelSpec spec) {
        String family = spec.family() == null ? "" : spec.family().toLowerCase(Locale.ROOT);
        // GGUF says qwen3moe, Hugging Face qwen3_moe, memwall's catalog qwen3-moe
        boolean routed = family.replace("-", "").replace("_", "").equals(LlamaCppModel.Arch.QWEN3MOE.ggufName());
        if (spec.mla() != null || (spec.moe() != null) != routed) {
            return Optional.empty();
        }
        if (routed && (spec.moe().sharedExperts() > 0 || spec.moe().firstDenseLayers() > 0)) {
            return Optional.empty();
        }
        // Mistral's checkpoints convert to the llama architecture (convert_hf_to_gguf.py), which ignores the window
        Optional<LlamaCppModel.Arch> arch = family.equals("mistral") ? Optional.of(LlamaCppModel.Arch.LLAMA)
                : routed ? Optional.of(LlamaCppModel.Arch.QWEN3MOE) : LlamaCppModel.Arch.of(family);
        return arch.map(a -> {
            boolean windowed = a == LlamaCppModel.Arch.GEMMA3 && spec.slidingWindow() != null;
            return new LlamaCppModel(a, spec.layers(), spec.hiddenSize(), spec.attentionHeads(), spec.kvHeads(),
                    spec.headDim(), spec.headDim(), spec.intermediateSize(), spec.vocabSize(),
                    windowed ? spec.slidingWindow().windowTokens() : 0,
                    windowed ? spec.slidingWindow().globalEvery() : 0, routed ? spec.moe().experts() : 0,
                    routed ? spec.moe().expertsPerToken() : 0, routed ? spec.moe().expertIntermediateSize() : 0);
        });
    }

    /** The ggml type of a KV cache precision by memwall's name (fp16, q8_0, ...). */
    public static GgmlType kvType(String precision) {
        return switch (precision) {
            case "fp32" -> GgmlType.F32;
            case "fp16" -> GgmlType.F16;
            case "bf16" -> GgmlType.BF16;
            case "q8_0" -> GgmlType.Q8_0;
            case "q4_0" -> GgmlType.Q4_0;
            case "q4_1" -> GgmlType.Q4_1;
            case "iq4_nl" -> GgmlType.IQ4_NL;
            case "q5_0" -> GgmlType.Q5_0;
            case "q5_1" -> GgmlType.Q5_1;
            default -> throw new IllegalArgumentException("llama.cpp has no " + precision + " KV cache");
        };
    }

    /**
     * The KV cache: per layer {@code ggml_row_size(type, n_embd_k_gqa)} and the same for V, times the cells of
     * each sequence, times the sequences; a sliding-window layer holds {@code GGML_PAD(min(n_ctx_seq, n_swa +
     * n_ubatch), 256)} cells.
     */
    public static KvCache kvCache(ModelSpec spec, LlamaCppContext c) {
        long kRow = rowBytes(c.typeK(), (long) spec.kvHeads() * spec.headDim());
        long vRow = rowBytes(c.typeV(), (long) spec.kvHeads() * spec.headDim());
        Optional<LlamaCppModel> m = model(spec);
        long window = m.map(LlamaCppModel::slidingWindow).orElse(0L);
        long slidingCells = window > 0 ? c.slidingCells(window) : 0;
        int slidingLayers = window > 0 ? spec.slidingWindow().localLayers(spec.layers()) : 0;
        long full = (kRow + vRow) * c.cellsPerSequence() * c.sequences() * (spec.layers() - slidingLayers);
        long sliding = (kRow + vRow) * slidingCells * c.sequences() * slidingLayers;
        return new KvCache(full, sliding, c.cellsPerSequence(), slidingCells, spec.layers() - slidingLayers,
                slidingLayers, kRow + vRow);
    }

    /**
     * The KV cache's buffers.
     *
     * @param fullBytes       layers attending to the whole context
     * @param slidingBytes    sliding-window layers
     * @param fullCells       cells per sequence of the former
     * @param slidingCells    cells per sequence of the latter
     * @param fullLayers      how many layers attend to the whole context
     * @param slidingLayers   how many to a window
     * @param bytesPerCell    K and V bytes of one cell of one layer
     */
    public record KvCache(long fullBytes, long slidingBytes, long fullCells, long slidingCells, int fullLayers,
            int slidingLayers, long bytesPerCell) {

        public long bytes() {
            return fullBytes + slidingBytes;
        }
    }

    /** The output buffer: f32 logits over the vocabulary for one output per sequence. */
    public static long outputBytes(long vocabulary, int sequences) {
        return vocabulary * sequences * 4L;
    }


    /**
     * A CPU's compute buffer (what llama.cpp reserves and logs) and ggml's CPU work buffer (allocated when the graph
     * first runs, not logged, grown to the largest micro-batch's plan: see {@link GgmlCpuPlan}), in bytes.
     */
    public record CpuBuffers(long computeBytes, long workBytes) {
    }

    /**
     * Both CPU buffers from the same graphs.
     *
     * @param weightType the model's weight matrices' type (the one whose dot product needs the most bytes where
     *                   the file mixes types)
     * @param threads    threads computing the graph (a cache line and some scratch each)
     */
    public static CpuBuffers cpuBuffers(LlamaCppModel m, LlamaCppContext c, GgmlType weightType, int threads) {
        return LlamaCppGraph.cpuBuffers(m, c, weightType, threads);
    }

    /** ggml's CPU work buffer alone (see {@link #cpuBuffers}). */
    public static long cpuWorkBytes(LlamaCppModel m, LlamaCppContext c, GgmlType weightType, int threads) {
        return cpuBuffers(m, c, weightType, threads).workBytes();
    }

    /**
     * The weight type of these stored types (GGUF type names) whose dot product converts activations to the most
     * bytes: the one that sizes the work buffer's largest matrix product; F32 where none needs a conversion.
     */
    public static GgmlType widestVecDot(Iterable<String> storedTypes) {
        GgmlType widest = GgmlType.F32;
        long widestBytes = 0;
        for (String name : storedTypes) {
            GgmlType t = null;
            for (GgmlType candidate : GgmlType.values()) {
                if (candidate.name().equals(name)) {
                    t = candidate;
                }
            }
            if (t == null) {
                continue;
            }
            GgmlType dot = GgmlCpuPlan.vecDotType(t);
            long bytes = dot == GgmlType.F32 ? 0 : rowBytes(dot, 256 * 32);
            if (bytes > widestBytes) {
                widest = t;
                widestBytes = bytes;
            }
        }
        return widest;
    }

    /**
     * The weight type llama.cpp computes with for a precision by memwall's name: the GGUF type of its matrices (a K
     * mix's dot product is the same for all its K types), F16 for a precision llama.cpp does not store.
     */
    public static GgmlType weightType(String precision) {
        return switch (precision) {
            case "fp32" -> GgmlType.F32;
            case "bf16" -> GgmlType.BF16;
            case "q8_0" -> GgmlType.Q8_0;
            case "q4_0" -> GgmlType.Q4_0;
            case "mxfp4" -> GgmlType.MXFP4;
            default -> precision.matches("q[2-6]_k.*") ? GgmlType.Q4_K : GgmlType.F16;
        };
    }

    /**
     * A GPU's compute buffer when it holds every layer: the graph without the token lookup, placed at the CUDA
     * buffer type's 128-byte alignment ({@code ggml_backend_cuda_buffer_type_get_alignment}).
     */
    public static long deviceComputeBytes(LlamaCppModel m, LlamaCppContext c) {
        return LlamaCppGraph.deviceComputeBufferBytes(m, c, GPU_ALIGNMENT);
    }

    static final long GPU_ALIGNMENT = 128;

    /** {@code ggml_row_size}. */
    static long rowBytes(GgmlType type, long elements) {
        return type.typeSize() * (elements / type.blockSize());
    }
}
