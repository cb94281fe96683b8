package dev.memwall.estimator.llamacpp;

import dev.memwall.estimator.gguf.GgmlType;

/**
 * A llama.cpp context's parameters ({@code llama_cparams}) as the memory depends on them.
 *
 * @param cellsPerSequence KV cells of each sequence ({@code n_ctx_seq}, a multiple of 256)
 * @param sequences        {@code n_seq_max}: one KV stream each ({@code kv_unified} false)
 * @param ubatchTokens     {@code n_ubatch}
 * @param flashAttention   whether flash attention is on
 * @param typeK            KV cache key type
 * @param typeV            KV cache value type
 */
public record LlamaCppContext(long cellsPerSequence, int sequences, long ubatchTokens, boolean flashAttention,
        GgmlType typeK, GgmlType typeV) {

    /** {@code TENSOR_ALIGNMENT}, ggml/src/ggml-impl.h: the CPU buffer type's alignment. */
    static final long CPU_ALIGNMENT = 32;

    /**
     * The context llama.cpp makes of {@code tokens} per sequence for {@code sequences} sequences: {@code n_ctx} is
     * padded to 256, split evenly, each share padded to 256 again ({@code llama_context::llama_context},
     * src/llama-context.cpp).
     */
    public static long cellsPerSequence(long tokensPerSequence, int sequences) {
        long nCtx = pad(tokensPerSequence * sequences, 256);
        return pad(nCtx / sequences, 256);
    }

    /** {@code n_ctx}: all sequences' cells. */
    public long contextTokens() {
        return cellsPerSequence * sequences;
    }

    /** Cells per sequence of a sliding-window cache: {@code GGML_PAD(min(n_ctx_seq, n_swa + n_ubatch), 256)}. */
    long slidingCells(long window) {
        return pad(Math.min(cellsPerSequence, window + ubatchTokens), 256);
    }

    static boolean quantized(GgmlType type) {
        return type.blockSize() > 1;
    }

    static long pad(long n, long to) {
        return (n + to - 1) / to * to;
    }
}
