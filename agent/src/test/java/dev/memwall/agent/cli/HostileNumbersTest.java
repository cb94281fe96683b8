package dev.memwall.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.agent.daemon.QueryFuzzing;
import org.junit.jupiter.params.ParameterizedTest;
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
}
