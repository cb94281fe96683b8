package dev.memwall.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.agent.daemon.QueryFuzzing;
import dev.memwall.estimator.catalog.CatalogEntry;
import dev.memwall.estimator.catalog.ModelCatalog;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * The whole option space of {@code fit}, in-process: any combination of model, sizes, mode, runtime and the
 * runtimes' knobs, extreme values included (0, the int and long limits, a 10M-token training run, digits that are
 * not ASCII, a 5,000-character number), is answered or refused as bad input. The command line never exits 1 (a
 * crash) and a refusal is one line; the fit endpoint never answers 500.
 */
class FitOptionSpacePropertiesTest {

    private static final List<String> MODELS = ModelCatalog.builtIn().all().stream().map(e -> e.spec().id()).toList();
    /** In range for some option: most tries reach the estimator. */
    private static final List<String> NUMBERS = List.of("1", "2", "7", "64", "512", "4096", "8192", "131072",
            "10000000", "65536", "100000", "3");
    /** Out of every option's range or not a number at all. */
    private static final List<String> BAD_NUMBERS = List.of("0", "10000001", "100001", "2147483647", "2147483648",
            "9223372036854775807", "9223372036854775808", "-1", "-2147483648", "\u0661\u0660\u0660",
            "\uff11\uff12", "1e3", " 8", "", "1".repeat(5000), "0x10", "+4");
    private static final List<String> MODES = List.of("inference", "training", "lora", "qlora", "pretraining");
    private static final List<String> RUNTIMES = List.of("generic", "llama.cpp", "vllm", "sglang");
    private static final List<String> PRECISIONS = List.of("auto", "bf16", "fp16", "fp8", "int8", "int4", "nf4",
            "mxfp4", "q4_k_m", "q8_0", "q2_k", "fp64");
    private static final List<String> KV = List.of("auto", "fp16", "bf16", "fp8", "q8_0", "q4_0", "int3");
    private static final List<String> DTYPES = List.of("auto", "half", "float16", "bfloat16", "float", "float32", "x");
    private static final List<String> VLLM_VERSIONS = List.of("0.21", "0.10.0", "0.8.5", "0.19.0", "9.9", "1.0",
            "\u0660.21", "");
    private static final List<String> UTILIZATION = List.of("0", "0.01", "0.5", "0.92", "1", "1.5", "NaN",
            "Infinity", "1e-300", "-0.5");
    private static final List<String> MIN_PRECISION = List.of("16bit", "8bit", "4bit", "2bit", "q4_k_m", "1bit",
            "\u0664bit");
    private static final List<String> DEVICES = List.of("h100-sxm", "rtx-4090", "rtx-4090:free=1GiB",
            "a100-80gb:count=2", "h100-sxm:count=8", "custom:total=1000000TB,bandwidth=1TB/s,flops=1TFLOPS",
            "custom:total=1MiB,bandwidth=1GB/s,flops=1TFLOPS", "mi300x", "h100-sxm:free=\u0661GiB",
            "custom:total=9223372036854775807B,bandwidth=1GB/s,flops=1TFLOPS");

    /** One combination: the CLI's options, and the query the same choices make. */
    record Case(List<String> args, String query) {
        @Override
        public String toString() {
            return String.join(" ", args.stream().map(a -> a.length() > 40 ? a.substring(0, 40) + "..." : a)
                    .toList()) + "  |  ?" + (query.length() > 200 ? query.substring(0, 200) + "..." : query);
        }
    }

    @Property(tries = 250)
    void theCommandLineAnswersOrRefusesInOneLine(@ForAll("cases") Case c) {
        CliTest.Result r = CliTest.run(c.args().toArray(String[]::new));
        Statistics.label("exit code").collect(r.code());
        assertThat(r.code()).as("exit code of %s; stderr %s", c, r.err()).isIn(Main.OK, Main.BAD_INPUT,
                Main.DOES_NOT_FIT);
        if (r.code() == Main.BAD_INPUT) {
            assertThat(r.err().strip()).as("stderr of %s", c).doesNotContain("\n").startsWith("memwall: ");
        }
    }

    @Property(tries = 250)
    void theFitEndpointAnswersOrRefusesWithA4xx(@ForAll("cases") Case c) {
        int status = QueryFuzzing.status(c.query());
        Statistics.label("status").collect(status);
        assertThat(status).as("status of ?%s", c.query()).isIn(200, 400, 404);
    }

    @Provide
    Arbitrary<Case> cases() {
        return Arbitraries.frequencyOf(Tuple.of(4, anyOptions()), Tuple.of(1, largeWorkloads()));
    }

