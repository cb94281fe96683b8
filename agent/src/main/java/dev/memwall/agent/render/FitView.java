package dev.memwall.agent.render;

import dev.memwall.agent.fit.FitRow;
import dev.memwall.estimator.fit.FitResult;
import dev.memwall.estimator.fit.MemoryItem;
import dev.memwall.estimator.fit.Roofline;
import dev.memwall.estimator.fit.RuntimeProfile;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.source.LoadedModel;
import dev.memwall.estimator.units.Quantities;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The fit verdicts as a table (optionally with every item's formula) or as {@code memwall.fit.v1} JSON. */
public final class FitView {

    public static final String SCHEMA = "memwall.fit.v1";

    private FitView() {
    }

    static String precisionName(FitRow row) {
        return row.precision() == null ? "as stored" : row.precision().name();
    }

    static String verdict(FitResult r) {
        return r.fitsNow() ? "fits now" : r.fitsIdle() ? "fits when idle" : "does not fit";
    }

    static String runtimeWords(Workload workload) {
        return switch (workload.runtime().word()) {
            case "vllm" -> String.format(Locale.ROOT, "vLLM at gpu_memory_utilization %.2f",
                    ((RuntimeProfile.Vllm) workload.runtime()).gpuMemoryUtilization());
            case "llama.cpp" -> {
                RuntimeProfile.LlamaCpp l = (RuntimeProfile.LlamaCpp) workload.runtime();
                yield String.format(Locale.ROOT, "llama.cpp (micro-batch %d, flash attention %s, %s kept free)",
                        l.ubatchTokens(), l.flashAttention() ? "on" : "off", Quantities.gib(l.marginBytes()));
            }
            default -> "generic runtime";
        };
    }

    public static String table(LoadedModel model, Workload workload, List<FitRow> rows, boolean explain) {
        ModelSpec s = model.spec();
        StringBuilder out = new StringBuilder();
        out.append(s.id()).append(": ").append(ModelCatalogView.count(s.parameters())).append(" parameters");
        if (s.moe() != null) {
            out.append(" (").append(ModelCatalogView.count(s.activeParameters())).append(" active)");
        }
        out.append(String.format(Locale.ROOT, ", context %,d tokens, batch %d, %s, %s, %s%n",
                workload.contextTokens(), workload.batch(), workload.mode().trains()
                        ? "recomputation " + workload.recompute().word() + (workload.mode() == dev.memwall.estimator.fit
                                .Mode.LORA || workload.mode() == dev.memwall.estimator.fit.Mode.QLORA
                                        ? ", adapter rank " + workload.loraRank() : "")
                        : "KV cache " + workload.kvPrecision().name(), workload.mode().word(), runtimeWords(workload)));
        TextTable t = new TextTable("DEVICE", "NAME", "PRECISION", "VERDICT", "REQUIRED", "AVAILABLE", "BEST NOW", "MAX CONTEXT",
                "DECODE BOUND", "BANDWIDTH-BOUND");
        for (FitRow row : rows) {
            FitResult r = row.result();
            boolean decode = !workload.mode().trains();
            Double tps = decode ? r.roofline().tokensPerSecondPerSequence(workload.batch()) : null;
            t.row(row.label() + (r.devices() <= 1 ? "" : workload.mode().trains()
                    ? " (data parallel x" + r.devices() + ", ZeRO-" + workload.zeroStage() + ")"
                    : " (tensor parallel x" + r.devices() + ")"), r.device().name(),
                    precisionName(row),
                    verdict(r), Quantities.gib(r.estimate().totalBytes()),
                    Quantities.gib(r.usableNowBytes()),
                    r.bestPrecision() == null ? ProbeTable.UNKNOWN : r.bestPrecision().name(),
                    r.maxContext() == 0 ? ProbeTable.UNKNOWN : String.format(Locale.ROOT, "%,d", r.maxContext()),
                    tps == null ? ProbeTable.UNKNOWN : String.format(Locale.ROOT, "%.0f tok/s", tps),
                    !decode || r.roofline().ridge() == null ? ProbeTable.UNKNOWN
                            : r.roofline().bandwidthBound(workload.batch()) ? "yes" : "no");
        }
        out.append(t.render());
        for (FitRow row : rows) {
            FitResult r = row.result();
            var o = r.offload();
            if (o != null) {
                out.append(String.format(Locale.ROOT, "%s: partial offload would keep %d of %d layers on the device and "
                        + "%d in host memory (%s%s); decode bound %s%n", row.label(), o.deviceLayers(),
                        o.deviceLayers() + o.hostLayers(), o.hostLayers(), Quantities.gib(o.hostBytes()),
                        o.hostAvailableBytes() == null ? "" : " of " + Quantities.gib(o.hostAvailableBytes())
                                + " available" + (o.hostFits() ? "" : ": too little"),
                        o.decodeTokensPerSecondBound() == null
                                ? "unknown (no host memory bandwidth: give --host-bandwidth)"
                                : String.format(Locale.ROOT, "%.1f tok/s with the host layers at %s (%s)",
                                        o.decodeTokensPerSecondBound(), Quantities.gbPerSecond(o.hostBandwidth()),
                                        o.hostPath().equals("host_read") ? "host memory read"
                                                : "measured host-to-device copy")));
            }
            if (r.kvPool() != null && (r.fitsNow() || r.fitsIdle())) {
                out.append(String.format(Locale.ROOT, "%s: vLLM's KV cache pool %s holds %,d tokens: maximum "
                        + "concurrency %.2fx at %,d tokens per request%n", row.label(), Quantities.gib(r.kvPool().bytes()),
                        r.kvPool().tokens(), r.kvPool().maxConcurrency(), workload.contextTokens()));
            }
            for (String note : r.notes()) {
                out.append(row.label()).append(": ").append(note).append('\n');
            }
            Double expected = workload.mode().trains() ? null
                    : r.roofline().expectedTokensPerSecondPerSequence(workload.batch());
            Double bound = workload.mode().trains() ? null : r.roofline().tokensPerSecondPerSequence(workload.batch());
            if (expected != null && bound != null && expected < bound * 0.999) {
                out.append(String.format(Locale.ROOT, "%s: at batch %d uniform routing reaches %.1f of %d experts per "
                        + "layer: %.0f tok/s per sequence expected, against the %.0f tok/s bound (k experts)%n",
                        row.label(), workload.batch(), dev.memwall.estimator.model.Moe.expectedExpertsTouched(
                                r.roofline().experts(), r.roofline().expertsPerToken(), workload.batch()),
                        r.roofline().experts(), expected, bound));
            }
        }
        out.append("REQUIRED is per device; AVAILABLE is what the runtime may use now. DECODE BOUND is an upper bound per sequence from ");
        out.append("the measured read bandwidth (theoretical where none was measured); no runtime decodes faster.\n");
        if (!rows.isEmpty()) {
            out.append(String.format(Locale.ROOT, "Rule of thumb (parameters x bytes x %s): %s, memwall's estimate %s%n",
                    workload.mode().trains() ? "2" : "1.2",
                    Quantities.gib(rows.get(0).result().estimate().ruleOfThumb()),
                    Quantities.gib(rows.get(0).result().estimate().totalBytes())));
        }
        if (explain) {
            for (FitRow row : rows) {
                FitResult r = row.result();
                out.append('\n').append(row.label()).append(" (").append(precisionName(row)).append("):\n");
                for (MemoryItem i : r.estimate().items()) {
                    out.append(String.format(Locale.ROOT, "  %-24s %12s  %s%n", i.name() + (i.host() ? " (host)" : ""), Quantities.gib(i.bytes()),
                            i.formula()));
                }
                out.append(String.format(Locale.ROOT, "  %-24s %12s  headroom %s%n", "total",
                        Quantities.gib(r.estimate().totalBytes()), Quantities.gib(r.headroomBytes())));
                Roofline f = r.roofline();
                out.append(String.format(Locale.ROOT, "  decode step: %,.0f weight bytes + %,.0f KV bytes per sequence;"
                        + " %,.0f FLOPs per sequence%n", f.weightBytesPerStep(), f.kvBytesPerSequence(),
                        f.flopsPerSequence()));
                if (f.bandwidth() != null) {
                    out.append(String.format(Locale.ROOT, "  bandwidth %s (%s)%s%n", Quantities.gbPerSecond(f.bandwidth()),
                            f.bandwidthMeasured() ? "measured read" : "theoretical, nothing measured",
                            f.ridge() == null ? "" : String.format(Locale.ROOT, "; ridge %.0f FLOPs per byte; "
                                    + "compute-bound from batch %s", f.ridge(), f.criticalBatch() == null ? "never"
                                    : String.valueOf(f.criticalBatch()))));
                }
                if (f.prefillSeconds(workload.contextTokens()) != null) {
                    out.append(String.format(Locale.ROOT, "  prefill of %,d tokens: at least %.3f s at peak FLOPs%n",
                            workload.contextTokens(), f.prefillSeconds(workload.contextTokens())));
                }
            }
        }
        return out.toString();
    }

    public static Map<String, Object> document(LoadedModel model, Workload workload, List<FitRow> rows) {
        ModelSpec s = model.spec();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("input", model.input());
        m.put("parameters", s.parameters());
        m.put("active_parameters", s.activeParameters());
        doc.put("model", m);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("precision", workload.precision() == null ? null : workload.precision().name());
        w.put("kv_precision", workload.kvPrecision().name());
        w.put("context_tokens", workload.contextTokens());
        w.put("batch", workload.batch());
        w.put("mode", workload.mode().word());
        w.put("recompute", workload.mode().trains() ? workload.recompute().word() : null);
        w.put("lora_rank", workload.mode() == dev.memwall.estimator.fit.Mode.LORA
                || workload.mode() == dev.memwall.estimator.fit.Mode.QLORA ? workload.loraRank() : null);
        w.put("runtime", workload.runtime().word());
        doc.put("workload", w);
        FitRow first = rows.isEmpty() ? null : rows.get(0);
        doc.put("memory", first == null ? null : memory(first.result()));
        List<Object> devices = new ArrayList<>();
        for (FitRow row : rows) {
            FitResult r = row.result();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("id", row.label());
            d.put("name", r.device().name());
            d.put("devices", r.devices());
            d.put("precision", row.precision() == null ? "as-stored" : row.precision().name());
            d.put("fits_now", r.fitsNow());
            d.put("fits_when_idle", r.fitsIdle());
            d.put("required_bytes", r.estimate().totalBytes());
            d.put("available_bytes", r.usableNowBytes());
            d.put("headroom_bytes", r.headroomBytes());
            d.put("best_precision", r.bestPrecision() == null ? null : r.bestPrecision().name());
            d.put("max_context_tokens", r.maxContext());
            d.put("max_batch", r.maxBatch());
            Roofline f = r.roofline();
            boolean decode = !workload.mode().trains();
            d.put("decode_tokens_per_second_bound", decode ? f.tokensPerSecondPerSequence(workload.batch()) : null);
            d.put("decode_tokens_per_second_expected", decode
                    ? f.expectedTokensPerSecondPerSequence(workload.batch()) : null);
            d.put("decode_tokens_per_second_ceiling", decode ? f.ceilingTokensPerSecondPerSequence(workload.batch())
                    : null);
            d.put("bandwidth_bound", !decode || f.ridge() == null ? null : f.bandwidthBound(workload.batch()));
            d.put("bandwidth_bytes_per_second", f.bandwidth());
            d.put("bandwidth_measured", f.bandwidthMeasured());
            d.put("ridge_flops_per_byte", f.ridge());
            d.put("critical_batch", f.criticalBatch());
            d.put("prefill_seconds_bound", f.prefillSeconds(workload.contextTokens()));
            d.put("memory", memory(r));
            if (r.offload() != null) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("device_layers", r.offload().deviceLayers());
                o.put("host_layers", r.offload().hostLayers());
                o.put("host_bytes", r.offload().hostBytes());
                o.put("host_available_bytes", r.offload().hostAvailableBytes());
                o.put("host_fits", r.offload().hostFits());
                o.put("host_bandwidth_bytes_per_second", r.offload().hostBandwidth());
                o.put("host_path", r.offload().hostPath());
                o.put("decode_tokens_per_second_bound", r.offload().decodeTokensPerSecondBound());
                d.put("offload", o);
            } else {
                d.put("offload", null);
            }
            if (r.kvPool() != null) {
                Map<String, Object> k = new LinkedHashMap<>();
                k.put("bytes", r.kvPool().bytes());
                k.put("tokens", r.kvPool().tokens());
                k.put("max_concurrency", r.kvPool().maxConcurrency());
                d.put("kv_pool", k);
            } else {
                d.put("kv_pool", null);
            }
            d.put("notes", r.notes());
            devices.add(d);
        }
        doc.put("devices", devices);
        doc.put("notes", model.notes());
        return doc;
    }

    private static Map<String, Object> memory(FitResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("weights_bytes", r.estimate().bytes("weights"));
        m.put("kv_cache_bytes", r.estimate().bytes("kv_cache"));
        m.put("total_bytes", r.estimate().totalBytes());
        m.put("host_bytes", r.estimate().hostBytes());
        m.put("rule_of_thumb_bytes", r.estimate().ruleOfThumb());
        List<Object> items = new ArrayList<>();
        for (MemoryItem i : r.estimate().items()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", i.name());
            e.put("bytes", i.bytes());
            e.put("formula", i.formula());
            e.put("where", i.host() ? "host" : "device");
            items.add(e);
        }
        m.put("items", items);
        return m;
    }
}
