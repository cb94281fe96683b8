package dev.memwall.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.agent.cli.BadInputException;
import dev.memwall.agent.daemon.QueryFuzzing;
import dev.memwall.agent.spec.SpecParser;
import dev.memwall.device.simulated.HardwareCatalog;
import dev.memwall.estimator.testing.Fuzz;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The agent's text inputs under random and mutated text: the --simulate SPEC parser and the HTTP query string with
 * the fit parameters. Each input is accepted or refused as bad input (one line), within the fuzzers' limits.
 */
class InputFuzzTest {

    private static final int CASES = Fuzz.cases(5000);
    private static final String[] SPEC_PARTS = {"h100-sxm", "rtx-4090", "custom", ":", ",", "=", "free=", "total=",
        "count=", "bandwidth=", "flops=", "10GiB", "-1GiB", "1e400GB", "0", "99999999999999999999", "GB/s", "TB/s",
        "TFLOPS", "all", "name=x", " ", "", "free=90GiB", "count=100000", "a100-80gb", "\u00e9", "\u0000"};
    private static final String[] QUERY_PARTS = {"model=", "llama-3.1-8b", "nope", "&", "=", "context=", "batch=",
        "precision=", "kv_precision=", "mode=", "runtime=", "0", "-1", "8192", "99999999999999999999", "1e9", "bf16",
        "q4_0", "fp8", "vllm", "llama.cpp", "training", "qlora", "%", "%2F", "%zz", "%00", "%E2%82%AC", "+", "x",
        "/etc/passwd", "..", "auto", "&&", "=="};

    static String random(String[] parts, Random r) {
        StringBuilder b = new StringBuilder();
        for (int n = r.nextInt(8); n >= 0; n--) {
            b.append(parts[r.nextInt(parts.length)]);
        }
        if (r.nextInt(5) == 0 && b.length() > 0) {
            b.setCharAt(r.nextInt(b.length()), (char) r.nextInt(0x250));
        }
        return b.toString();
    }

    /** model=... followed by parameters with values good and bad. */
    static String structured(Random r) {
        String[] keys = {"context", "batch", "precision", "kv_precision", "mode", "runtime"};
        String[] values = {"8192", "1", "4", "0", "-3", "bf16", "int4", "q4_0", "fp8", "auto", "inference", "lora",
            "vllm", "llama.cpp", "generic", "%zz", "99999999999", "1e3", ""};
        StringBuilder b = new StringBuilder("model=").append(r.nextInt(4) == 0 ? "qwen2.5-7b" : r.nextInt(8) == 0
                ? random(QUERY_PARTS, r) : "llama-3.1-8b");
        for (int n = r.nextInt(4); n > 0; n--) {
            b.append('&').append(keys[r.nextInt(keys.length)]).append('=').append(values[r.nextInt(values.length)]);
        }
        return b.toString();
    }

    @Test
    void inputsTheFuzzersFoundStayFixed() {
        SpecParser parser = new SpecParser(HardwareCatalog.builtIn());
        for (String spec : List.of("-", "- ", "..", "h100\nsxm", "\u0000")) {
            try {
                parser.parse(spec);
            } catch (BadInputException e) {
                assertThat(e.getMessage()).doesNotContain("\n").startsWith("bad SPEC '");
            }
        }
        assertThat(QueryFuzzing.status("model=..&batch=bf16")).isEqualTo(404);
        assertThat(QueryFuzzing.status("model=-")).isEqualTo(404);
        assertThat(QueryFuzzing.status("model=llama%0Ax")).isEqualTo(404);
    }

    @Test
    void simulateSpecsParseOrAreOneLineOfBadInput() {
        SpecParser parser = new SpecParser(HardwareCatalog.builtIn());
        Random r = new Random(0x5bec);
        int parsed = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < CASES && failures.size() < 5; i++) {
            String spec = random(SPEC_PARTS, r);
            try {
                boolean ok = Fuzz.bounded("spec " + i, () -> {
                    try {
                        parser.parse(spec);
                        return true;
                    } catch (BadInputException e) {
                        assertThat(e.getMessage()).doesNotContain("\n");
                        return false;
                    }
                });
                parsed += ok ? 1 : 0;
            } catch (Throwable t) {
                failures.add("'" + spec + "': " + t);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(parsed).isGreaterThan(CASES / 100);
    }

    @Test
    void fitQueriesAnswerOrAreRefusedWithAStatus() {
        Random r = new Random(0x9e7);
        int answered = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < CASES && failures.size() < 5; i++) {
            String query = r.nextBoolean() ? random(QUERY_PARTS, r) : structured(r);
            try {
                Integer status = Fuzz.bounded("query " + i, () -> QueryFuzzing.status(query));
                assertThat(status).isIn(200, 400, 404);
                answered += status == 200 ? 1 : 0;
            } catch (Throwable t) {
                failures.add("'" + query + "': " + t);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(answered).isGreaterThan(CASES / 200);
    }
}
