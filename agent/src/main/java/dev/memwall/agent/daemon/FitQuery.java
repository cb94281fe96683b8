package dev.memwall.agent.daemon;

import dev.memwall.agent.fit.FitChoices;
import dev.memwall.estimator.catalog.CatalogEntry;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.EstimateTooLargeException;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.FitService;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.PrecisionPolicy;
import dev.memwall.estimator.fit.Recompute;
import dev.memwall.estimator.fit.RuntimeProfile;
import dev.memwall.estimator.fit.VllmDtype;
import dev.memwall.estimator.fit.Verdict;
import dev.memwall.estimator.fit.VllmVersion;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.source.LoadedModel;
import dev.memwall.estimator.units.AsciiNumbers;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code GET /api/v1/fit?model=&precision=&min_precision=&context=&batch=&mode=&kv_precision=&runtime=}: catalog ids
 * only.
 */
final class FitQuery {

    static final Set<String> PARAMETERS = Set.of("model", "precision", "min_precision", "context", "batch", "mode",
            "kv_precision", "runtime");

    final LoadedModel model;
    final Workload workload;
    final PrecisionPolicy policy;

    private FitQuery(LoadedModel model, Workload workload, PrecisionPolicy policy) {
        this.model = model;
        this.workload = workload;
        this.policy = policy;
    }

    static FitQuery parse(Map<String, String> q) throws HttpError {
        for (String k : q.keySet()) {
            if (!PARAMETERS.contains(k)) {
                throw new HttpError(400, "unknown parameter '" + k + "'; known: "
                        + PARAMETERS.stream().sorted().collect(Collectors.joining(", ")));
            }
        }
        String id = q.get("model");
        if (id == null || id.isBlank()) {
            throw new HttpError(400, "parameter 'model' is required: a catalog id such as llama-3.1-8b");
        }
        if (id.contains("/") || id.contains("\\") || id.endsWith(".gguf") || id.endsWith(".json")
                || id.endsWith(".safetensors")) {
            throw new HttpError(400, "parameter 'model' takes a catalog id; files are not read over HTTP");
        }
        ModelCatalog catalog = ModelCatalog.builtIn();
        CatalogEntry entry = catalog.find(id).orElse(null);
        if (entry == null) {
            List<String> near = catalog.suggestions(id);
            throw new HttpError(404, "unknown model '" + id + "'" + (near.isEmpty() ? ""
                    : "; did you mean " + String.join(", ", near) + "?"));
        }
        LoadedModel model = new LoadedModel(id, "catalog", entry.spec(), null, List.of("from the catalog: "
                + entry.source()));
        Mode mode;
        Precision precision;
        Precision kv;
        RuntimeProfile runtime;
        PrecisionPolicy policy;
        try {
            policy = PrecisionPolicy.of(entry.spec(), FitChoices.minPrecision(q.getOrDefault("min_precision",
                    PrecisionPolicy.DEFAULT_MIN_CLASS_BITS + "bit"), "parameter 'min_precision'"));
            mode = FitChoices.mode(q.getOrDefault("mode", "inference"), "parameter 'mode'");
            precision = FitChoices.weightOrAuto(q.getOrDefault("precision", "auto"), "parameter 'precision'");
            kv = FitChoices.kvOrAuto(q.getOrDefault("kv_precision", "auto"), "parameter 'kv_precision'");
            runtime = switch (FitChoices.runtime(q.getOrDefault("runtime", FitChoices.GENERIC), "parameter 'runtime'")) {
                case FitChoices.VLLM -> RuntimeProfile.Vllm.serve(null, VllmVersion.CURRENT, VllmDtype.AUTO);
                case FitChoices.LLAMA_CPP -> RuntimeProfile.LlamaCpp.defaults();
                default -> new RuntimeProfile.Generic();
            };
            if (precision != null && mode != Mode.QLORA) {
                precision = policy.resolve(precision, runtime, id);
            }
            if (kv == null) {
                kv = runtime.autoKv(entry.spec());
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        long context = number(q, "context", Math.min(8192, entry.spec().maxContext()));
        long batch = number(q, "batch", 1);
        if (mode == Mode.QLORA && precision != null) {
            throw new HttpError(400, "mode qlora keeps the base in 4-bit NF4; leave 'precision' at auto");
        }
        precision = FitChoices.forMode(mode, precision);
        if (mode == Mode.TRAINING && precision.bitsPerWeight() < 16) {
            throw new HttpError(400, "mode training trains in mixed precision; precision " + precision.name()
                    + " is for inference or a lora base");
        }
        if (batch > Workload.MAX_BATCH || batch < 1) {
            throw new HttpError(400, "batch must be between 1 and " + Workload.MAX_BATCH + ", was " + batch);
        }
        try {
            return new FitQuery(model, new Workload(precision, kv, context, (int) batch, mode, Recompute.NONE, 16, 0,
                    runtime), policy);
        } catch (IllegalArgumentException e) {
            // Workload names the field: "context must be between 1 and 10000000 tokens, was 0".
            throw new HttpError(400, e.getMessage());
        }
    }

    /** The rows of this fit on these devices; a workload too large to estimate is a 400 naming its inputs. */
    List<Verdict> rows(List<Capacity> devices, HostCapacity host) throws HttpError {
        try {
            return FitService.rows(new FitPlanner(model.spec(), null, policy), workload, devices, host);
        } catch (EstimateTooLargeException e) {
            throw new HttpError(400, "fit " + e.getMessage());
        }
    }

    private static long number(Map<String, String> q, String name, long otherwise) throws HttpError {
        String v = q.get(name);
        if (v == null) {
            return otherwise;
        }
        String t = v.trim();
        if (!AsciiNumbers.isWholeNumber(t)) {
            // Only ASCII digits: Long.parseLong would read "\u0661\u0660\u0660" (Arabic-Indic) as 100.
            throw new HttpError(400, "parameter '" + name + "' must be a whole number in ASCII digits, was '" + v
                    + "'");
        }
        try {
            return AsciiNumbers.parseLong(t);
        } catch (NumberFormatException e) {
            throw new HttpError(400, "parameter '" + name + "' = " + t + " is too large; a long holds at most "
                    + Long.MAX_VALUE);
        }
    }

}
