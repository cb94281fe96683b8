package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.io.Csv;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * memwall's whole prediction of vLLM's KV cache ("GPU KV cache size: N tokens") against the logs of real vLLM
 * starts (vllm/startup_logs.csv beside this class, each row with its source). memwall plans each row as a user would
 * ask for it: the model's architecture, the weight format, {@code --dtype}, the KV cache dtype, the utilization, the
 * context and the tensor-parallel size; the weights are memwall's own arithmetic, never the logged ones, and vLLM's
 * scheduler settings are the ones memwall picks for an H100 (checked against the log). The table of every row is
 * written to {@code target/truth/vllm-kv-tokens.tsv} for docs/ACCURACY.md.
 */
class VllmStartupLogsTest {

    static final double GIB = 1L << 30;
    /** The CUDA context an H100 holds before vLLM measures free memory (0.51 GiB in these logs' init snapshots). */
    static final long H100_CONTEXT = (long) (0.51 * GIB);

    static List<Map<String, String>> rows;
    static ModelCatalog fixtureModels;
    static final List<Row> RESULTS = new ArrayList<>();

    record Row(Map<String, String> log, long predicted, long logged, double errorPercent, long predictedWithLoggedWeights,
            double errorWithLoggedWeightsPercent, MemoryEstimate estimate, KvPool pool, RuntimeProfile.Vllm vllm) {
    }

    @BeforeAll
    static void read() throws IOException {
        rows = csv(text("vllm/startup_logs.csv"), "vllm/startup_logs.csv");
        fixtureModels = ModelCatalog.parse(text("vllm/models.csv"), "vllm/models.csv");
        for (Map<String, String> log : rows) {
            RESULTS.add(predict(log));
        }
        writeTable();
    }

    @Test
    void memwallPredictsVllmsKvTokensWithinThreePercentMedianAndTenPercentWorst() {
        assertThat(RESULTS).hasSizeGreaterThanOrEqualTo(20);
        List<Double> errors = RESULTS.stream().map(r -> Math.abs(r.errorPercent())).sorted().toList();
        double median = median(errors);
        assertThat(median).as("median |error| %% over %d logs", errors.size()).isLessThanOrEqualTo(3.0);
        for (Row r : RESULTS) {
            assertThat(Math.abs(r.errorPercent())).as("%s: memwall %,d tokens, vLLM %,d", r.log().get("id"),
                    r.predicted(), r.logged()).isLessThanOrEqualTo(10.0);
        }
    }

    @Test
    void memwallPicksTheSchedulerSettingsVllmLogged() {
        // "Defaulting max_num_batched_tokens to 8192 ... max_num_seqs to 1024" on an H100: memwall's per-device defaults.
        for (Row r : RESULTS) {
            assertThat(r.vllm().maxNumBatchedTokens()).as(r.log().get("id"))
                    .isEqualTo(Integer.parseInt(r.log().get("max_num_batched_tokens")));
            assertThat(r.vllm().maxNumSeqs()).as(r.log().get("id"))
                    .isEqualTo(Integer.parseInt(r.log().get("max_num_seqs")));
        }
    }

    @Test
    void dtypeAutoResolvesToTheDtypeVllmLogged() {
        // "--dtype auto" keeps float16 checkpoints (phi-2) and runs the others, float32 ones included (gemma-2-2b-it),
        // in bfloat16: the engine's config line prints the resolved dtype.
        for (Row r : RESULTS) {
            Precision resolved = r.vllm().dtype().resolve(spec(r.log()));
            String logged = r.log().get("dtype");
            assertThat(resolved.name()).as(r.log().get("id")).isEqualTo(switch (logged) {
                case "bfloat16" -> "bf16";
                case "float16" -> "fp16";
                case "float32" -> "fp32";
                default -> throw new IllegalStateException(logged);
            });
        }
    }

    @Test
    void theProfilingRunsPeakFollowsTheLogs() {
        // The activation peak is vLLM's own measurement; memwall derives it from the run's shapes. Within 0.1 GiB or
        // 5% on every row (the logged figure is rounded to 0.01 GiB).
        for (Row r : RESULTS) {
            double logged = Double.parseDouble(r.log().get("logged_torch_peak_gib"));
            double memwall = r.estimate().bytes("activation_peak") / GIB;
            assertThat(memwall).as(r.log().get("id")).isCloseTo(logged,
                    org.assertj.core.api.Assertions.within(Math.max(0.1, logged * 0.05)));
        }
    }

