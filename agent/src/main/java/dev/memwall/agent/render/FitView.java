package dev.memwall.agent.render;

import dev.memwall.agent.running.RunningNow;
import dev.memwall.agent.running.StopToFit;
import dev.memwall.estimator.fit.KvPool;
import dev.memwall.estimator.fit.MemoryItem;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.Offload;
import dev.memwall.estimator.fit.RooflineFigures;
import dev.memwall.estimator.fit.RuntimeProfile;
import dev.memwall.estimator.fit.Verdict;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.source.LoadedModel;
import dev.memwall.estimator.units.Quantities;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fit verdicts as a table (optionally with every item's formula) or as {@code memwall.fit.v1} JSON. Formats
 * the estimator's {@link Verdict}s and computes nothing.
 */
public final class FitView {

    public static final String SCHEMA = "memwall.fit.v1";

    private FitView() {
    }

    static String runtimeWords(Workload workload) {
        RuntimeProfile r = workload.runtime();
        if (r instanceof RuntimeProfile.Vllm v) {
            return String.format(Locale.ROOT, "vLLM %s at gpu_memory_utilization %.2f, --dtype %s", v.version(),
                    v.gpuMemoryUtilization(), v.dtype().word());
        }
        if (r instanceof RuntimeProfile.LlamaCpp l) {
            return String.format(Locale.ROOT, "llama.cpp (micro-batch %d, flash attention %s, %s kept free%s)",
                    l.ubatchTokens(), l.flashAttention() ? "on" : "off", Quantities.gib(l.marginBytes()),
                    l.threads() == null ? "" : ", " + l.threads() + " threads");
        }
        if (workload.mode().trains() && r instanceof RuntimeProfile.Generic g) {
            return "generic runtime, " + (g.flashAttention() ? "flash attention" : "no flash attention");
        }
        return "generic runtime";
    }

    private static String perSecond(Double tps) {
        return tps == null ? ProbeTable.UNKNOWN : String.format(Locale.ROOT, tps < 10 ? "%.1f tok/s" : "%.0f tok/s",
                tps);
    }

    public static String table(LoadedModel model, Workload workload, List<Verdict> rows, boolean explain) {
        return table(model, workload, rows, explain, List.of());
    }

    /** As above, with what would have to stop on a device for the model to fit there now. */
    public static String table(LoadedModel model, Workload workload, List<Verdict> rows, boolean explain,
            List<StopToFit> stops) {
        ModelSpec s = model.spec();
        StringBuilder out = new StringBuilder();
        out.append(s.id()).append(": ").append(ModelCatalogView.count(s.parameters())).append(" parameters");
        if (s.moe() != null) {
            out.append(" (").append(ModelCatalogView.count(s.activeParameters())).append(" active)");
        }
        boolean adapters = workload.mode() == Mode.LORA || workload.mode() == Mode.QLORA;
        out.append(String.format(Locale.ROOT, ", context %,d tokens, batch %d, %s, %s, %s%n",
                workload.contextTokens(), workload.batch(), workload.mode().trains()
                        ? "recomputation " + workload.recompute().word()
                                + (adapters ? ", adapter rank " + workload.loraRank() : "")
                        : "KV cache " + workload.kvPrecision().name(), workload.mode().word(), runtimeWords(workload)));
        boolean decodes = !workload.mode().trains();
        List<String> header = new ArrayList<>(List.of("DEVICE", "NAME", "PRECISION", "VERDICT", "REQUIRED",
                "AVAILABLE", "BEST", "MAX CONTEXT"));
        if (decodes) {
            header.addAll(List.of("DECODE EXPECTED", "DECODE BOUND", "BANDWIDTH-BOUND"));
        }
        TextTable t = new TextTable(header.toArray(String[]::new));
        for (Verdict r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.label() + (r.devices() <= 1 ? "" : workload.mode().trains()
                    ? " (data parallel x" + r.devices() + ", ZeRO-" + workload.zeroStage() + ")"
                    : " (tensor parallel x" + r.devices() + ")"), r.device().name(), r.precision().name(),
                    r.state().words(), Quantities.gib(r.requiredBytes()),
                    Quantities.gib(r.availableBytes()) + (r.availableBasis().equals("idle") ? " (idle)" : ""),
                    r.bestPrecision() == null ? ProbeTable.UNKNOWN : r.bestPrecision().name(),
                    r.maxContextTokens() == null ? ProbeTable.UNKNOWN
                            : String.format(Locale.ROOT, "%,d", r.maxContextTokens())));
            if (decodes) {
                Verdict.Decode d = r.decode();
                cells.add(d == null ? ProbeTable.UNKNOWN : perSecond(d.expectedTokensPerSecond()));
                cells.add(d == null ? ProbeTable.UNKNOWN : perSecond(d.boundTokensPerSecond())
                        + (d.source().equals("offload") && d.boundTokensPerSecond() != null ? " (offload)" : ""));
                cells.add(d == null || d.bandwidthBound() == null ? ProbeTable.UNKNOWN
                        : d.bandwidthBound() ? "yes" : "no");
            }
            t.row(cells.toArray(String[]::new));
        }
        out.append(t.render());
        for (Verdict r : rows) {
            if (r.state() != Verdict.State.FITS_NOW) {
                out.append(r.label()).append(": ").append(r.state().words()).append(": ").append(r.reason())
                        .append('\n');
            }
            Offload o = r.offload();
            if (o != null) {
                out.append(String.format(Locale.ROOT, "%s: partial offload would keep %d of %d layers on the device and "
                        + "%d in host memory (%s%s); decode bound %s%n", r.label(), o.deviceLayers(),
                        o.deviceLayers() + o.hostLayers(), o.hostLayers(), Quantities.gib(o.hostBytes()),
                        o.hostAvailableBytes() == null ? "" : " of " + Quantities.gib(o.hostAvailableBytes())
                                + " available" + (o.hostFits() ? "" : ": too little"),
                        o.decodeTokensPerSecondBound() == null
                                ? "unknown (no host memory bandwidth: give --host-bandwidth)"
                                : String.format(Locale.ROOT, "%s with the host layers at %s (%s)",
                                        perSecond(o.decodeTokensPerSecondBound()),
                                        Quantities.gbPerSecond(o.hostBandwidth()),
                                        o.hostPath().equals("host_read") ? "host memory read"
                                                : "measured host-to-device copy")));
            }
            KvPool pool = r.kvPool();
            if (pool != null && (r.fitsNow() || r.fitsWhenIdle())) {
                RuntimeProfile.Vllm v = (RuntimeProfile.Vllm) r.workload().runtime();
                out.append(String.format(Locale.ROOT, "%s: vLLM's KV cache pool %s holds %,d tokens: maximum "
                        + "concurrency %.2fx at %,d tokens per request (max_num_batched_tokens %d, max_num_seqs %d)%n",
                        r.label(), Quantities.gib(pool.bytes()), pool.tokens(), pool.maxConcurrency(),
                        workload.contextTokens(), v.maxNumBatchedTokens(), v.maxNumSeqs()));
            }
            for (String note : r.notes()) {
                out.append(r.label()).append(": ").append(note).append('\n');
            }
            for (StopToFit stop : stops) {
                if (stop.deviceId().equals(r.label())) {
                    out.append(r.label()).append(": ").append(stopWords(stop)).append('\n');
                }
            }
            Verdict.Decode d = r.decode();
            if (d != null && d.expertsReached() != null && d.routedTokensPerSecond() != null
                    && d.boundTokensPerSecond() != null && d.routedTokensPerSecond() < d.boundTokensPerSecond()) {
                out.append(String.format(Locale.ROOT, "%s: at batch %d uniform routing reaches %.1f of %d experts per "
                        + "layer: %s per sequence at most, against the %s bound (k experts)%n", r.label(), d.batch(),
                        d.expertsReached(), d.experts(), perSecond(d.routedTokensPerSecond()),
                        perSecond(d.boundTokensPerSecond())));
            }
            if (d != null && d.expectedHow() != null && d.source().equals("device")) {
                out.append(r.label()).append(": decode expected ").append(d.expectedTokensPerSecond() == null
                        ? "unknown" : perSecond(d.expectedTokensPerSecond())).append(": ").append(d.expectedHow())
                        .append('\n');
            }
        }
        out.append("REQUIRED is per device; AVAILABLE is what the runtime may use now (\"idle\": this device does not "
                + "report free memory, so its total less reserved).\n");
        if (decodes) {
            out.append("DECODE BOUND is an upper bound per sequence from the measured read bandwidth (theoretical where "
                    + "none was measured); no runtime decodes faster. It is shown where the model fits, or for the "
                    + "partial-offload split where it does not. DECODE EXPECTED is the rate the runtime is expected "
                    + "to reach, fitted on published measurements (docs/decode-efficiency.md).\n");
        }
        if (!rows.isEmpty()) {
            out.append(String.format(Locale.ROOT, "Rule of thumb (parameters x bytes x %s): %s, memwall's estimate %s%n",
                    workload.mode().trains() ? "2" : "1.2", Quantities.gib(rows.get(0).estimate().ruleOfThumb()),
                    Quantities.gib(rows.get(0).requiredBytes())));
        }
        if (explain) {
            for (Verdict r : rows) {
                explain(out, r, decodes);
            }
        }
        return out.toString();
    }

    private static void explain(StringBuilder out, Verdict r, boolean decodes) {
        out.append('\n').append(r.label()).append(" (").append(r.precision().name()).append("):\n");
        for (MemoryItem i : r.estimate().items()) {
            out.append(String.format(Locale.ROOT, "  %-24s %12s  %s%n", i.name() + (i.host() ? " (host)" : ""),
                    Quantities.gib(i.bytes()), i.formula()));
        }
        out.append(String.format(Locale.ROOT, "  %-24s %12s  headroom %s of %s available (%s)%n", "total",
                Quantities.gib(r.requiredBytes()), Quantities.gib(r.headroomBytes()),
                Quantities.gib(r.availableBytes()), r.availableBasis().equals("idle")
                        ? "the idle device: free memory is not reported" : "free now"));
        if (!decodes) {
            return;
        }
        RooflineFigures f = r.roofline();
        out.append(String.format(Locale.ROOT, "  decode step: %,.0f weight bytes + %,.0f KV bytes per sequence;"
                + " %,.0f FLOPs per sequence%n", f.weightBytesPerStep(), f.kvBytesPerSequence(), f.flopsPerSequence()));
        if (f.bandwidthBytesPerSecond() != null) {
            out.append(String.format(Locale.ROOT, "  bandwidth %s (%s)%s%n",
                    Quantities.gbPerSecond(f.bandwidthBytesPerSecond()),
                    f.bandwidthMeasured() ? "measured read" : "theoretical, nothing measured",
                    f.ridgeFlopsPerByte() == null ? "" : String.format(Locale.ROOT, "; ridge %.0f FLOPs per byte; "
                            + "compute-bound from batch %s", f.ridgeFlopsPerByte(), f.criticalBatch() == null
                                    ? "never" : String.valueOf(f.criticalBatch()))));
        }
        if (f.prefillSecondsBound() != null) {
            out.append(String.format(Locale.ROOT, "  prefill of %,d tokens: at least %.3f s at peak FLOPs%n",
                    r.workload().contextTokens(), f.prefillSecondsBound()));
        }
    }

    public static Map<String, Object> document(LoadedModel model, Workload workload, List<Verdict> rows) {
        return document(model, workload, rows, List.of());
    }

    /** As above; each device's {@code stop_to_fit} says what would have to stop there (null: nothing to say). */
    public static Map<String, Object> document(LoadedModel model, Workload workload, List<Verdict> rows,
            List<StopToFit> stops) {
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
        w.put("lora_rank", workload.mode() == Mode.LORA || workload.mode() == Mode.QLORA ? workload.loraRank() : null);
        w.put("zero_stage", workload.mode() == Mode.TRAINING ? workload.zeroStage() : null);
        w.put("runtime", workload.runtime().word());
        RuntimeProfile.Vllm vllm = workload.runtime() instanceof RuntimeProfile.Vllm v ? v : null;
        w.put("vllm_version", vllm == null ? null : vllm.version().toString());
        w.put("gpu_memory_utilization", vllm == null ? null : vllm.gpuMemoryUtilization());
        w.put("dtype", vllm == null ? null : vllm.dtype().word());
        RuntimeProfile.LlamaCpp llama = workload.runtime() instanceof RuntimeProfile.LlamaCpp l ? l : null;
        w.put("ubatch_tokens", llama == null ? null : llama.ubatchTokens());
        w.put("flash_attention", llama == null ? null : llama.flashAttention());
        w.put("threads", llama == null ? null : llama.threads());
        doc.put("workload", w);
        doc.put("memory", rows.isEmpty() ? null : memory(rows.get(0)));
        List<Object> devices = new ArrayList<>();
        for (Verdict r : rows) {
            Map<String, Object> d = device(r);
            StopToFit stop = stops.stream().filter(x -> x.deviceId().equals(r.label())).findFirst().orElse(null);
            d.put("stop_to_fit", stop == null ? null : stop(stop));
            devices.add(d);
        }
        doc.put("devices", devices);
        doc.put("notes", model.notes());
        return doc;
    }

    /** One verdict as the fit document's {@code devices[]} entry (also the agent's per-model answer). */
    public static Map<String, Object> device(Verdict r) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", r.label());
        d.put("name", r.device().name());
        d.put("devices", r.devices());
        d.put("model", r.model());
        d.put("precision", r.precision().name());
        d.put("state", r.state().word());
        d.put("reason", r.reason());
        d.put("fits_now", r.fitsNow());
        d.put("fits_when_idle", r.fitsWhenIdle());
        d.put("required_bytes", r.requiredBytes());
        d.put("available_bytes", r.availableBytes());
        d.put("available_basis", r.availableBasis());
        d.put("headroom_bytes", r.headroomBytes());
        d.put("best_precision", r.bestPrecision() == null ? null : r.bestPrecision().name());
        d.put("max_context_tokens", r.maxContextTokens());
        d.put("max_batch", r.maxBatch());
        Verdict.Decode dec = r.decode();
        d.put("decode_source", dec == null ? null : dec.source());
        d.put("decode_tokens_per_second_bound", dec == null ? null : dec.boundTokensPerSecond());
        d.put("decode_tokens_per_second_expected", dec == null ? null : dec.expectedTokensPerSecond());
        d.put("decode_expected_how", dec == null ? null : dec.expectedHow());
        d.put("decode_tokens_per_second_routed", dec == null ? null : dec.routedTokensPerSecond());
        d.put("decode_tokens_per_second_ceiling", dec == null ? null : dec.ceilingTokensPerSecond());
        d.put("bandwidth_bound", dec == null ? null : dec.bandwidthBound());
        d.put("experts_reached", dec == null ? null : dec.expertsReached());
        RooflineFigures f = r.roofline();
        d.put("bandwidth_bytes_per_second", f.bandwidthBytesPerSecond());
        d.put("bandwidth_measured", f.bandwidthMeasured());
        d.put("ridge_flops_per_byte", f.ridgeFlopsPerByte());
        d.put("critical_batch", f.criticalBatch());
        d.put("prefill_seconds_bound", r.workload().mode().trains() ? null : f.prefillSecondsBound());
        d.put("roofline", r.workload().mode().trains() ? null : roofline(f));
        d.put("memory", memory(r));
        Offload o = r.offload();
        if (o != null) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("device_layers", o.deviceLayers());
            x.put("host_layers", o.hostLayers());
            x.put("host_bytes", o.hostBytes());
            x.put("host_available_bytes", o.hostAvailableBytes());
            x.put("host_fits", o.hostFits());
            x.put("host_bandwidth_bytes_per_second", o.hostBandwidth());
            x.put("host_path", o.hostPath());
            x.put("decode_tokens_per_second_bound", o.decodeTokensPerSecondBound());
            d.put("offload", x);
        } else {
            d.put("offload", null);
        }
        KvPool pool = r.kvPool();
        if (pool != null) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("bytes", pool.bytes());
            k.put("tokens", pool.tokens());
            k.put("max_concurrency", pool.maxConcurrency());
            if (r.workload().runtime() instanceof RuntimeProfile.Vllm v) {
                k.put("max_num_batched_tokens", v.maxNumBatchedTokens());
                k.put("max_num_seqs", v.maxNumSeqs());
            }
            d.put("kv_pool", k);
        } else {
            d.put("kv_pool", null);
        }
        d.put("notes", r.notes());
        return d;
    }

    /** The roofline's points, as the page and the fit document carry them. */
    public static List<Object> roofline(RooflineFigures f) {
        List<Object> points = new ArrayList<>();
        for (RooflineFigures.Point p : f.points()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("batch", p.batch());
            x.put("intensity_flops_per_byte", p.intensityFlopsPerByte());
            x.put("flops_per_second", p.flopsPerSecond());
            x.put("tokens_per_second_per_sequence", p.tokensPerSecondPerSequence());
            points.add(x);
        }
        return points;
    }

    private static Map<String, Object> memory(Verdict r) {
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

    /** "stop pid 4242 (llama-server, 6.00 GiB) to free 6.00 GiB and fit now", or why stopping cannot help. */
    public static String stopWords(StopToFit stop) {
        List<String> who = new ArrayList<>();
        for (RunningNow.DeviceUser u : stop.stop()) {
            who.add("pid " + u.pid() + " (" + (u.process() == null ? "not visible" : OneLine.of(u.process()))
                    + (u.modelPath() == null ? "" : ", " + OneLine.of(u.modelPath().substring(
                            u.modelPath().lastIndexOf('/') + 1))) + ", " + Quantities.gib(u.usedBytes()) + ")");
        }
        return stop.enough()
                ? "would fit now if " + String.join(" and ", who) + " stopped: that frees "
                        + Quantities.gib(stop.freed())
                : "would not fit now even if every process the driver lists stopped (" + String.join(", ", who)
                        + ": " + Quantities.gib(stop.freed()) + ")";
    }

    /** The {@code stop_to_fit} object: enough, freed_bytes, processes[]. */
    public static Map<String, Object> stop(StopToFit stop) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enough", stop.enough());
        m.put("freed_bytes", stop.freed());
        List<Object> who = new ArrayList<>();
        for (RunningNow.DeviceUser u : stop.stop()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("pid", u.pid());
            p.put("process", u.process());
            p.put("used_bytes", u.usedBytes());
            p.put("model_path", u.modelPath());
            who.add(p);
        }
        m.put("processes", who);
        return m;
    }
}
