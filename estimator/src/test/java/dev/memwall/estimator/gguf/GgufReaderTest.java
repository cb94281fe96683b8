package dev.memwall.estimator.gguf;

import static dev.memwall.estimator.gguf.GgufValueType.ARRAY;
import static dev.memwall.estimator.gguf.GgufValueType.STRING;
import static dev.memwall.estimator.gguf.GgufValueType.UINT8;
import static dev.memwall.estimator.gguf.GgufWriter.array;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GgufReaderTest {

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void readsBackEveryMetadataValue(int version) throws Exception {
        GgufFile file = TinyLlama.writer(version, 2000).write().read();

        assertThat(file.version()).isEqualTo(version);
        assertThat(file.architecture()).contains("llama");
        assertThat(file.string("general.name")).contains("tiny llama \u2713");
        assertThat(file.integer("llama.block_count")).hasValue(2);
        assertThat(file.integer("llama.context_length")).hasValue(2048);
        assertThat(file.integer("llama.embedding_length")).hasValue(64);
        assertThat(file.integer("llama.feed_forward_length")).hasValue(128);
        assertThat(file.integer("llama.attention.head_count")).hasValue(4);
        assertThat(file.integer("llama.attention.head_count_kv")).hasValue(2);
        assertThat(file.metadata()).contains(
                entry("llama.rope.freq_base", 10000.0),
                entry("test.u8", 255L),
                entry("test.i8", -128L),
                entry("test.u16", 65535L),
                entry("test.i16", -32768L),
                entry("test.u32", 4294967295L),
                entry("test.i32", (long) Integer.MIN_VALUE),
                entry("test.f32", (double) 0.1f),
                entry("test.bool", true),
                entry("test.u64", Long.MAX_VALUE),
                entry("test.u64_max", TinyLlama.U64_MAX),
                entry("test.i64", Long.MIN_VALUE),
                entry("test.f64", Math.PI),
                entry("test.string", "h\u00e9llo, \u4e16\u754c"));
        assertThat(file.integer("test.u64_max")).isEmpty();
        assertThat(file.integer("test.string")).isEmpty();
        assertThat(file.string("test.u8")).isEmpty();
        assertThat(file.metadata().keySet()).startsWith("general.architecture", "general.name", "llama.block_count")
                .endsWith("test.layer_head_count_kv", "test.nested", "test.empty").hasSize(29);
    }

    @Test
    void keepsShortArraysWholeAndLongOnesAsCountSizeAndHead() throws Exception {
        GgufFile file = TinyLlama.writer(3, 2000).write().read();

        GgufArray tokens = file.array("tokenizer.ggml.tokens").orElseThrow();
        List<String> expected = TinyLlama.tokens(2000);
        long stringBytes = expected.stream()
                .mapToLong(t -> 8 + t.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).sum();
        assertThat(tokens.elementType()).isEqualTo(STRING);
        assertThat(tokens.count()).isEqualTo(2000);
        assertThat(tokens.byteSize()).isEqualTo(stringBytes);
        assertThat(tokens.complete()).isFalse();
        assertThat(tokens.elements()).isNull();
        assertThat(tokens.head()).containsExactlyElementsOf(expected.subList(0, 8));

        GgufArray scores = file.array("tokenizer.ggml.scores").orElseThrow();
        assertThat(scores.count()).isEqualTo(2000);
        assertThat(scores.byteSize()).isEqualTo(8000);
        assertThat(scores.head()).containsExactly(0.0, -1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0);

        assertThat(file.integerArray("test.layer_head_count_kv")).hasValueSatisfying(
                v -> assertThat(v).containsExactly(2, 1));
        assertThat(file.integerArray("llama.attention.head_count_kv")).isEmpty();
        assertThat(file.integerArray("tokenizer.ggml.token_type")).isEmpty();

        GgufArray nested = file.array("test.nested").orElseThrow();
        assertThat(nested.elementType()).isEqualTo(ARRAY);
        assertThat(nested.elements()).containsExactly(
                new GgufArray(UINT8, 2, 2, List.of(1L, 2L), List.of(1L, 2L)),
                new GgufArray(STRING, 1, 9, List.of("a"), List.of("a")),
                new GgufArray(GgufValueType.BOOL, 0, 0, List.of(), List.of()));
        assertThat(nested.byteSize()).isEqualTo(3 * 12 + 2 + 9);
        assertThat(file.array("test.empty")).hasValue(
                new GgufArray(GgufValueType.UINT16, 0, 0, List.of(), List.of()));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void readsBackEveryTensor(int version) throws Exception {
        GgufWriter.Written written = TinyLlama.writer(version, 2000).write();
        GgufFile file = written.read();

        long data = written.at("data");
        assertThat(file.alignment()).isEqualTo(32);
        assertThat(file.dataOffset()).isEqualTo(data).isEqualTo((data + 31) / 32 * 32);
        assertThat(file.fileSize()).isEqualTo(written.size());
        // bytes = elements / block size x block bytes, worked by hand from the ggml-common.h block sizes
        assertThat(file.tensors()).extracting(GgufTensor::name, GgufTensor::type, GgufTensor::elements,
                GgufTensor::bytes, GgufTensor::offset).containsExactly(
                        tuple("token_embd.weight", GgmlType.Q4_K, 1024L, 576L, 0L), // 4 blocks x 144
                        tuple("blk.0.attn_q.weight", GgmlType.Q4_0, 4096L, 2304L, 576L), // 128 x 18
                        tuple("blk.0.attn_k.weight", GgmlType.Q8_0, 2048L, 2176L, 2880L), // 64 x 34
                        tuple("blk.0.ffn_down.weight", GgmlType.Q6_K, 512L, 420L, 5056L), // 2 x 210
                        tuple("blk.0.attn_norm.weight", GgmlType.F32, 64L, 256L, 5504L), // 5476 aligned up
                        tuple("blk.1.attn_q.weight", GgmlType.F16, 4096L, 8192L, 5760L),
                        tuple("blk.1.attn_norm.weight", GgmlType.F32, 64L, 256L, 13952L),
                        tuple("output_norm.weight", GgmlType.F32, 64L, 256L, 14208L),
                        tuple("output.weight", GgmlType.Q8_0, 1024L, 1088L, 14464L)); // 32 x 34
        for (GgufTensor t : file.tensors()) {
            assertThat(t.absoluteOffset()).isEqualTo(data + t.offset());
        }
        assertThat(file.tensors().get(0).shape()).containsExactly(256, 4);
        assertThat(file.tensors().get(4).shape()).containsExactly(64);
        assertThat(file.totalTensorBytes()).isEqualTo(576 + 2304 + 2176 + 420 + 256 + 8192 + 256 + 256 + 1088);
        assertThat(file.bytesByType()).containsExactly(
                entry(GgmlType.F32, 768L), entry(GgmlType.F16, 8192L), entry(GgmlType.Q4_0, 2304L),
                entry(GgmlType.Q8_0, 3264L), entry(GgmlType.Q4_K, 576L), entry(GgmlType.Q6_K, 420L));
        assertThat(file.elementsByType()).containsExactly(
                entry(GgmlType.F32, 192L), entry(GgmlType.F16, 4096L), entry(GgmlType.Q4_0, 4096L),
                entry(GgmlType.Q8_0, 3072L), entry(GgmlType.Q4_K, 1024L), entry(GgmlType.Q6_K, 512L));

        Map<Integer, List<GgufTensor>> layers = file.tensorsByLayer();
        assertThat(layers.keySet()).containsExactly(-1, 0, 1);
        assertThat(layers.get(-1)).extracting(GgufTensor::name)
                .containsExactly("token_embd.weight", "output_norm.weight", "output.weight");
        assertThat(layers.get(0)).extracting(GgufTensor::name).containsExactly("blk.0.attn_q.weight",
                "blk.0.attn_k.weight", "blk.0.ffn_down.weight", "blk.0.attn_norm.weight");
        assertThat(layers.get(1)).extracting(GgufTensor::name)
                .containsExactly("blk.1.attn_q.weight", "blk.1.attn_norm.weight");
    }

    @Test
    void readsAFileOnDiskAndHonoursItsAlignment(@TempDir Path dir) throws Exception {
        Path path = new GgufWriter().alignment(64)
                .kv("general.architecture", STRING, "llama")
                .tensor("blk.12.ffn_up.weight", GgmlType.BF16, 8)
                .tensor("blk.12.ffn_gate.weight", GgmlType.MXFP4, 32, 2)
                .write().writeTo(dir.resolve("tiny.gguf"));

        GgufFile file = GgufReader.read(path);

        assertThat(file.alignment()).isEqualTo(64);
        assertThat(file.dataOffset() % 64).isZero();
        assertThat(file.tensors()).extracting(GgufTensor::offset, GgufTensor::bytes)
                .containsExactly(tuple(0L, 16L), tuple(64L, 34L));
        assertThat(file.tensorsByLayer()).containsOnlyKeys(12);
        assertThat(file.fileSize()).isEqualTo(java.nio.file.Files.size(path));
    }

    @Test
    void readsAFileWithoutTensorsOrMetadata() throws Exception {
        GgufFile file = new GgufWriter().write().read();

        assertThat(file.metadata()).isEmpty();
        assertThat(file.tensors()).isEmpty();
        assertThat(file.dataOffset()).isEqualTo(32);
        assertThat(file.architecture()).isEmpty();
        assertThat(file.bytesByType()).isEmpty();
        assertThat(file.tensorsByLayer()).isEmpty();
    }

    @Test
    void readsArraysNestedEightDeep() throws Exception {
        Object value = array(UINT8, 7L);
        for (int depth = 2; depth <= GgufReader.MAX_ARRAY_DEPTH; depth++) {
            value = array(ARRAY, value);
        }
        GgufFile file = new GgufWriter().kv("deep", ARRAY, value).write().read();

        GgufArray array = file.array("deep").orElseThrow();
        for (int depth = 2; depth <= GgufReader.MAX_ARRAY_DEPTH; depth++) {
            array = (GgufArray) array.elements().get(0);
        }
        assertThat(array.elements()).containsExactly(7L);
    }

    @Test
    void stopsKeepingArraysOnceTheFileBudgetIsSpent() throws Exception {
        GgufWriter writer = new GgufWriter();
        List<Long> thousand = new ArrayList<>();
        for (long i = 0; i < 1000; i++) {
            thousand.add(i);
        }
        int arrays = GgufArray.MAX_KEPT_PER_FILE / 1000 + 1;
        for (int i = 0; i < arrays; i++) {
            writer.kv("a" + i, ARRAY, new GgufWriter.Arr(UINT8, thousand));
        }
        GgufFile file = writer.write().read();

        assertThat(file.array("a0").orElseThrow().complete()).isTrue();
        GgufArray last = file.array("a" + (arrays - 1)).orElseThrow();
        assertThat(last.complete()).isFalse();
        assertThat(last.count()).isEqualTo(1000);
        assertThat(last.byteSize()).isEqualTo(1000);
    }

    @Test
    void layerIndexComesFromBlockNames() {
        assertThat(GgufFile.layerOf("blk.0.attn_q.weight")).isEqualTo(0);
        assertThat(GgufFile.layerOf("blk.127.ffn_down_exps.weight")).isEqualTo(127);
        assertThat(GgufFile.layerOf("token_embd.weight")).isEqualTo(-1);
        assertThat(GgufFile.layerOf("output.weight")).isEqualTo(-1);
        assertThat(GgufFile.layerOf("v.blk.3.attn_q.weight")).isEqualTo(-1);
        assertThat(GgufFile.layerOf("blk.x.attn_q.weight")).isEqualTo(-1);
        assertThat(GgufFile.layerOf("blk.99999999999.attn_q.weight")).isEqualTo(-1);
    }

    private static org.assertj.core.groups.Tuple tuple(Object... values) {
        return org.assertj.core.groups.Tuple.tuple(values);
    }
}
