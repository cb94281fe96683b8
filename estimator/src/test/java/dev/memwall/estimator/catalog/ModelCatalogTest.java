package dev.memwall.estimator.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.estimator.model.AttentionKind;
import dev.memwall.estimator.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelCatalogTest {

    private final ModelCatalog catalog = ModelCatalog.builtIn();

    @Test
    void coversTheModelsUsersAskAbout() {
        assertThat(catalog.all()).hasSizeGreaterThanOrEqualTo(40);
        assertThat(catalog.all()).extracting(e -> e.spec().id()).contains("llama-2-7b", "llama-2-13b", "llama-2-70b",
                "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "llama-3.2-1b", "llama-3.2-3b", "mistral-7b-v0.1",
                "mixtral-8x7b", "mixtral-8x22b", "qwen2.5-0.5b", "qwen2.5-72b", "qwen3-8b", "qwen3-30b-a3b",
                "qwen3-235b-a22b", "gemma-2-9b", "gemma-3-1b", "phi-3-mini", "phi-4", "deepseek-v3", "deepseek-r1",
                "gpt-oss-20b", "gpt-oss-120b", "falcon-7b", "gpt-3-175b");
        catalog.all().forEach(e -> assertThat(e.source()).as(e.spec().id()).isNotBlank());
    }

    /** Every computed count agrees with what its publisher printed (total, and active for MoE). */
    @Test
    void computedParameterCountsAgreeWithPublishedOnes() {
        List<String> disagreements = new ArrayList<>();
        int checked = 0;
        for (CatalogEntry e : catalog.all()) {
            ModelSpec s = e.spec();
            if (e.publishedTotal() != null) {
                checked++;
                if (!e.publishedTotal().agrees(s.parameters())) {
                    disagreements.add(s.id() + " total " + s.parameters() + " vs " + e.publishedTotal().printed());
                }
            }
            if (e.publishedActive() != null) {
                checked++;
                if (!e.publishedActive().agrees(s.activeParameters())
                        && !e.publishedActive().agrees(s.activeParametersWithoutInputEmbedding())) {
                    disagreements.add(s.id() + " active " + s.activeParameters() + " (" + s
                            .activeParametersWithoutInputEmbedding() + " without the input embedding) vs "
                            + e.publishedActive().printed());
                }
            }
        }
        assertThat(disagreements).isEmpty();
        assertThat(checked).isGreaterThanOrEqualTo(40);
    }

    @Test
    void llama31_8b() {
        ModelSpec s = catalog.find("llama-3.1-8b").orElseThrow().spec();
        assertThat(s.parameters()).isEqualTo(8_030_261_248L);
        assertThat(ParametersText.billions(s.parameters())).isEqualTo("8.03");
        assertThat(s.layers()).isEqualTo(32);
        assertThat(s.kvHeads()).isEqualTo(8);
        assertThat(s.headDim()).isEqualTo(128);
    }

    @Test
    void mixtral8x7b() {
        ModelSpec s = catalog.find("mixtral-8x7b").orElseThrow().spec();
        assertThat(ParametersText.billions(s.parameters())).isEqualTo("46.70");
        assertThat(ParametersText.billions(s.activeParameters())).isEqualTo("12.88");
    }

    @Test
    void deepseekV3() {
        ModelSpec s = catalog.find("deepseek-v3").orElseThrow().spec();
        assertThat(ParametersText.billions(s.parameters())).isEqualTo("671.03");
        // DeepSeek's "37B activated" does not count the input embedding table.
        assertThat(s.activeParametersWithoutInputEmbedding() / 1e9).isBetween(36.5, 37.5);
        assertThat(s.attention()).isEqualTo(AttentionKind.MLA);
        assertThat(s.mla().kvLoraRank()).isEqualTo(512);
        assertThat(s.mla().qkRopeHeadDim()).isEqualTo(64);
    }

    @ParameterizedTest
    @CsvSource({"37B, 36500000000, 37500000000", "46.7B, 46233000000, 47167000000", "494M, 489060000, 498940000"})
    void publishedCountsCarryTheirPrecision(String printed, long low, long high) {
        PublishedCount c = PublishedCount.parse(printed);
        assertThat(c.agrees(low)).isTrue();
        assertThat(c.agrees(high)).isTrue();
        assertThat(c.agrees(low - 10_000_000)).isFalse();
        assertThat(c.agrees(high + 10_000_000)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "X,n,llama,llama,2,64,128,gated,4,2,,10,false,0,8,,,,,,,,,,,,,,,,,s, | t line 2: id must be lowercase with dashes, was 'X'",
        "a,n,llama,llama,,64,128,gated,4,2,,10,false,0,8,,,,,,,,,,,,,,,,,s, | t line 2: layers is required",
        "a,n,llama,llama,2,64,128,wide,4,2,,10,false,0,8,,,,,,,,,,,,,,,,,s, | t line 2: mlp must be gated or plain, was 'wide'",
        "a,n,llama,llama,2,64,128,gated,4,3,,10,false,0,8,,,,,,,,,,,,,,,,,s, | t line 2: kv_heads = 3 must divide attention_heads = 4",
        "a,n,llama,llama,2,64,128,gated,0,2,,10,false,0,8,,,,,,,,,,,,,,,,,s, | t line 2: attention_heads = 0 must be >= 1",
        "a,n,llama,llama,2,66,128,gated,4,2,,10,false,0,8,,,,,,,,,,,,,,,,,s, | t line 2: hidden_size = 66 is not divisible by attention_heads = 4: the head dimension would be 16.5; a model with such heads gives head_dim",
        "a,n,llama,llama,2,64,128,gated,4,2,,10,false,0,8,,,,,,,,,,,,,,,,,, | t line 2: no source for a",
        "a,n,llama,llama,2,64,128,gated,4,2,,10,false,0,8,,,,,,,,,,,,,,,lots,,s, | t line 2: a published count looks like 8.03B or 494M, was 'lots'"})
    void rejectsBadRows(String row, String message) {
        String text = String.join(",", ModelCatalog.HEADER) + "\n" + row + "\n";
        assertThatThrownBy(() -> ModelCatalog.parse(text, "t")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    /** Two-decimal billions, as the published figures are compared in the issue. */
    static final class ParametersText {
        static String billions(long n) {
            return String.format(java.util.Locale.ROOT, "%.2f", n / 1e9);
        }
    }
}
