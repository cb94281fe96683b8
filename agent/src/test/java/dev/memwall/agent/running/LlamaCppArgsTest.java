package dev.memwall.agent.running;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** llama.cpp's memory options read from command lines as its programs take them. */
class LlamaCppArgsTest {

    @Test
    void shortLongAndEqualsForms() {
        assertThat(LlamaCppArgs.parse(List.of("llama-server", "-m", "/m/q.gguf", "-c", "8192", "-ngl", "99", "-np",
                "4", "-fa", "on", "-ctk", "q8_0", "-ctv", "q8_0", "-ub", "256", "-fit", "off")))
                .isEqualTo(new LlamaCppArgs(8192L, 99, 4, true, "q8_0", "q8_0", 256, "/m/q.gguf", false));
        assertThat(LlamaCppArgs.parse(List.of("llama-server", "--model=/m/q.gguf", "--ctx-size=4096",
                "--n-gpu-layers", "all", "--parallel=2", "--flash-attn=off", "--cache-type-k=f16")))
                .isEqualTo(new LlamaCppArgs(4096L, Integer.MAX_VALUE, 2, false, "f16", null, null, "/m/q.gguf", null));
    }

    @Test
    void theOlderFlashAttentionFlagTakesNoValue() {
        LlamaCppArgs a = LlamaCppArgs.parse(List.of("llama-server", "-fa", "-c", "2048"));
        assertThat(a.flashAttention()).isTrue();
        assertThat(a.contextTokens()).isEqualTo(2048L);
    }

    @Test
    void whatIsNotGivenOrNotANumberIsUnknown() {
        assertThat(LlamaCppArgs.parse(List.of("node", "server.mjs"))).isEqualTo(LlamaCppArgs.NONE);
        assertThat(LlamaCppArgs.parse(null)).isEqualTo(LlamaCppArgs.NONE);
        assertThat(LlamaCppArgs.parse(List.of("llama-server", "-c", "lots", "-np", "0")).contextTokens()).isNull();
        assertThat(LlamaCppArgs.parse(List.of("llama-server", "-c", "\u0664\u0660\u0669\u0666")).contextTokens())
                .isNull();
        assertThat(LlamaCppArgs.parse(List.of("llama-server", "-c")).contextTokens()).isNull();
    }
}
