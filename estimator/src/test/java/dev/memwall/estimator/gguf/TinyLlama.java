package dev.memwall.estimator.gguf;

import static dev.memwall.estimator.gguf.GgufValueType.ARRAY;
import static dev.memwall.estimator.gguf.GgufValueType.BOOL;
import static dev.memwall.estimator.gguf.GgufValueType.FLOAT32;
import static dev.memwall.estimator.gguf.GgufValueType.FLOAT64;
import static dev.memwall.estimator.gguf.GgufValueType.INT16;
import static dev.memwall.estimator.gguf.GgufValueType.INT32;
import static dev.memwall.estimator.gguf.GgufValueType.INT64;
import static dev.memwall.estimator.gguf.GgufValueType.INT8;
import static dev.memwall.estimator.gguf.GgufValueType.STRING;
import static dev.memwall.estimator.gguf.GgufValueType.UINT16;
import static dev.memwall.estimator.gguf.GgufValueType.UINT32;
import static dev.memwall.estimator.gguf.GgufValueType.UINT64;
import static dev.memwall.estimator.gguf.GgufValueType.UINT8;
import static dev.memwall.estimator.gguf.GgufWriter.array;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** A small llama-like GGUF file with every value type, a nested array, a long vocabulary and six tensor types. */
final class TinyLlama {
    static final BigInteger U64_MAX = new BigInteger("18446744073709551615");

    private TinyLlama() {
    }

    static List<String> tokens(int n) {
        List<String> tokens = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tokens.add(i % 7 == 0 ? "\u2581t\u00f6k" + i : "tok" + i);
        }
        return tokens;
    }

    static GgufWriter writer(int version, int vocabulary) {
        List<Double> scores = new ArrayList<>();
        List<Long> tokenTypes = new ArrayList<>();
        for (int i = 0; i < vocabulary; i++) {
            scores.add((double) -i);
            tokenTypes.add(i < 3 ? 3L : 1L);
        }
        return new GgufWriter().version(version)
                .kv("general.architecture", STRING, "llama")
                .kv("general.name", STRING, "tiny llama \u2713")
                .kv("llama.block_count", UINT32, 2L)
                .kv("llama.context_length", UINT32, 2048L)
                .kv("llama.embedding_length", UINT32, 64L)
                .kv("llama.feed_forward_length", UINT32, 128L)
                .kv("llama.attention.head_count", UINT32, 4L)
                .kv("llama.attention.head_count_kv", UINT32, 2L)
                .kv("llama.rope.freq_base", FLOAT32, 10000.0)
                .kv("tokenizer.ggml.model", STRING, "llama")
                .kv("tokenizer.ggml.tokens", ARRAY, new GgufWriter.Arr(STRING, tokens(vocabulary)))
                .kv("tokenizer.ggml.scores", ARRAY, new GgufWriter.Arr(FLOAT32, scores))
                .kv("tokenizer.ggml.token_type", ARRAY, new GgufWriter.Arr(INT32, tokenTypes))
                .kv("test.u8", UINT8, 255L)
                .kv("test.i8", INT8, -128L)
                .kv("test.u16", UINT16, 65535L)
                .kv("test.i16", INT16, -32768L)
                .kv("test.u32", UINT32, 4294967295L)
                .kv("test.i32", INT32, (long) Integer.MIN_VALUE)
                .kv("test.f32", FLOAT32, 0.1f)
                .kv("test.bool", BOOL, true)
                .kv("test.u64", UINT64, Long.MAX_VALUE)
                .kv("test.u64_max", UINT64, U64_MAX)
                .kv("test.i64", INT64, Long.MIN_VALUE)
                .kv("test.f64", FLOAT64, Math.PI)
                .kv("test.string", STRING, "h\u00e9llo, \u4e16\u754c")
                .kv("test.layer_head_count_kv", ARRAY, array(INT32, 2L, 1L))
                .kv("test.nested", ARRAY, array(ARRAY, array(UINT8, 1L, 2L), array(STRING, "a"), array(BOOL)))
                .kv("test.empty", ARRAY, array(UINT16))
                .tensor("token_embd.weight", GgmlType.Q4_K, 256, 4)
                .tensor("blk.0.attn_q.weight", GgmlType.Q4_0, 64, 64)
                .tensor("blk.0.attn_k.weight", GgmlType.Q8_0, 64, 32)
                .tensor("blk.0.ffn_down.weight", GgmlType.Q6_K, 256, 2)
                .tensor("blk.0.attn_norm.weight", GgmlType.F32, 64)
                .tensor("blk.1.attn_q.weight", GgmlType.F16, 64, 64)
                .tensor("blk.1.attn_norm.weight", GgmlType.F32, 64)
                .tensor("output_norm.weight", GgmlType.F32, 64)
                .tensor("output.weight", GgmlType.Q8_0, 64, 16);
    }
}
