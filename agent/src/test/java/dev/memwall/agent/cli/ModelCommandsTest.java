package dev.memwall.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.gguf.GgufValueType;
import dev.memwall.estimator.gguf.GgufWriter;
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
                .containsPattern("deepseek-v3 +deepseek-v3 +671B +37.6B +61 .* mla");
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
        GgufWriter w = new GgufWriter().version(3)
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("llama.block_count", GgufValueType.UINT32, 1L)
                .kv("llama.context_length", GgufValueType.UINT32, 512L)
                .kv("llama.embedding_length", GgufValueType.UINT32, 64L)
                .kv("llama.feed_forward_length", GgufValueType.UINT32, 128L)
                .kv("llama.attention.head_count", GgufValueType.UINT32, 4L)
                .kv("llama.vocab_size", GgufValueType.UINT32, 32L)
                .tensor("token_embd.weight", GgmlType.Q8_0, 64, 32)
                .tensor("blk.0.attn_q.weight", GgmlType.Q4_K, 256, 16);
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
