package dev.memwall.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.gguf.GgufWriter;
import dev.memwall.estimator.safetensors.SafetensorsDtype;
import dev.memwall.estimator.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code memwall models} and {@code memwall inspect}, in-process. */
class ModelCommandsTest {

    @TempDir
    Path dir;

    @Test
    void modelsListsTheCatalog() throws Exception {
        CliTest.Result t = CliTest.run("models");
        assertThat(t.code()).isZero();
        assertThat(t.out()).containsPattern("llama-3.1-8b +llama +8.03B +- +32 +131072 +gqa 32/8")
                .containsPattern("mixtral-8x7b +mixtral +46.7B +12.9B")
                .containsPattern("deepseek-v3 +deepseek-v3 +671B +37.6B +61 .* mla 128");
        JsonNode doc = new ObjectMapper().readTree(CliTest.run("models", "--json").out());
        assertThat(doc.get("schema").asText()).isEqualTo("memwall.models.v1");
        assertThat(doc.get("models").size()).isGreaterThanOrEqualTo(40);
        assertThat(doc.get("models").get(0).get("source").asText()).isNotBlank();
    }

    @Test
    void inspectACatalogIdAsJson() throws Exception {
        CliTest.Result r = CliTest.run("inspect", "llama-3.1-8b", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode m = new ObjectMapper().readTree(r.out()).get("model");
        assertThat(m.get("parameters").asLong()).isEqualTo(8_030_261_248L);
        assertThat(m.get("layers").asInt()).isEqualTo(32);
        assertThat(m.get("kv_heads").asInt()).isEqualTo(8);
        assertThat(m.get("head_dim").asInt()).isEqualTo(128);
        assertThat(m.get("attention").asText()).isEqualTo("gqa");
    }

    @Test
    void inspectShowsMoeAndLatentAttention() {
        CliTest.Result mixtral = CliTest.run("inspect", "mixtral-8x7b");
        assertThat(mixtral.out()).contains("Parameters: 46.7B (computed from the architecture), 12.9B active per token");
        CliTest.Result deepseek = CliTest.run("inspect", "deepseek-v3");
        assertThat(deepseek.out()).contains("Parameters: 671B")
                .contains("Latent attention: kv_lora_rank 512, rope head dim 64")
                .contains("Experts: 256 routed, 8 per token, 1 shared, width 2048, first 3 layers dense");
    }

    @Test
    void inspectAGgufFilePrintsExactBytes() throws Exception {
        Path file = dir.resolve("one.gguf");
        GgufWriter w = TinyLlamaGguf.withHeads(4).tensor("blk.0.attn_q.weight", GgmlType.Q4_K, 256, 16);
        Files.write(file, w.write().bytes());
        CliTest.Result r = CliTest.run("inspect", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        // Q8_0: 2048 elements = 64 blocks x 34 bytes = 2176; Q4_K: 4096 = 16 blocks x 144 bytes = 2304.
        assertThat(r.out()).contains("Weights (exact, from 1 file): 0.00 GiB (4,480 bytes) in 2 tensors")
                .containsPattern("Q4_K +2,304 +0.00 GiB +4,096")
                .containsPattern("Q8_0 +2,176 +0.00 GiB +2,048")
                .contains("tied embeddings");
    }

    @Test
    void inspectAShardedSafetensorsFolderWithItsConfig() throws Exception {
        Path model = Files.createDirectories(dir.resolve("tiny"));
        Files.writeString(model.resolve("config.json"), """
                {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
                 "num_key_value_heads": 2, "num_hidden_layers": 1, "vocab_size": 32, "max_position_embeddings": 512,
                 "tie_word_embeddings": true}
                """);
        java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
        SafetensorsWriter a = new SafetensorsWriter().tensor("model.embed_tokens.weight", SafetensorsDtype.BF16, 32, 64)
                .tensor("model.norm.weight", SafetensorsDtype.BF16, 64)
                .tensor("model.layers.0.input_layernorm.weight", SafetensorsDtype.BF16, 64)
                .tensor("model.layers.0.post_attention_layernorm.weight", SafetensorsDtype.BF16, 64);
        SafetensorsWriter b = new SafetensorsWriter()
                .tensor("model.layers.0.self_attn.q_proj.weight", SafetensorsDtype.BF16, 64, 64)
                .tensor("model.layers.0.self_attn.k_proj.weight", SafetensorsDtype.BF16, 32, 64)
                .tensor("model.layers.0.self_attn.v_proj.weight", SafetensorsDtype.BF16, 32, 64)
                .tensor("model.layers.0.self_attn.o_proj.weight", SafetensorsDtype.BF16, 64, 64)
                .tensor("model.layers.0.mlp.gate_proj.weight", SafetensorsDtype.F32, 128, 64)
                .tensor("model.layers.0.mlp.up_proj.weight", SafetensorsDtype.F32, 128, 64)
                .tensor("model.layers.0.mlp.down_proj.weight", SafetensorsDtype.F32, 64, 128);
        a.write(model.resolve("model-00001-of-00002.safetensors"));
        b.write(model.resolve("model-00002-of-00002.safetensors"));
        a.expected().forEach(t -> map.put(t.name(), "model-00001-of-00002.safetensors"));
        b.expected().forEach(t -> map.put(t.name(), "model-00002-of-00002.safetensors"));
        Files.writeString(model.resolve("model.safetensors.index.json"),
                SafetensorsWriter.indexJson(map, a.dataSectionBytes() + b.dataSectionBytes()));
        CliTest.Result r = CliTest.run("inspect", model.toString());
        assertThat(r.code()).as(r.err()).isZero();
        // BF16: 2048 + 3 x 64 + 2 x 4096 + 2 x 2048 = 14528 elements, 29056 bytes; F32: 3 x 8192 = 24576, 98304 bytes.
        assertThat(r.out()).contains("Architecture: llama, 1 layers, hidden 64, gqa 4/2, head dim 16")
                .contains("Weights (exact, from 2 files): 0.00 GiB (127,360 bytes) in 11 tensors, 39,104 parameters")
                .containsPattern("F32 +98,304 +0.00 GiB +24,576")
                .containsPattern("BF16 +29,056 +0.00 GiB +14,528");
        JsonNode doc = new ObjectMapper().readTree(CliTest.run("inspect", model.toString(), "--json").out());
        assertThat(doc.get("weights").get("parameters").asLong()).isEqualTo(doc.get("model").get("parameters").asLong())
                .isEqualTo(39_104L);
    }

    @Test
    void badModelsAreOneLineAndExitTwo() throws Exception {
        CliTest.Result unknown = CliTest.run("inspect", "gpt-9");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.out()).isEmpty();
        assertThat(unknown.err()).startsWith("memwall: unknown model 'gpt-9': not a file and not a catalog id")
                .hasLineCount(1);
        Path missing = dir.resolve("missing.gguf");
        assertThat(CliTest.run("inspect", missing.toString()).err()).isEqualTo("memwall: no such file: " + missing
                + System.lineSeparator());
        Path truncated = dir.resolve("truncated.gguf");
        Files.write(truncated, new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0});
        CliTest.Result bad = CliTest.run("inspect", truncated.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo("memwall: " + truncated
                + ": byte 0: file is 8 bytes, shorter than the 24-byte GGUF header" + System.lineSeparator());
    }
}
