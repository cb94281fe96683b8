package dev.memwall.estimator.llamacpp;

import dev.memwall.estimator.gguf.GgmlType;

/**
 * The work buffer ggml's CPU backend allocates to compute a graph, outside the compute buffer llama.cpp reserves and
 * reports: {@code ggml_graph_plan} (ggml/src/ggml-cpu/ggml-cpu.c) sizes it as the largest scratch any one node needs,
 * plus a cache line per thread, and the backend grows one buffer to the largest plan it has computed ({@code
 * ggml_backend_cpu_graph_compute}, ggml/src/ggml-cpu/ggml-cpu.cpp), so it reaches its worst case with the first
 * micro-batch that attends to the whole cache. The largest is usually the attention's second product without flash
 * attention: the f32 scores of every head converted to the V cache's dot-product type ({@code n_kv x n_tokens x
 * n_head} elements); with flash attention, a matrix's activations converted for the weights' dot product. llama.cpp
 * as bundled in node-llama-cpp 3.21.1.
 */
final class GgmlCpuPlan {

    /** {@code CACHE_LINE_SIZE} on x86-64 (ggml/src/ggml-cpu/ops.h). */
    static final long CACHE_LINE = 64;
    /** {@code GGML_FA_TILE_Q}, {@code GGML_FA_TILE_KV} (ggml/src/ggml-cpu/common.h). */
    static final long FA_TILE_Q = 64;
    static final long FA_TILE_KV = 64;
    /** {@code sizeof(struct mmid_row_mapping)}: two int32. */
    private static final long MMID_ROW_MAPPING = 8;

    private GgmlCpuPlan() {
    }

    /**
     * The work buffer for this graph with this many threads; {@code weightType} is the type of the model's weight
     * matrices (the graph's weights carry a placeholder type).
     */
    static long workBytes(GgmlGraph g, GgmlType weightType, int threads) {
        long work = 0;
        for (GgmlTensor node : g.nodes) {
            work = Math.max(work, nodeBytes(node, weightType, threads));
        }
        return work > 0 ? work + CACHE_LINE * threads : 0;
    }

    private static long nodeBytes(GgmlTensor node, GgmlType weightType, long tasks) {
        GgmlTensor src0 = node.src.length > 0 ? node.src[0] : null;
        switch (node.op) {
            case MUL_MAT: {
                GgmlType dot = vecDotType(src0.weight ? weightType : src0.type);
                GgmlTensor src1 = node.src[1];
                return src1.type != dot ? LlamaCppMemory.rowBytes(dot, src1.elements()) : 0;
            }
            case MUL_MAT_ID: {
                GgmlType dot = vecDotType(src0.weight ? weightType : src0.type);
                GgmlTensor src1 = node.src[1];
                GgmlTensor ids = node.src[2];
                long experts = src0.ne[2];
                long cur = src1.type != dot ? LlamaCppMemory.rowBytes(dot, src1.elements()) + 8 : 0;
                cur += experts * 8 + 8;
                cur += experts * ids.ne[0] * ids.ne[1] * MMID_ROW_MAPPING + 8;
                cur += CACHE_LINE * experts + CACHE_LINE;
                return cur;
            }
            case SOFT_MAX:
            case ROPE:
                return 4 * node.ne[0] * tasks;
            case SET_ROWS:
                return src0.type == GgmlType.F16 && node.type != GgmlType.F16 ? 4 * src0.ne[0] * tasks : 0;
            case FLASH_ATTN_EXT: {
                long heads = src0.ne[2];
                long dk = node.src[1].ne[0];
                long dv = node.src[2].ne[0];
                long prefill = 4 * (FA_TILE_Q * dk + 2 * FA_TILE_Q * FA_TILE_KV + FA_TILE_Q * dv + FA_TILE_KV * dv
                        + FA_TILE_KV * dk) * tasks;
                long decode = 4 * (heads * tasks * (2 + dv) + tasks * (dk + 2 * dv));
                return Math.max(prefill, decode);
            }
            default:
                return 0;
        }
    }

    /** {@code type_traits_cpu[type].vec_dot_type} (ggml/src/ggml-cpu/ggml-cpu.c). */
    static GgmlType vecDotType(GgmlType type) {
        return switch (type) {
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            case Q4_0, Q5_0, Q8_0, IQ4_NL, MXFP4 -> GgmlType.Q8_0;
            case Q4_1, Q5_1, Q8_1 -> GgmlType.Q8_1;
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ2_XXS, IQ2_XS, IQ3_XXS, IQ1_S, IQ3_S, IQ2_S, IQ4_XS, IQ1_M, TQ1_0,
                    TQ2_0 -> GgmlType.Q8_K;
            default -> GgmlType.F32;
        };
    }
}