    static Row predict(Map<String, String> log) {
        ModelSpec spec = spec(log);
        int tp = Integer.parseInt(log.get("tp"));
        long total = Math.round(Double.parseDouble(log.get("gpu_total_gib")) * GIB);
        Capacity h100 = new Capacity("cuda:0", log.get("gpu"), total, null, 0L, null, null, null, H100_CONTEXT);
        VllmVersion version = VllmVersion.parse(log.get("vllm_version"), "vllm_version");
        VllmDtype dtype = VllmDtype.parse(log.get("dtype_arg"), "dtype_arg");
        RuntimeProfile.Vllm serve = RuntimeProfile.Vllm.serve(Double.parseDouble(log.get("gpu_memory_utilization")),
                version, dtype);
        Precision kv = log.get("kv_cache_dtype").equals("auto") ? serve.autoKv(spec)
                : Precisions.kvCache(log.get("kv_cache_dtype")).orElseThrow();
        Workload w = new Workload(precision(spec, log.get("memwall_precision")), kv,
                Long.parseLong(log.get("max_model_len")), 1, Mode.INFERENCE).withRuntime(serve);
        Verdict v = new FitPlanner(spec, null).evaluate(w, h100, tp);
        RuntimeProfile.Vllm used = (RuntimeProfile.Vllm) v.workload().runtime();
        long logged = Long.parseLong(log.get("logged_kv_tokens"));
        long predicted = v.kvPool().tokens();

        // The same pool with the logged weights in place of memwall's: the rest of the model judged on its own.
        long loggedWeights = Math.round(Double.parseDouble(log.get("logged_weights_gib")) * GIB);
        long pool = v.kvPool().bytes() + v.estimate().bytes("weights") - loggedWeights;
        VllmKvLayout layout = VllmKvLayout.of(spec, kv, tp, version.v1Engine());
        long withLogged = KvPool.of(pool, layout, w.contextTokens(), used.maxNumBatchedTokens()).tokens();
        return new Row(log, predicted, logged, percent(predicted, logged), withLogged, percent(withLogged, logged),
                v.estimate(), v.kvPool(), used);
    }

    static ModelSpec spec(Map<String, String> log) {
        String id = log.get("memwall_model");
        return ModelCatalog.builtIn().find(id).or(() -> fixtureModels.find(id))
                .orElseThrow(() -> new IllegalStateException("no model " + id)).spec();
    }

    /** The format as memwall names it; a checkpoint published with only its experts quantized keeps that form. */
    static Precision precision(ModelSpec spec, String name) {
        Precision published = PrecisionPolicy.published(spec);
        if (published != null && published.name().equals(name)) {
            return published;
        }
        return Precisions.weight(name).orElseThrow();
    }

    static double percent(long predicted, long logged) {
        return (predicted - logged) * 100.0 / logged;
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static void writeTable() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("id\tmodel\tmemwall_model\ttp\tdtype\tkv\tweights\tgmu\tmax_model_len\tmemwall_tokens\tvllm_tokens"
                + "\terror_percent\tmemwall_tokens_logged_weights\terror_logged_weights_percent\tmemwall_weights_gib"
                + "\tvllm_weights_gib\tmemwall_peak_gib\tvllm_peak_gib\tmemwall_non_torch_gib\tvllm_non_torch_gib"
                + "\tmemwall_concurrency\tvllm_concurrency\tsource_url");
        for (Row r : RESULTS) {
            Map<String, String> l = r.log();
            lines.add(String.join("\t", l.get("id"), l.get("model"), l.get("memwall_model"), l.get("tp"),
                    l.get("dtype"), l.get("kv_cache_dtype"), l.get("memwall_precision"),
                    l.get("gpu_memory_utilization"), l.get("max_model_len"), String.valueOf(r.predicted()),
                    String.valueOf(r.logged()), f("%+.2f", r.errorPercent()), String.valueOf(r.predictedWithLoggedWeights()),
                    f("%+.2f", r.errorWithLoggedWeightsPercent()), f("%.2f", r.estimate().bytes("weights") / GIB),
                    l.get("logged_weights_gib"), f("%.2f", r.estimate().bytes("activation_peak") / GIB),
                    l.get("logged_torch_peak_gib"), f("%.2f", r.estimate().bytes("non_torch") / GIB),
                    l.get("logged_non_torch_gib"), f("%.2f", r.pool().maxConcurrency()),
                    l.get("logged_max_concurrency"), l.get("source_url")));
        }
        List<Double> errors = RESULTS.stream().map(r -> Math.abs(r.errorPercent())).sorted().toList();
        List<Double> logged = RESULTS.stream().map(r -> Math.abs(r.errorWithLoggedWeightsPercent())).sorted().toList();
        lines.add(f("# %d logs; memwall's prediction: median |error| %.2f%%, worst %.2f%%; with the logged weights: "
                + "median %.2f%%, worst %.2f%%", RESULTS.size(), median(errors), errors.get(errors.size() - 1),
                median(logged), logged.get(logged.size() - 1)));
        Path out = Files.createDirectories(Path.of("target", "truth")).resolve("vllm-kv-tokens.tsv");
        Files.write(out, lines, StandardCharsets.UTF_8);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    static String text(String resource) throws IOException {
        try (InputStream in = VllmStartupLogsTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<Map<String, String>> csv(String text, String name) {
        List<Map<String, String>> out = new ArrayList<>();
        List<String> header = null;
        int lineNo = 0;
        for (String line : text.split("\r?\n")) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> fields = Csv.parseLine(line, name + " line " + lineNo);
            if (header == null) {
                header = fields;
                continue;
            }
            assertThat(fields).as(name + " line " + lineNo).hasSameSizeAs(header);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), fields.get(i));
            }
            out.add(row);
        }
        return out;
    }
}
