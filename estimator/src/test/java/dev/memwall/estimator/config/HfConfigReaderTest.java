package dev.memwall.estimator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.model.AttentionKind;
import dev.memwall.estimator.model.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** config.json files as the families publish them (fields copied from public configs, see each comment). */
class HfConfigReaderTest {

    @TempDir
    Path dir;

    private ModelSpec read(String json) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        return HfConfigReader.read(f, "test-model");
    }

    @Test
    void llama31_8b() throws Exception {
        // meta-llama/Llama-3.1-8B config.json, on Hugging Face.
        ModelSpec s = read("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
                 "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32,
                 "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
                 "tie_word_embeddings": false, "torch_dtype": "bfloat16",
                 "rope_scaling": {"factor": 8.0, "rope_type": "llama3"}, "rope_theta": 500000.0}
                """);
        assertThat(s.layers()).isEqualTo(32);
        assertThat(s.kvHeads()).isEqualTo(8);
        assertThat(s.headDim()).isEqualTo(128);
        assertThat(s.attention()).isEqualTo(AttentionKind.GQA);
        assertThat(s.weightDtype()).isEqualTo("bfloat16");
        assertThat(s.parameters()).isEqualTo(8_030_261_248L);
        assertThat(s.slidingWindow()).isNull();
    }

    @Test
    void aQuantizedCheckpointIsPublishedInItsQuantizationNotItsTorchDtype() throws Exception {
        // openai/gpt-oss-20b config.json: torch_dtype names the unquantized parts; quantization_config says the
        // experts are MXFP4 and lists what is left out of it.
        ModelSpec gptOss = read("""
                {"model_type": "gpt_oss", "hidden_size": 2880, "intermediate_size": 2880, "num_attention_heads": 64,
                 "num_hidden_layers": 24, "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 201088,
                 "max_position_embeddings": 131072, "num_local_experts": 32, "num_experts_per_tok": 4,
                 "sliding_window": 128,
                 "tie_word_embeddings": false, "torch_dtype": "bfloat16",
                 "quantization_config": {"modules_to_not_convert": ["model.layers.*.self_attn",
                   "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"], "quant_method": "mxfp4"}}
                """);
        assertThat(gptOss.weightDtype()).isEqualTo("mxfp4_experts");
        // deepseek-ai/DeepSeek-V3: bf16 torch_dtype, block FP8 weights.
        assertThat(HfConfigReader.publishedFormat(java.util.Map.of("quantization_config", java.util.Map.of(
                "quant_method", "fp8", "fmt", "e4m3")), "bfloat16")).isEqualTo("fp8");
        assertThat(HfConfigReader.publishedFormat(java.util.Map.of("quantization_config", java.util.Map.of(
                "quant_method", "awq")), "float16")).isEqualTo("float16");
    }

    @Test
    void mixtralExpertsUseTheIntermediateSize() throws Exception {
        ModelSpec s = read("""
                {"model_type": "mixtral", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
                 "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 32000,
                 "max_position_embeddings": 32768, "num_local_experts": 8, "num_experts_per_tok": 2,
                 "sliding_window": null, "torch_dtype": "bfloat16"}
                """);
        assertThat(s.moe().experts()).isEqualTo(8);
        assertThat(s.parameters() / 1e9).isBetween(46.6, 46.8);
        assertThat(s.activeParameters() / 1e9).isBetween(12.8, 13.0);
        assertThat(s.slidingWindow()).isNull();
    }

    @Test
    void deepseekV3HasLatentAttentionAndDenseFirstLayers() throws Exception {
        // deepseek-ai/DeepSeek-V3 config.json fields, on Hugging Face.
        ModelSpec s = read("""
                {"model_type": "deepseek_v3", "hidden_size": 7168, "intermediate_size": 18432,
                 "moe_intermediate_size": 2048, "num_attention_heads": 128, "num_key_value_heads": 128,
                 "num_hidden_layers": 61, "vocab_size": 129280, "max_position_embeddings": 163840,
                 "n_routed_experts": 256, "n_shared_experts": 1, "num_experts_per_tok": 8,
                 "first_k_dense_replace": 3, "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128,
                 "qk_rope_head_dim": 64, "v_head_dim": 128, "tie_word_embeddings": false}
                """);
        assertThat(s.attention()).isEqualTo(AttentionKind.MLA);
        assertThat(s.mla().kvLoraRank()).isEqualTo(512);
        assertThat(s.mla().qkRopeHeadDim()).isEqualTo(64);
        assertThat(s.kvElementsPerTokenPerLayer()).isEqualTo(576);
        assertThat(s.parameters() / 1e9).isBetween(670.5, 671.5);
        assertThat(s.activeParameters() / 1e9).isBetween(36.5, 38.0);
    }

    @Test
    void gemma2AlternatesLocalAndGlobalLayersAndTiesEmbeddings() throws Exception {
        ModelSpec s = read("""
                {"model_type": "gemma2", "hidden_size": 3584, "intermediate_size": 14336, "num_attention_heads": 16,
                 "num_hidden_layers": 42, "num_key_value_heads": 8, "head_dim": 256, "vocab_size": 256000,
                 "max_position_embeddings": 8192, "sliding_window": 4096, "torch_dtype": "float32"}
                """);
        assertThat(s.tiedEmbeddings()).isTrue();
        assertThat(s.headDim()).isEqualTo(256);
        assertThat(s.slidingWindow().globalEvery()).isEqualTo(2);
        assertThat(s.slidingWindow().localLayers(42)).isEqualTo(21);
        // 21 global layers hold all 8192 tokens, 21 local layers at most 4096.
        assertThat(s.kvCacheElements(8192)).isEqualTo(2L * 8 * 256 * (21L * 8192 + 21L * 4096));
    }

    @Test
    void gemma3ReadsTheTextConfigOfAMultimodalConfig() throws Exception {
        ModelSpec s = read("""
                {"model_type": "gemma3", "text_config": {"hidden_size": 2560, "intermediate_size": 10240,
                 "num_attention_heads": 8, "num_hidden_layers": 34, "num_key_value_heads": 4, "head_dim": 256,
                 "vocab_size": 262208, "max_position_embeddings": 131072, "sliding_window": 1024,
                 "sliding_window_pattern": 6}, "vision_config": {"hidden_size": 1152}}
                """);
        assertThat(s.family()).isEqualTo("gemma3_text");
        assertThat(s.slidingWindow().globalEvery()).isEqualTo(6);
        assertThat(s.slidingWindow().localLayers(34)).isEqualTo(29);
        assertThat(s.tiedEmbeddings()).isTrue();
    }

    @Test
    void gptOssReadsItsLayerTypes() throws Exception {
        StringBuilder types = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            types.append(i > 0 ? "," : "").append(i % 2 == 0 ? "\"sliding_attention\"" : "\"full_attention\"");
        }
        ModelSpec s = read("""
                {"model_type": "gpt_oss", "hidden_size": 2880, "intermediate_size": 2880, "num_attention_heads": 64,
                 "num_hidden_layers": 24, "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 201088,
                 "max_position_embeddings": 131072, "num_local_experts": 32, "num_experts_per_tok": 4,
                 "sliding_window": 128, "layer_types": [%s], "tie_word_embeddings": false}
                """.formatted(types));
        assertThat(s.slidingWindow().windowTokens()).isEqualTo(128);
        assertThat(s.slidingWindow().globalEvery()).isEqualTo(2);
        assertThat(s.moe().expertsPerToken()).isEqualTo(4);
        assertThat(s.parameters() / 1e9).isBetween(20.5, 21.5);
    }

    @Test
    void qwenWithoutSlidingWindowAndDefaultKvHeads() throws Exception {
        ModelSpec s = read("""
                {"model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864, "num_attention_heads": 14,
                 "num_hidden_layers": 24, "vocab_size": 151936, "max_position_embeddings": 32768,
                 "sliding_window": 32768, "use_sliding_window": false, "tie_word_embeddings": true}
                """);
        assertThat(s.kvHeads()).isEqualTo(14);
        assertThat(s.attention()).isEqualTo(AttentionKind.MHA);
        assertThat(s.slidingWindow()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"model_type\": \"llama\"} | missing required key 'num_hidden_layers'",
        "{\"model_type\": \"llama\", \"num_hidden_layers\": 2, \"hidden_size\": 64, \"num_attention_heads\": 4, \"vocab_size\": 10, \"max_position_embeddings\": 8} | missing required key 'intermediate_size'",
        "{\"model_type\": \"llama\", \"num_hidden_layers\": \"two\"} | key 'num_hidden_layers' has the wrong type: expected a whole number, found a string (\"two\")",
        "{\"model_type\": \"bert\"} | missing required key 'num_hidden_layers'",
        "{\"num_hidden_layers\": 2} | missing required key 'model_type'",
        "{\"model_type\": \"llama\", \"num_hidden_layers\": 2, \"hidden_size\": 64, \"num_attention_heads\": 4, \"num_key_value_heads\": 3, \"intermediate_size\": 8, \"vocab_size\": 10, \"max_position_embeddings\": 8} | num_key_value_heads = 3 must divide num_attention_heads = 4",
        "{\"model_type\": \"falcon_mamba\", \"num_hidden_layers\": 2, \"hidden_size\": 64, \"num_attention_heads\": 4} | model_type 'falcon_mamba' is not one memwall reads (llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, gemma2, gemma3, phi3, deepseek_v3, gpt_oss)"})
    void badConfigsNameTheKeyAndTheFile(String json, String problem) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        assertThatThrownBy(() -> HfConfigReader.read(f, "x"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(f + ": " + problem);
    }

    private static final String LLAMA = "{\"model_type\": \"llama\", \"num_hidden_layers\": 2, \"hidden_size\": 4096, "
            + "\"num_attention_heads\": 32, \"num_key_value_heads\": 8, \"intermediate_size\": 14336, \"vocab_size\": "
            + "128256, \"max_position_embeddings\": 8192, \"num_local_experts\": 8, \"num_experts_per_tok\": 2}";

    /** Each architecture rule, refused with the key, its value and the rule (issue 14's reproductions). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "num_attention_heads | 0 | num_attention_heads = 0 must be >= 1",
        "num_hidden_layers | 0 | num_hidden_layers = 0 must be >= 1",
        "hidden_size | 0 | hidden_size = 0 must be >= 1",
        "num_key_value_heads | 0 | num_key_value_heads = 0 must be >= 1",
        "vocab_size | 0 | vocab_size = 0 must be >= 1",
        "head_dim | 0 | head_dim = 0 must be >= 1",
        "num_hidden_layers | -1 | num_hidden_layers = -1 must be >= 0",
        "num_key_value_heads | 3 | num_key_value_heads = 3 must divide num_attention_heads = 32",
        "num_key_value_heads | 64 | num_key_value_heads = 64 must divide num_attention_heads = 32",
        "hidden_size | 4001 | hidden_size = 4001 is not divisible by num_attention_heads = 32: the head dimension "
                + "would be 125.03125; a model with such heads gives head_dim",
        "hidden_size | 4100 | hidden_size = 4100 is not divisible by num_attention_heads = 32: the head dimension "
                + "would be 128.125; a model with such heads gives head_dim",
        "hidden_size | 2147483648 | hidden_size = 2147483648 is too large (at most 2147483647)",
        "num_attention_heads | 1e2 | key 'num_attention_heads' has the wrong type: expected a whole number, found a "
                + "number with a fraction or an exponent (100.0)",
        "num_attention_heads | true | key 'num_attention_heads' has the wrong type: expected a whole number, found a "
                + "boolean (true)"})
    void architectureValuesAreCheckedWithTheKeyTheValueAndTheRule(String key, String value, String problem)
            throws Exception {
        Path f = dir.resolve("config.json");
        String json = LLAMA.replaceFirst("(\"" + key + "\": )[^,}]+", "$1" + value);
        if (!json.contains("\"" + key + "\"")) {
            json = json.replace("}", ", \"" + key + "\": " + value + "}");
        }
        Files.writeString(f, json);
        String file = f.toString();
        assertThatThrownBy(() -> HfConfigReader.read(f, "x")).isInstanceOf(ModelFormatException.class)
                .hasMessage(file + ": " + problem);
    }

    @Test
    void moreExpertsPerTokenThanExpertsIsRefused() throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, LLAMA.replace("\"llama\"", "\"mixtral\"").replace("\"num_experts_per_tok\": 2",
                "\"num_experts_per_tok\": 9"));
        assertThatThrownBy(() -> HfConfigReader.read(f, "x")).isInstanceOf(ModelFormatException.class)
                .hasMessage(f + ": num_experts_per_tok = 9 must be at most num_local_experts = 8");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[1, 2] | byte 0: is not a JSON object",
        "{\"a\": 1, \"a\": 2} | byte 9: key 'a' appears twice",
        "{\"a\": 1} {} | byte 9: has data after the JSON object",
        "{\"a\": 99999999999999999999999} | byte 6: number 99999999999999999999999 is too large"})
    void badJsonSaysWhere(String json, String problem) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        assertThatThrownBy(() -> HfConfigReader.read(f, "x"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(f + ": " + problem);
    }

    @Test
    void deepNestingIsRefused() throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}");
        assertThatThrownBy(() -> HfConfigReader.read(f, "x"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("is not valid JSON: ")
                .hasMessageContaining("nesting depth");
    }
}
