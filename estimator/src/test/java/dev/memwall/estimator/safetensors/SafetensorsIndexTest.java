package dev.memwall.estimator.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.estimator.io.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsIndexTest {
    private static final String[] SHARDS = {
        "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"};

    @TempDir
    Path dir;

    private final Map<String, String> weightMap = new LinkedHashMap<>();
    private final Map<String, SafetensorsTensor> expected = new LinkedHashMap<>();
    private long tensorBytes;

    /** A tiny 3-layer Llama: hidden 16, intermediate 32, vocabulary 64, split over three shards. */
    @BeforeEach
    void writeShards() throws Exception {
        SafetensorsWriter[] w = {new SafetensorsWriter().metadata("format", "pt"), new SafetensorsWriter(),
            new SafetensorsWriter()};
        w[0].tensor("model.embed_tokens.weight", SafetensorsDtype.BF16, 64, 16);
        for (int layer = 0; layer < 3; layer++) {
            String p = "model.layers." + layer + ".";
            w[layer].tensor(p + "self_attn.q_proj.weight", SafetensorsDtype.BF16, 16, 16)
                    .tensor(p + "mlp.up_proj.weight", SafetensorsDtype.BF16, 32, 16);
            w[Math.min(layer + 1, 2)].tensor(p + "input_layernorm.weight", SafetensorsDtype.F32, 16);
        }
        w[2].tensor("model.norm.weight", SafetensorsDtype.F32, 16).tensor("lm_head.weight", SafetensorsDtype.BF16, 64, 16);
        for (int i = 0; i < 3; i++) {
            w[i].write(dir.resolve(SHARDS[i]));
            for (SafetensorsTensor t : w[i].expected()) {
                weightMap.put(t.name(), SHARDS[i]);
                expected.put(t.name(), t);
                tensorBytes += t.byteSize();
            }
        }
    }

    private Path index(String json) throws Exception {
        return Files.writeString(dir.resolve("model.safetensors.index.json"), json);
    }

    @Test
    void readsEveryShardAndEveryTensor() throws Exception {
        SafetensorsModel m = SafetensorsIndex.read(index(SafetensorsWriter.indexJson(weightMap, tensorBytes)));

        assertThat(m.shards()).extracting(SafetensorsFile::fileName).containsExactly(SHARDS);
        assertThat(m.shards().get(0).metadata()).containsEntry("format", "pt");
        assertThat(m.tensors()).hasSize(expected.size()).hasSize(3 * 3 + 3);
        for (ModelTensor t : m.tensors()) {
            assertThat(t.tensor()).isEqualTo(expected.get(t.name()));
            assertThat(t.shard()).isEqualTo(weightMap.get(t.name()));
        }
        // BF16: embed 1024 + lm_head 1024 + 3 x (256 + 512); F32: 3 norms x 16 + final norm 16
        assertThat(m.elementsByDtype()).containsExactly(Map.entry(SafetensorsDtype.BF16, 4352L),
                Map.entry(SafetensorsDtype.F32, 64L));
        assertThat(m.bytesByDtype()).containsExactly(Map.entry(SafetensorsDtype.BF16, 8704L),
                Map.entry(SafetensorsDtype.F32, 256L));
        assertThat(m.totalBytes()).isEqualTo(8960).isEqualTo(tensorBytes);
        assertThat(m.parameterCount()).isEqualTo(4416);
        assertThat(m.declaredTotalSize()).hasValue(8960);
        assertThat(m.notes()).isEmpty();
        assertThat(m.tensorsByLayer().keySet()).containsExactly(-1, 0, 1, 2);
        assertThat(m.tensorsByLayer().get(2)).extracting(ModelTensor::shard).containsOnly(SHARDS[2]);
    }

    @Test
    void aTotalSizeThatDisagreesIsANoteWithBothNumbers() throws Exception {
        SafetensorsModel m = SafetensorsIndex.read(index(SafetensorsWriter.indexJson(weightMap, 9000)));

        assertThat(m.declaredTotalSize()).hasValue(9000);
        assertThat(m.totalBytes()).isEqualTo(8960);
        assertThat(m.notes()).containsExactly("metadata.total_size is 9000 bytes but the shards' tensors hold 8960 bytes");
    }

    @Test
    void aTotalSizeThatIsNotANumberIsANote() throws Exception {
        String json = SafetensorsWriter.indexJson(weightMap, 0).replace("\"total_size\": 0", "\"total_size\": \"9 GB\"");
        SafetensorsModel m = SafetensorsIndex.read(index(json));

        assertThat(m.declaredTotalSize()).isEmpty();
        assertThat(m.notes()).containsExactly("metadata.total_size \"9 GB\" is not a byte count; ignored");
    }

    @Test
    void noMetadataAtAll() throws Exception {
        String json = SafetensorsWriter.indexJson(weightMap, 0).replace("\"metadata\": {\"total_size\": 0},", "");
        SafetensorsModel m = SafetensorsIndex.read(index(json));
        assertThat(m.declaredTotalSize()).isEmpty();
        assertThat(m.notes()).isEmpty();
        assertThat(m.parameterCount()).isEqualTo(4416);
    }

    @Test
    void bitsReachPackedShards() throws Exception {
        new SafetensorsWriter().gptqLinear("model.layers.0.mlp.down_proj", 4096, 4096, 128, 8)
                .write(dir.resolve("q.safetensors"));
        Map<String, String> map = new LinkedHashMap<>();
        for (String suffix : new String[] {"qweight", "qzeros", "scales", "g_idx", "bias"}) {
            map.put("model.layers.0.mlp.down_proj." + suffix, "q.safetensors");
        }
        SafetensorsModel m = SafetensorsIndex.read(index(SafetensorsWriter.indexJson(map, 0)), 8);
        assertThat(m.parameterCount()).isEqualTo(4096L * 4096 + 4096);
        assertThat(m.quantization()).isEqualTo(QuantizationScheme.GPTQ);
    }

    /** Cases as (label, edit of the good weight map or whole text, expected problem after the index's name). */
    static Stream<Arguments> badIndexes() {
        String t = "model.layers.1.mlp.up_proj.weight";
        List<Arguments> cases = new ArrayList<>();
        for (String shard : new String[] {"../model-00002-of-00003.safetensors", "sub/x.safetensors",
            "a\\b.safetensors", "..", "", "/etc/passwd"}) {
            cases.add(Arguments.of("shard " + shard, (Edit) (map, json) -> json(map, Map.of(t, shard)),
                    "byte %d: weight_map entry \"" + t + "\": shard " + Json.quote(shard)
                            + " must be a file name without a path or \"..\"", "\"" + t + "\""));
        }
        cases.add(Arguments.of("missing shard", (Edit) (map, json) -> json(map, Map.of(t, "model-00004-of-00003.safetensors")),
                "byte %d: weight_map entry \"" + t + "\": shard \"model-00004-of-00003.safetensors\" does not exist next to"
                        + " the index", "\"" + t + "\""));
        cases.add(Arguments.of("tensor in the wrong shard",
                (Edit) (map, json) -> json(map, Map.of(t, SHARDS[0])),
                "byte %d: weight_map maps tensor \"" + t + "\" to \"" + SHARDS[0] + "\", which does not hold it",
                "\"" + t + "\""));
        cases.add(Arguments.of("tensor not in the map", (Edit) (map, json) -> {
            Map<String, String> m = new LinkedHashMap<>(map);
            m.remove(t);
            return SafetensorsWriter.indexJson(m, 0);
        }, "shard \"" + SHARDS[1] + "\" holds tensor \"" + t + "\", which the weight_map does not list", null));
        cases.add(Arguments.of("not JSON", (Edit) (map, json) -> "{\"weight_map\": {\"a\": }}",
                "byte 21: index is not valid JSON: Unexpected character ('}' (code 125)): expected a value", null));
        cases.add(Arguments.of("not an object", (Edit) (map, json) -> "[]", "byte 0: index is not a JSON object", null));
        cases.add(Arguments.of("no weight_map", (Edit) (map, json) -> "{\"metadata\": {}}", "index has no weight_map", null));
        cases.add(Arguments.of("empty weight_map", (Edit) (map, json) -> "{\"weight_map\": {}}", "weight_map is empty", null));
        cases.add(Arguments.of("weight_map not object", (Edit) (map, json) -> "{\"weight_map\": []}",
                "byte 1: weight_map must be an object of tensor name to shard file name", null));
        cases.add(Arguments.of("value not string", (Edit) (map, json) -> "{\"weight_map\": {\"a\": 1}}",
                "byte 16: weight_map entry \"a\" must be a shard file name", null));
        cases.add(Arguments.of("duplicate tensor", (Edit) (map, json) -> "{\"weight_map\": {\"a\": \"x\", \"a\": \"y\"}}",
                "byte 26: duplicate tensor \"a\" in weight_map", null));
        cases.add(Arguments.of("two weight_maps", (Edit) (map, json) -> "{\"weight_map\": {}, \"weight_map\": {}}",
                "byte 19: duplicate key \"weight_map\"", null));
        cases.add(Arguments.of("metadata not object", (Edit) (map, json) -> "{\"metadata\": 5, \"weight_map\": {}}",
                "byte 1: metadata must be an object", null));
        return cases.stream();
    }

    @FunctionalInterface
    interface Edit {
        String apply(Map<String, String> weightMap, String goodJson);
    }

    private static String json(Map<String, String> map, Map<String, String> changes) {
        Map<String, String> m = new LinkedHashMap<>(map);
        m.putAll(changes);
        return SafetensorsWriter.indexJson(m, 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badIndexes")
    void rejectsBadIndexes(String label, Edit edit, String problem, String offsetOf) throws Exception {
        String json = edit.apply(weightMap, SafetensorsWriter.indexJson(weightMap, tensorBytes));
        Path index = index(json);
        String expectedProblem = offsetOf == null ? problem
                : String.format(problem, json.getBytes(StandardCharsets.UTF_8).length
                        - json.substring(json.indexOf(offsetOf)).getBytes(StandardCharsets.UTF_8).length);
        assertThatThrownBy(() -> SafetensorsIndex.read(index))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(index + ": " + expectedProblem);
    }

    @Test
    void rejectsAnIndexThatIsNotUtf8() throws Exception {
        byte[] json = "{\"weight_map\": {\"a?\": \"x\"}}".getBytes(StandardCharsets.US_ASCII);
        json[17] = (byte) 0x80; // a continuation byte with no lead byte
        Path index = Files.write(dir.resolve("model.safetensors.index.json"), json);
        assertThatThrownBy(() -> SafetensorsIndex.read(index))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(index + ": byte 17: index is not valid UTF-8");
    }

    @Test
    void aTensorInTwoShardsIsNamed() throws Exception {
        new SafetensorsWriter().tensor("model.norm.weight", SafetensorsDtype.F32, 16).tensor("extra", SafetensorsDtype.F32, 1)
                .write(dir.resolve("model-00004-of-00004.safetensors"));
        weightMap.put("extra", "model-00004-of-00004.safetensors");
        Path index = index(SafetensorsWriter.indexJson(weightMap, 0));
        assertThatThrownBy(() -> SafetensorsIndex.read(index))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(index + ": shard \"model-00004-of-00004.safetensors\" holds tensor \"model.norm.weight\","
                        + " which the weight_map maps to \"" + SHARDS[2] + "\"");
    }

    @Test
    void aBrokenShardIsReportedAgainstTheShard() throws Exception {
        Path shard = dir.resolve(SHARDS[1]);
        Files.write(shard, new byte[3]);
        Path index = index(SafetensorsWriter.indexJson(weightMap, 0));
        assertThatThrownBy(() -> SafetensorsIndex.read(index))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(shard + ": byte 0: file is 3 bytes, shorter than the 8-byte header length");
    }
}