    /**
     * The corner where sums pass a long: long contexts, large batches, training and adapters, the largest models
     * (a 10M-token, batch-64 training fit without flash attention once ended in a long overflow).
     */
    private Arbitrary<Case> largeWorkloads() {
        return Combinators.combine(Arbitraries.of(MODELS), Arbitraries.of("training", "lora", "qlora", "inference"),
                Arbitraries.of("1000000", "10000000"), Arbitraries.of("64", "4096", "65536", "100000"),
                Arbitraries.of(true, false)).as((id, mode, context, batch, noFlash) -> {
                    List<String> args = new ArrayList<>(List.of("fit", id, "--simulate", "h100-sxm", "--json",
                            "--mode=" + mode, "--context=" + context, "--batch=" + batch));
                    if (noFlash && !mode.equals("inference")) {
                        args.add("--no-flash-attn");
                    }
                    return new Case(List.copyOf(args), "model=" + id + "&mode=" + mode + "&context=" + context
                            + "&batch=" + batch);
                });
    }

    /** Option name -> value for each (name, Optional value) pair whose value is present, in order. */
    private static Map<String, String> present(Object... namesAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            String name = (String) namesAndValues[i];
            ((java.util.Optional<?>) namesAndValues[i + 1]).ifPresent(v -> m.put(name, (String) v));
        }
        return m;
    }

    private Arbitrary<Case> anyOptions() {
        Arbitrary<String> model = Arbitraries.of(MODELS);
        Arbitrary<String> number = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.of(NUMBERS)),
                Tuple.of(1, Arbitraries.of(BAD_NUMBERS)));
        Arbitrary<Map<String, String>> sizes = Combinators.combine(number.optional(0.5), number.optional(0.5),
                number.optional(0.2), number.optional(0.2), number.optional(0.2), number.optional(0.2))
                .as((context, batch, ubatch, threads, rank, zero) -> present("context", context, "batch", batch,
                        "ubatch", ubatch, "threads", threads, "lora-rank", rank, "zero", zero));
        Arbitrary<Map<String, String>> choices = Combinators.combine(Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(MODES)),
                Tuple.of(1, Arbitraries.just("training"))).optional(0.6), Arbitraries.of(RUNTIMES).optional(0.6), Arbitraries.of(PRECISIONS).optional(0.4),
                Arbitraries.of(KV).optional(0.3), Arbitraries.of(MIN_PRECISION).optional(0.2),
                Arbitraries.of(DTYPES).optional(0.15), Arbitraries.of(VLLM_VERSIONS).optional(0.15),
                Arbitraries.of(UTILIZATION).optional(0.15))
                .as((mode, runtime, precision, kv, min, dtype, version, util) -> present("mode", mode, "runtime",
                        runtime, "precision", precision, "kv-precision", kv, "min-precision", min, "dtype", dtype,
                        "vllm-version", version, "gpu-memory-utilization", util));
        Arbitrary<Boolean> coherent = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(true)),
                Tuple.of(1, Arbitraries.just(false)));
        return Combinators.combine(model, sizes, choices, Arbitraries.of(DEVICES), Arbitraries.of(true, false),
                coherent).as((id, s, o, device, flashOff, keepCoherent) -> {
                    List<String> args = new ArrayList<>(List.of("fit", id, "--simulate", device, "--json"));
                    StringBuilder q = new StringBuilder("model=").append(id);
                    Map<String, String> all = new LinkedHashMap<>(s);
                    all.putAll(o);
                    boolean noFlash = flashOff;
                    if (keepCoherent) {
                        // Most tries keep to options that apply together, so they reach the estimator.
                        String mode = all.getOrDefault("mode", "inference");
                        boolean trains = !mode.equals("inference");
                        if (trains) {
                            all.remove("runtime");
                        }
                        String runtime = all.getOrDefault("runtime", "generic");
                        if (!runtime.equals("llama.cpp")) {
                            all.remove("ubatch");
                            all.remove("threads");
                        }
                        if (!runtime.equals("vllm")) {
                            all.remove("dtype");
                            all.remove("vllm-version");
                            all.remove("gpu-memory-utilization");
                        }
                        if (!mode.equals("training")) {
                            all.remove("zero");
                        }
                        noFlash &= trains || runtime.equals("llama.cpp");
                    }
                    all.forEach((k, v) -> {
                        args.add("--" + k + "=" + v);
                        String param = k.replace('-', '_');
                        if (QUERY_PARAMETERS.contains(param)) {
                            q.append('&').append(param).append('=').append(URLEncoder.encode(v,
                                    StandardCharsets.UTF_8));
                        }
                    });
                    if (noFlash) {
                        args.add("--no-flash-attn");
                    }
                    return new Case(List.copyOf(args), q.toString());
                });
    }

    private static final List<String> QUERY_PARAMETERS = List.of("context", "batch", "mode", "runtime", "precision",
            "kv_precision", "min_precision");
}
