package dev.memwall.estimator.source;

import static dev.memwall.estimator.gguf.GgufValueType.ARRAY;
import static dev.memwall.estimator.gguf.GgufValueType.STRING;
import static dev.memwall.estimator.gguf.GgufValueType.UINT32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.gguf.GgufWriter;
import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.safetensors.SafetensorsDtype;
import dev.memwall.estimator.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each MODEL form, written here as real (tiny) files, read back with exact bytes. */
class ModelSourcesTest {

    static final String CONFIG = """
            {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
             "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 32, "max_position_embeddings": 2048,
             "tie_word_embeddings": false, "torch_dtype": "bfloat16"}
            """;

    @TempDir
    Path dir;

    private static LoadedModel load(String model) throws Exception {
        return ModelSources.load(model, ModelCatalog::builtIn);
    }

    /** A two-layer llama GGUF with the tensors its architecture implies, in three tensor types. */
    static GgufWriter tinyLlamaGguf() {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            tokens.add("t" + i);
        }
        GgufWriter w = new GgufWriter().version(3)
                .kv("general.architecture", STRING, "llama")
                .kv("general.name", STRING, "tiny")
                .kv("llama.block_count", UINT32, 2L)
                .kv("llama.context_length", UINT32, 2048L)
                .kv("llama.embedding_length", UINT32, 64L)
                .kv("llama.feed_forward_length", UINT32, 128L)
                .kv("llama.attention.head_count", UINT32, 4L)
                .kv("llama.attention.head_count_kv", UINT32, 2L)
                .kv("tokenizer.ggml.tokens", ARRAY, new GgufWriter.Arr(STRING, tokens))
                .tensor("token_embd.weight", GgmlType.Q8_0, 64, 32)
                .tensor("output.weight", GgmlType.Q6_K, 256, 8)
                .tensor("output_norm.weight", GgmlType.F32, 64);
        for (int l = 0; l < 2; l++) {
            String b = "blk." + l + ".";
            w.tensor(b + "attn_norm.weight", GgmlType.F32, 64).tensor(b + "ffn_norm.weight", GgmlType.F32, 64)
                    .tensor(b + "attn_q.weight", GgmlType.Q4_0, 64, 64).tensor(b + "attn_k.weight", GgmlType.Q4_0, 64, 32)
                    .tensor(b + "attn_v.weight", GgmlType.Q4_0, 64, 32).tensor(b + "attn_output.weight", GgmlType.Q4_0, 64, 64)
                    .tensor(b + "ffn_gate.weight", GgmlType.Q4_0, 64, 128).tensor(b + "ffn_up.weight", GgmlType.Q4_0, 64, 128)
                    .tensor(b + "ffn_down.weight", GgmlType.Q4_0, 128, 64);
        }
        return w;
    }

    @Test
    void ggufGivesTheArchitectureAndExactBytesPerType() throws Exception {
        Path file = dir.resolve("tiny-q4_0.gguf");
        Files.write(file, tinyLlamaGguf().write().bytes());
        LoadedModel m = load(file.toString());
        assertThat(m.kind()).isEqualTo("gguf");
        ModelSpec s = m.spec();
        assertThat(s.id()).isEqualTo("tiny-q4_0");
        assertThat(s.layers()).isEqualTo(2);
        assertThat(s.hiddenSize()).isEqualTo(64);
        assertThat(s.kvHeads()).isEqualTo(2);
        assertThat(s.headDim()).isEqualTo(16);
        assertThat(s.vocabSize()).isEqualTo(32);
        assertThat(s.tiedEmbeddings()).isFalse();
        // Per layer, Q4_0 (18 bytes per 32): q 4096 + k 2048 + v 2048 + o 4096 + gate/up/down 3 x 8192 = 36864
        // elements = 20736 bytes; norms 2 x 64 F32 = 512 bytes. Embedding 2048 Q8_0 = 2176 bytes, output 2048 Q6_K
        // = 1680 bytes, output norm 256 bytes.
        WeightInventory w = m.weights();
        assertThat(w.bytesByType()).containsEntry("Q4_0", 2 * 20736L).containsEntry("F32", 5 * 256L)
                .containsEntry("Q8_0", 2176L).containsEntry("Q6_K", 1680L);
        assertThat(w.totalBytes()).isEqualTo(2 * 20736L + 5 * 256L + 2176 + 1680);
        assertThat(w.parameters()).isEqualTo(2 * 36864L + 5 * 64 + 2048 + 2048);
        // The file holds exactly the parameters the architecture implies.
        assertThat(w.parameters()).isEqualTo(s.parameters());
        assertThat(w.tensors()).isEqualTo(21);
    }

    @Test
    void aGgufNamedByItsDigestIsReadByItsMagicAndOtherFilesAreNot() throws Exception {
        // Ollama keeps its models as blobs named by their digest, without an extension.
        Path blob = dir.resolve("sha256-" + "9a".repeat(32));
        Files.write(blob, tinyLlamaGguf().write().bytes());
        LoadedModel m = load(blob.toString());
        assertThat(m.kind()).isEqualTo("gguf");
        assertThat(m.spec().layers()).isEqualTo(2);
        Path other = Files.writeString(dir.resolve("notes"), "GGU");
        assertThatThrownBy(() -> load(other.toString())).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("is not a model file memwall reads");
        // A FIFO without an extension is refused, not opened to look for the magic (that would wait for a writer).
        Path fifo = dir.resolve("pipe");
        dev.memwall.estimator.io.InputFilesTest.mkfifo(fifo);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> assertThatThrownBy(() -> load(fifo.toString())).isInstanceOf(ModelFormatException.class)
                        .hasMessageContaining("is not a model file memwall reads"));
    }

    @Test
    void aShardedSafetensorsFolderCombinesConfigAndExactBytes() throws Exception {
        Path model = Files.createDirectories(dir.resolve("tiny-llama"));
        Files.writeString(model.resolve("config.json"), CONFIG);
        Map<String, String> weightMap = new LinkedHashMap<>();
        SafetensorsWriter first = new SafetensorsWriter()
                .tensor("model.embed_tokens.weight", SafetensorsDtype.BF16, 32, 64)
                .tensor("lm_head.weight", SafetensorsDtype.BF16, 32, 64)
                .tensor("model.norm.weight", SafetensorsDtype.BF16, 64);
        first.write(model.resolve("model-00001-of-00003.safetensors"));
        first.expected().forEach(t -> weightMap.put(t.name(), "model-00001-of-00003.safetensors"));
        long layerBytes = 0;
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            SafetensorsWriter w = new SafetensorsWriter()
                    .tensor(p + "input_layernorm.weight", SafetensorsDtype.BF16, 64)
                    .tensor(p + "post_attention_layernorm.weight", SafetensorsDtype.BF16, 64)
                    .tensor(p + "self_attn.q_proj.weight", SafetensorsDtype.BF16, 64, 64)
                    .tensor(p + "self_attn.k_proj.weight", SafetensorsDtype.BF16, 32, 64)
                    .tensor(p + "self_attn.v_proj.weight", SafetensorsDtype.BF16, 32, 64)
                    .tensor(p + "self_attn.o_proj.weight", SafetensorsDtype.BF16, 64, 64)
                    .tensor(p + "mlp.gate_proj.weight", SafetensorsDtype.BF16, 128, 64)
                    .tensor(p + "mlp.up_proj.weight", SafetensorsDtype.BF16, 128, 64)
                    .tensor(p + "mlp.down_proj.weight", SafetensorsDtype.BF16, 64, 128);
            String shard = "model-0000" + (l + 2) + "-of-00003.safetensors";
            w.write(model.resolve(shard));
            w.expected().forEach(t -> weightMap.put(t.name(), shard));
            layerBytes += w.dataSectionBytes();
        }
        long totalBytes = first.dataSectionBytes() + layerBytes;
        Files.writeString(model.resolve("model.safetensors.index.json"), SafetensorsWriter.indexJson(weightMap,
                totalBytes));
        LoadedModel m = load(model.toString());
        assertThat(m.kind()).isEqualTo("directory");
        assertThat(m.spec().id()).isEqualTo("tiny-llama");
        assertThat(m.weights().files()).hasSize(3);
        assertThat(m.weights().totalBytes()).isEqualTo(totalBytes);
        assertThat(m.weights().bytesByType()).containsOnlyKeys("BF16");
        // The weights hold exactly the parameters the config implies: 2 bytes each.
        assertThat(m.weights().parameters()).isEqualTo(m.spec().parameters()).isEqualTo(totalBytes / 2);
        // The index alone reads the same.
        LoadedModel index = load(model.resolve("model.safetensors.index.json").toString());
        assertThat(index.kind()).isEqualTo("safetensors-index");
        assertThat(index.weights().totalBytes()).isEqualTo(totalBytes);
    }

    @Test
    void aConfigAloneHasNoBytesAndSaysSo() throws Exception {
        Path model = Files.createDirectories(dir.resolve("cfg-only"));
        Files.writeString(model.resolve("config.json"), CONFIG);
        LoadedModel m = load(model.resolve("config.json").toString());
        assertThat(m.kind()).isEqualTo("config");
        assertThat(m.weights()).isNull();
        assertThat(load(model.toString()).notes()).containsExactly(
                "no weight files beside config.json: bytes are not known exactly");
    }

    @Test
    void weightsWithoutAConfigHaveBytesButNoArchitecture() throws Exception {
        Path file = dir.resolve("w.safetensors");
        new SafetensorsWriter().tensor("x.weight", SafetensorsDtype.F16, 8, 8).write(file);
        LoadedModel m = load(file.toString());
        assertThat(m.spec()).isNull();
        assertThat(m.weights().totalBytes()).isEqualTo(128);
        assertThat(m.notes()).contains("no config.json beside the weights: the architecture is unknown, only the bytes are");
    }

    @Test
    void aCatalogId() throws Exception {
        LoadedModel m = load("llama-3.1-8b");
        assertThat(m.kind()).isEqualTo("catalog");
        assertThat(m.spec().parameters()).isEqualTo(8_030_261_248L);
    }

    @Test
    void unknownNamesAndMissingFilesAreSaidPlainly() {
        assertThatThrownBy(() -> load("llama-9"))
                .isInstanceOf(UnknownModelException.class)
                .hasMessageStartingWith("unknown model 'llama-9': not a file and not a catalog id; did you mean llama-")
                .hasMessageEndingWith("('memwall models' lists the catalog)");
        assertThatThrownBy(() -> load(dir.resolve("missing.gguf").toString()))
                .isInstanceOf(UnknownModelException.class)
                .hasMessage("no such file: " + dir.resolve("missing.gguf"));
    }

    @Test
    void severalShardsWithoutAnIndexAreRefused() throws Exception {
        Path model = Files.createDirectories(dir.resolve("two"));
        new SafetensorsWriter().tensor("a", SafetensorsDtype.F16, 2).write(model.resolve("a.safetensors"));
        new SafetensorsWriter().tensor("b", SafetensorsDtype.F16, 2).write(model.resolve("b.safetensors"));
        assertThatThrownBy(() -> load(model.toString()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(model + ": holds 2 .safetensors files but no model.safetensors.index.json saying how they "
                        + "fit together");
    }

    @Test
    void aMalformedGgufNamesTheFileAndTheByte() throws Exception {
        Path file = dir.resolve("bad.gguf");
        Files.write(file, new byte[] {'G', 'G', 'U', 'F', 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        assertThatThrownBy(() -> load(file.toString()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(file + ": byte 4: GGUF version 9 is not supported (only versions 2 and 3)");
    }
}
