package dev.memwall.agent.daemon;

import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.agent.render.FitView;
import dev.memwall.agent.running.StopToFit;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.MemoryReading;
import dev.memwall.estimator.fit.RoofChart;
import dev.memwall.estimator.fit.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code memwall.status.v1}: what the page shows, from one snapshot. It formats the snapshot's readings and the
 * estimator's verdicts and roofline charts; it computes nothing (the page draws what it is given).
 */
final class StatusJson {

    static final String SCHEMA = "memwall.status.v1";

    private StatusJson() {
    }

    static Map<String, Object> document(Snapshot s, AgentSettings settings, String version) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        doc.put("node", settings.node() != null ? settings.node()
                : s.report().host() == null ? null : s.report().host().hostname());
        doc.put("version", version);
        doc.put("sampled_at", s.sampledAt().toString());
        doc.put("sample_interval_seconds", settings.sampleInterval().toNanos() / 1e9);
        doc.put("sequence", s.sequence());
        doc.put("ready", true);
        List<Object> devices = new ArrayList<>();
        for (DeviceReport d : s.report().devices()) {
            devices.add(device(s, d));
        }
        doc.put("devices", devices);
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("memory_total_bytes", s.report().host() == null ? null : s.report().host().totalBytes());
        host.put("memory_available_bytes", s.report().host() == null ? null : s.report().host().availableBytes());
        doc.put("host", host);
        doc.put("running", s.running() == null ? null : dev.memwall.agent.render.ProbeJson.running(s.running()));
        return doc;
    }

    private static Map<String, Object> device(Snapshot s, DeviceReport d) {
        String id = d.identity().id();
        Snapshot.DeviceStatus st = s.status().get(id);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("name", d.identity().name());
        m.put("backend", d.identity().backend());
        m.put("uuid", d.identity().uuid());
        m.put("state", st != null && st.failed() ? "failed" : "ok");
        m.put("error", st == null ? null : st.error());
        MemoryReading r = d.memory();
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("total_bytes", r != null ? r.totalBytes() : d.identity().totalBytes());
        memory.put("free_bytes", r == null ? null : r.freeBytes());
        memory.put("used_bytes", r == null ? null : r.usedBytes());
        memory.put("reserved_bytes", r == null ? null : r.reservedBytes());
        memory.put("notes", r == null ? List.of() : r.notes());
        m.put("memory", memory);
        BandwidthResult b = d.bandwidth();
        Map<String, Object> bw = new LinkedHashMap<>();
        boolean measured = b != null && b.read() != null && b.read().measured();
        bw.put("read_bytes_per_second", measured ? b.read().bytesPerSecond() : null);
        bw.put("copy_bytes_per_second", b != null && b.copy() != null && b.copy().measured()
                ? b.copy().bytesPerSecond() : null);
        bw.put("theoretical_bytes_per_second", b == null ? null : b.theoreticalBytesPerSecond());
        bw.put("read_efficiency", b == null ? null : b.readEfficiency());
        bw.put("measured", measured);
        bw.put("measured_at", st == null || st.measuredAt() == null ? null : st.measuredAt().toString());
        bw.put("bench_state", st == null ? null : st.benchState());
        bw.put("bench_note", st == null ? null : st.benchNote());
        m.put("bandwidth", bw);
        m.put("peak_flops", d.peakFp16Flops());
        RoofChart chart = s.roofs().get(id);
        m.put("ridge_flops_per_byte", chart == null ? null : chart.ridgeFlopsPerByte());
        m.put("roofline", chart == null ? null : chart(chart));
        List<Object> models = new ArrayList<>();
        for (Snapshot.WatchedFit w : s.watched().getOrDefault(id, List.of())) {
            if (w.best()) {
                Map<String, Object> x = model(w.verdict());
                StopToFit stop = s.stops().getOrDefault(id, Map.of()).get(w.model());
                x.put("stop_to_fit", stop == null ? null : FitView.stop(stop));
                x.put("stop_to_fit_words", stop == null ? null : FitView.stopWords(stop));
                models.add(x);
            }
        }
        m.put("models", models);
        return m;
    }

    private static Map<String, Object> model(Verdict v) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("model", v.model());
        x.put("precision", v.precision().name());
        x.put("state", v.state().word());
        x.put("reason", v.reason());
        x.put("fits_now", v.fitsNow());
        x.put("fits_when_idle", v.fitsWhenIdle());
        x.put("required_bytes", v.requiredBytes());
        x.put("available_bytes", v.availableBytes());
        x.put("available_basis", v.availableBasis());
        x.put("headroom_bytes", v.headroomBytes());
        x.put("max_context_tokens", v.maxContextTokens());
        Verdict.Decode d = v.decode();
        x.put("decode_tokens_per_second_bound", d == null ? null : d.boundTokensPerSecond());
        x.put("decode_tokens_per_second_expected", d == null ? null : d.expectedTokensPerSecond());
        x.put("decode_source", d == null ? null : d.source());
        x.put("bandwidth_bound", d == null ? null : d.bandwidthBound());
        x.put("critical_batch", v.roofline().criticalBatch());
        x.put("roofline", v.roofline().bandwidthBytesPerSecond() == null ? List.of()
                : FitView.roofline(v.roofline()));
        return x;
    }

    private static Map<String, Object> chart(RoofChart c) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("bandwidth_bytes_per_second", c.bandwidthBytesPerSecond());
        x.put("bandwidth_measured", c.bandwidthMeasured());
        x.put("theoretical_bytes_per_second", c.theoreticalBytesPerSecond());
        x.put("peak_flops_per_second", c.peakFlopsPerSecond());
        x.put("ridge_flops_per_byte", c.ridgeFlopsPerByte());
        x.put("min_intensity_flops_per_byte", c.minIntensity());
        x.put("max_intensity_flops_per_byte", c.maxIntensity());
        x.put("min_flops_per_second", c.minFlopsPerSecond());
        x.put("max_flops_per_second", c.maxFlopsPerSecond());
        x.put("roof", vertices(c.roof()));
        x.put("theoretical_roof", vertices(c.theoreticalRoof()));
        return x;
    }

    private static List<Object> vertices(List<RoofChart.Vertex> vs) {
        List<Object> out = new ArrayList<>();
        for (RoofChart.Vertex v : vs) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("intensity_flops_per_byte", v.intensityFlopsPerByte());
            p.put("flops_per_second", v.flopsPerSecond());
            out.add(p);
        }
        return out;
    }
}
