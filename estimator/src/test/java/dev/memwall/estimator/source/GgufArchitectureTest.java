package dev.memwall.estimator.source;

import static dev.memwall.estimator.gguf.GgufValueType.ARRAY;
import static dev.memwall.estimator.gguf.GgufValueType.FLOAT32;
import static dev.memwall.estimator.gguf.GgufValueType.INT32;
import static dev.memwall.estimator.gguf.GgufValueType.STRING;
import static dev.memwall.estimator.gguf.GgufValueType.UINT32;
import static dev.memwall.estimator.gguf.GgufValueType.UINT64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.gguf.GgufValueType;
import dev.memwall.estimator.gguf.GgufWriter;
import dev.memwall.estimator.io.ModelFormatException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GGUF file's architecture metadata, each rule refused with the key, the value (unsigned as stored) and why. */
class GgufArchitectureTest {

    @TempDir
    Path dir;

    private record Kv(GgufValueType type, Object value) {
    }

    /** A two-layer llama's metadata with {@code key} set to {@code value} of {@code type} (or dropped if null). */
    private String load(String key, GgufValueType type, Object value) throws Exception {
        Map<String, Kv> kvs = new LinkedHashMap<>();
        kvs.put("general.architecture", new Kv(STRING, "llama"));
        kvs.put("llama.block_count", new Kv(UINT32, 2L));
        kvs.put("llama.context_length", new Kv(UINT32, 2048L));
        kvs.put("llama.embedding_length", new Kv(UINT32, 64L));
        kvs.put("llama.feed_forward_length", new Kv(UINT32, 128L));
        kvs.put("llama.attention.head_count", new Kv(UINT32, 4L));
        kvs.put("llama.attention.head_count_kv", new Kv(UINT32, 2L));
        kvs.put("tokenizer.ggml.tokens", new Kv(ARRAY, new GgufWriter.Arr(STRING, List.of("a", "b", "c", "d"))));
        if (type == null) {
            kvs.remove(key);
        } else {
            kvs.put(key, new Kv(type, value));
        }
        GgufWriter w = new GgufWriter().version(3);
        kvs.forEach((k, v) -> w.kv(k, v.type(), v.value()));
        w.tensor("token_embd.weight", GgmlType.F32, 64, 4);
        Path file = dir.resolve("m.gguf");
        Files.write(file, w.write().bytes());
        ModelSources.load(file.toString(), ModelCatalog::builtIn);
        return file.toString();
    }

    private void refused(String key, GgufValueType type, Object value, String problem) {
        Path file = dir.resolve("m.gguf");
        assertThatThrownBy(() -> load(key, type, value)).isInstanceOf(ModelFormatException.class)
                .hasMessage(file + ": " + problem);
    }

    @Test
    void theTinyLlamaReads() throws Exception {
        assertThat(load("llama.attention.head_count", UINT32, 4L)).endsWith("m.gguf");
    }

    /** It ended in "unexpected error: java.lang.ArithmeticException: / by zero", exit 1. */
    @Test
    void zeroHeadsAreRefusedNotDividedBy() {
        refused("llama.attention.head_count", UINT32, 0L, "llama.attention.head_count = 0 must be >= 1");
        refused("llama.attention.head_count_kv", UINT32, 0L, "llama.attention.head_count_kv = 0 must be >= 1");
        refused("llama.block_count", UINT32, 0L, "llama.block_count = 0 must be >= 1");
        refused("llama.embedding_length", UINT32, 0L, "llama.embedding_length = 0 must be >= 1");
        refused("llama.attention.key_length", UINT32, 0L, "llama.attention.key_length = 0 must be >= 1");
        refused("llama.vocab_size", UINT32, 0L, "llama.vocab_size = 0 must be >= 1");
        refused("llama.block_count", INT32, -3L, "llama.block_count = -3 must be >= 1");
    }

    @Test
    void headsThatDoNotDivideAreRefused() {
        refused("llama.embedding_length", UINT32, 66L, "llama.embedding_length = 66 is not divisible by "
                + "llama.attention.head_count = 4: the head dimension would be 16.5; a model with such heads gives "
                + "llama.attention.key_length");
        refused("llama.attention.head_count_kv", UINT32, 3L, "llama.attention.head_count_kv = 3 must divide "
                + "llama.attention.head_count = 4");
    }

    /** A u32 of 4294967295 was reported as "-1"; a u64 past a long is printed unsigned too. */
    @Test
    void unsignedValuesPrintUnsigned() {
        refused("llama.attention.head_count", UINT32, 4294967295L, "llama.attention.head_count = 4294967295 is too "
                + "large (at most 2147483647)");
        refused("llama.block_count", UINT64, new BigInteger("18446744073709551615"), "llama.block_count = "
                + "18446744073709551615 is too large (at most 2147483647)");
    }

    /** A key present with another type was reported as missing. */
    @Test
    void aWrongTypeIsSaidToBeAWrongType() {
        refused("llama.block_count", STRING, "two", "llama.block_count has the wrong type: expected an integer, "
                + "found a string");
        refused("llama.attention.head_count", FLOAT32, 4.0, "llama.attention.head_count has the wrong type: "
                + "expected an integer, found a float");
        refused("llama.attention.head_count_kv", ARRAY, GgufWriter.array(STRING, "x", "y"),
                "llama.attention.head_count_kv has the wrong type: expected an integer or an array of integers, "
                        + "found an array of 2 string");
        refused("llama.block_count", null, null, "missing metadata key 'llama.block_count'");
    }

    @Test
    void moreExpertsPerTokenThanExpertsIsRefused() throws Exception {
        loadMoe(2);
        assertThatThrownBy(() -> loadMoe(9)).isInstanceOf(ModelFormatException.class).hasMessage(dir.resolve("m.gguf")
                + ": llama.expert_used_count = 9 must be at most llama.expert_count = 8");
    }

    private void loadMoe(long used) throws Exception {
        GgufWriter w = new GgufWriter().version(3).kv("general.architecture", STRING, "llama")
                .kv("llama.block_count", UINT32, 2L).kv("llama.context_length", UINT32, 2048L)
                .kv("llama.embedding_length", UINT32, 64L).kv("llama.feed_forward_length", UINT32, 128L)
                .kv("llama.attention.head_count", UINT32, 4L).kv("llama.expert_count", UINT32, 8L)
                .kv("llama.expert_used_count", UINT32, used)
                .kv("tokenizer.ggml.tokens", ARRAY, new GgufWriter.Arr(STRING, List.of("a", "b")))
                .tensor("token_embd.weight", GgmlType.F32, 64, 2);
        Path file = dir.resolve("m.gguf");
        Files.write(file, w.write().bytes());
        ModelSources.load(file.toString(), ModelCatalog::builtIn);
    }
}
