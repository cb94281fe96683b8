package dev.memwall.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.agent.daemon.QueryFuzzing;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Numbers at the edges of the option space, on the command line and over HTTP: one line of bad input, no crash. */
class HostileNumbersTest {

    /** Without flash attention each layer keeps 5 x a x s^2 x b bytes of scores: 3.3e19 bytes here, past a long. */
    @ParameterizedTest
    @ValueSource(strings = {"training", "lora", "qlora"})
    void aTrainingEstimatePastALongIsOneLineAndExitTwo(String mode) {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--context", "10000000", "--batch", "64", "--mode", mode,
                "--no-flash-attn", "--simulate", "h100-sxm");
        assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.err()).isEqualTo("memwall: fit llama-3.1-8b: the estimate is too large to represent (context "
                + "10000000, batch 64, mode " + mode + ", runtime generic)\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"training", "lora", "qlora"})
    void aTrainingEstimatePastALongIsA400OverHttp(String mode) {
        assertThat(QueryFuzzing.error("model=llama-3.1-70b&context=10000000&batch=100000&mode=" + mode))
                .isEqualTo("400 fit llama-3.1-70b: the estimate is too large to represent (context 10000000, batch "
                        + "100000, mode " + mode + ", runtime generic)");
    }

    /** Integer.valueOf reads "\u0661\u0660\u0660" (Arabic-Indic digits) as 100; memwall reads only ASCII digits. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--context=\u0661\u0660\u0660 | memwall: Invalid value for option '--context': '\u0661\u0660\u0660' is not a "
                + "whole number in ASCII digits (see 'memwall fit --help')",
        "--batch=\uff18 | memwall: Invalid value for option '--batch': '\uff18' is not a whole number in ASCII digits "
                + "(see 'memwall fit --help')",
        "--lora-rank=+16 | memwall: Invalid value for option '--lora-rank': '+16' is not a whole number in ASCII "
                + "digits (see 'memwall fit --help')",
        "--batch=2147483648 | memwall: Invalid value for option '--batch': '2147483648' is too large for an int (at "
                + "most 2147483647) (see 'memwall fit --help')",
        "--context=9223372036854775808 | memwall: Invalid value for option '--context': '9223372036854775808' is too "
                + "large for a long (at most 9223372036854775807) (see 'memwall fit --help')",
        "--simulate=h100-sxm:count=\u0662 | memwall: bad SPEC 'h100-sxm:count=\u0662': count=\u0662 is not a whole "
                + "number (ASCII digits)"})
    void onlyAsciiDigitsAreNumbersOnTheCommandLine(String option, String message) {
        CliTest.Result r = CliTest.run("fit", "llama-3.1-8b", "--simulate=rtx-4090", option);
        assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.err()).isEqualTo(message + System.lineSeparator());
    }

    @Test
    void onlyAsciiDigitsAreNumbersInAQuery() {
        assertThat(QueryFuzzing.error("model=llama-3.1-8b&context=%D9%A1%D9%A0%D9%A0")).isEqualTo("400 parameter "
                + "'context' must be a whole number in ASCII digits, was '\u0661\u0660\u0660'");
        assertThat(QueryFuzzing.error("model=llama-3.1-8b&batch=99999999999999999999")).isEqualTo("400 parameter "
                + "'batch' = 99999999999999999999 is too large; a long holds at most 9223372036854775807");
    }

    @Test
    void onlyAsciiDigitsAreNumbersInTheAgentsSettings(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("agent.conf");
        Files.writeString(config, "listen = 127.0.0.1:\\u0669\\u0664\\u0666\\u0664\n");
        CliTest.Result r = CliTest.run("agent", "--simulate", "h100-sxm", "--config", config.toString());
        assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.err()).isEqualTo("memwall: --listen: port '\u0669\u0664\u0666\u0664' is not a number"
                + System.lineSeparator());
    }

    /** It ended in "unexpected error: java.lang.ArithmeticException: / by zero", exit 1. */
    @Test
    void aGgufWithZeroHeadsIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("zero-heads.gguf");
        Files.write(file, TinyLlamaGguf.withHeads(0).write().bytes());
        CliTest.Result r = CliTest.run("fit", file.toString(), "--simulate", "h100-sxm");
        assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.err()).isEqualTo("memwall: " + file + ": llama.attention.head_count = 0 must be >= 1"
                + System.lineSeparator());
    }

    @Test
    void aConfigWithAFractionalHeadDimensionIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"model_type\": \"llama\", \"hidden_size\": 4100, \"intermediate_size\": 14336, "
                + "\"num_attention_heads\": 32, \"num_hidden_layers\": 32, \"num_key_value_heads\": 8, \"vocab_size\": "
                + "128256, \"max_position_embeddings\": 131072}");
        CliTest.Result r = CliTest.run("fit", file.toString(), "--simulate", "h100-sxm");
        assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.err()).isEqualTo("memwall: " + file + ": hidden_size = 4100 is not divisible by "
                + "num_attention_heads = 32: the head dimension would be 128.125; a model with such heads gives "
                + "head_dim" + System.lineSeparator());
    }
}
