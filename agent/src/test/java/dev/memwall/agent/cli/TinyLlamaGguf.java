package dev.memwall.agent.cli;

import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.gguf.GgufValueType;
import dev.memwall.estimator.gguf.GgufWriter;

/** A one-layer llama GGUF with a 64-wide embedding: the smallest file the commands read as a model. */
final class TinyLlamaGguf {

    private TinyLlamaGguf() {
    }

    /** The metadata of a one-layer llama with {@code heads} attention heads and its token embedding. */
    static GgufWriter withHeads(long heads) {
        return new GgufWriter().version(3)
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("llama.block_count", GgufValueType.UINT32, 1L)
                .kv("llama.context_length", GgufValueType.UINT32, 512L)
                .kv("llama.embedding_length", GgufValueType.UINT32, 64L)
                .kv("llama.feed_forward_length", GgufValueType.UINT32, 128L)
                .kv("llama.attention.head_count", GgufValueType.UINT32, heads)
                .kv("llama.vocab_size", GgufValueType.UINT32, 32L)
                .tensor("token_embd.weight", GgmlType.Q8_0, 64, 32);
    }
}
