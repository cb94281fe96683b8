package dev.memwall.agent.truth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.agent.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * memwall's expected decode rate beside real llama.cpp decoding on this machine's CPU. For a Q8_0 and a Q4_0 model
 * of about 0.6 GB each (TinyLlama's shape: 2048 wide, 32 heads over 4 KV heads), {@code memwall fit --runtime
 * llama.cpp --threads N --backend opencl} measures this CPU's read bandwidth and predicts the rate; llama.cpp then
 * decodes one sequence with N threads (one per core, its own default), three runs of 64 tokens. The expected rate
 * must be within 25 % of the median run in one of up to four such pairs taken 20 s apart (this virtual machine's
 * bandwidth and its cores' speed move for minutes at a time, each on its own), and the bound at or above every run.
 * Each attempt is written to {@code target/truth/llama-cpp-decode.tsv} for docs/ACCURACY.md.
 *
 * <p>The expected rate's efficiency is fitted on published measurements of other CPUs
 * (docs/decode-efficiency.md), none of this one: this is an out-of-sample check.
 */
class LlamaCppDecodeTruthTest {

    static final double GOAL = 0.25;
    static final int TOKENS = 64;
    static final int RUNS = 3;
    static final int ATTEMPTS = 4;
    /** Between attempts: the slow spells seen here last tens of seconds to minutes. */
    static final long PAUSE_MILLIS = 20_000;
    static final int CONTEXT = 512;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ROWS = new ArrayList<>();

    @TempDir
    static Path dir;
    static LlamaCppRuntime llama;

    @BeforeAll
    static void runtime() throws IOException {
        llama = LlamaCppRuntime.requireWithOpenCl(dir);
    }

    @AfterAll
    static void report() throws IOException {
        LlamaCppRuntime.writeTable("llama-cpp-decode.tsv", "model\tweights\tbytes\tthreads\tattempt\tread_bytes_per_second\tcompute_flops_per_second"
                + "\tmemwall_bound\tmemwall_expected\tllama_cpp_runs\tllama_cpp_median\terror_percent", ROWS);
    }

    static List<TruthModel> models() {
        return List.of(
                new TruthModel("llama-1b-q8_0", "llama", 12, 2048, 5632, 32, 4, 64, 32000, false, 0, "Q8_0"),
                new TruthModel("llama-1b-q4_0", "llama", 20, 2048, 5632, 32, 4, 64, 32000, false, 0, "Q4_0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void expectedRateIsWithinAQuarterOfLlamaCpp(TruthModel model) throws Exception {
        Path gguf = model.write(dir.resolve(model.name() + ".gguf"));
        int threads = Runtime.getRuntime().availableProcessors();
        // memwall measures the bandwidth, then llama.cpp decodes; on a shared virtual machine either can move for
        // a while on its own (the read benchmark and llama.cpp's compute-heavy kernels feel other tenants
        // differently: here the Q8_0 model decoded at 23 to 37 tok/s within the hour while the Q4_0 one held at
        // 36 to 44), so the pair is taken up to ATTEMPTS times, PAUSE_MILLIS apart, and each is recorded. A model
        // that is off fails every attempt.
        List<String> failures = new ArrayList<>();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (attempt > 1) {
                Thread.sleep(PAUSE_MILLIS);
            }
            String failure = attempt(model, gguf, threads, attempt);
            if (failure == null) {
                return;
            }
            failures.add(failure);
        }
        throw new AssertionError(String.join("\n", failures));
    }

    /** One measurement of memwall's expectation beside llama.cpp's median; why it misses, or null. */
    private static String attempt(TruthModel model, Path gguf, int threads, int attempt) throws Exception {
        JsonNode doc = fit(List.of("fit", gguf.toString(), "--runtime", "llama.cpp", "--context",
                String.valueOf(CONTEXT), "--threads", String.valueOf(threads), "--backend", "opencl", "--json"));
        JsonNode device = doc.get("devices").get(0);
        assertThat(device.get("decode_tokens_per_second_expected").isNumber())
                .as("an expected rate: %s", device.get("decode_expected_how")).isTrue();
        double expected = device.get("decode_tokens_per_second_expected").asDouble();
        double bound = device.get("decode_tokens_per_second_bound").asDouble();

        List<Double> runs = llama.decode(gguf, threads, CONTEXT, TOKENS, RUNS);
        double median = runs.stream().sorted().toList().get(runs.size() / 2);
        double error = expected / median - 1;
        ROWS.add(String.join("\t", model.name(), model.weightType(), String.valueOf(Files.size(gguf)),
                String.valueOf(threads), String.valueOf(attempt), number(device.get("bandwidth_bytes_per_second")),
                device.get("ridge_flops_per_byte").isNull() ? "" : String.format(Locale.ROOT, "%.0f",
                        device.get("ridge_flops_per_byte").asDouble()
                                * device.get("bandwidth_bytes_per_second").asDouble()),
                String.format(Locale.ROOT, "%.2f", bound), String.format(Locale.ROOT, "%.2f", expected),
                runs.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).collect(Collectors.joining(" ")),
                String.format(Locale.ROOT, "%.2f", median), String.format(Locale.ROOT, "%.1f", error * 100)));
        // The bound is a bound in every attempt.
        assertThat(runs).as("the bound %.1f tok/s stays above every run", bound).allMatch(r -> r <= bound);
        return Math.abs(error) <= GOAL ? null : String.format(Locale.ROOT, "%s, attempt %d: memwall expects %.1f "
                + "tok/s (%s), llama.cpp decoded %s tok/s (median %.1f): %+.1f%%", model.name(), attempt, expected,
                device.get("decode_expected_how").asText(), runs, median, error * 100);
    }

    private static String number(JsonNode n) {
        return n == null || n.isNull() ? "" : String.format(Locale.ROOT, "%.0f", n.asDouble());
    }

    private static JsonNode fit(List<String> args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as("memwall %s: %s", String.join(" ", args), err).isIn(0, 3);
        return JSON.readTree(out.toString());
    }
}
