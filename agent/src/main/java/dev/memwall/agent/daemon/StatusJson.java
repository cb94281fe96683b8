package dev.memwall.agent.daemon;

import dev.memwall.agent.fit.PopularFits;
import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.MemoryReading;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.FitResult;
import dev.memwall.estimator.fit.Roofline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code memwall.status.v1}: what the page shows, from one snapshot. */
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
        doc.put("sample_interval_seconds", settings.sampleInterval().toMillis() / 1000.0);
        doc.put("sequence", s.sequence());
        doc.put("ready", true);
        List<Object> devices = new ArrayList<>();
        for (int i = 0; i < s.report().devices().size(); i++) {
            devices.add(device(s, s.report().devices().get(i), s.capacities().get(i)));
        }
        doc.put("devices", devices);
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("memory_total_bytes", s.report().host() == null ? null : s.report().host().totalBytes());
        host.put("memory_available_bytes", s.report().host() == null ? null : s.report().host().availableBytes());
        doc.put("host", host);
        return doc;
    }

    private static Map<String, Object> device(Snapshot s, DeviceReport d, Capacity c) {
        Snapshot.DeviceStatus st = s.status().get(d.identity().id());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.identity().id());
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
        m.put("memory", memory);
        BandwidthResult b = d.bandwidth();
        Map<String, Object> bw = new LinkedHashMap<>();
        boolean measured = b != null && b.read() != null && b.read().measured();
        bw.put("read_bytes_per_second", measured ? b.read().bytesPerSecond() : null);
        bw.put("copy_bytes_per_second", b != null && b.copy() != null && b.copy().measured()
                ? b.copy().bytesPerSecond() : null);
        bw.put("theoretical_bytes_per_second", b == null ? null : b.theoreticalBytesPerSecond());
        bw.put("measured", measured);
        bw.put("measured_at", st == null || st.measuredAt() == null ? null : st.measuredAt().toString());
        bw.put("bench_state", st == null ? null : st.benchState());
        bw.put("bench_note", st == null ? null : st.benchNote());
        m.put("bandwidth", bw);
        m.put("peak_flops", d.peakFp16Flops());
        Double bandwidth = c.decodeBandwidth();
        m.put("ridge_flops_per_byte", d.peakFp16Flops() == null || bandwidth == null ? null
                : d.peakFp16Flops() / bandwidth);
        List<Object> models = new ArrayList<>();
        for (Snapshot.WatchedFit w : s.watched().getOrDefault(d.identity().id(), List.of())) {
            if (!w.best()) {
                continue;
            }
            FitResult f = w.row().result();
            Roofline rl = f.roofline();
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("model", w.model());
            x.put("precision", w.row().precision() == null ? "as-stored" : w.row().precision().name());
            x.put("fits_now", f.fitsNow());
            x.put("fits_when_idle", f.fitsIdle());
            x.put("required_bytes", f.estimate().totalBytes());
            x.put("headroom_bytes", f.headroomBytes());
            x.put("max_context_tokens", f.maxContext());
            x.put("decode_tokens_per_second_bound", rl.tokensPerSecondPerSequence(1));
            x.put("bandwidth_bound", rl.ridge() == null ? null : rl.bandwidthBound(1));
            Integer critical = rl.criticalBatch();
            x.put("critical_batch", critical);
            List<Object> points = new ArrayList<>();
            if (rl.bandwidth() != null) {
                points.add(point(rl, 1));
                if (critical != null && critical > 1) {
                    points.add(point(rl, critical));
                }
            }
            x.put("roofline", points);
            models.add(x);
        }
        m.put("models", models);
        return m;
    }

    private static Map<String, Object> point(Roofline rl, int batch) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("batch", batch);
        p.put("intensity_flops_per_byte", rl.intensity(batch));
        Double tps = rl.expectedTokensPerSecondPerSequence(batch);
        p.put("flops_per_second", tps == null ? null : tps * batch * rl.flopsPerSequence());
        return p;
    }

    /** The watched models as the probe document's {@code fits[]}. */
    static List<PopularFits.PopularFit> fits(Snapshot s) {
        List<PopularFits.PopularFit> out = new ArrayList<>();
        s.watched().forEach((device, list) -> {
            for (Snapshot.WatchedFit w : list) {
                if (!w.best()) {
                    continue;
                }
                FitResult f = w.row().result();
                boolean best = f.bestPrecision() != null;
                out.add(new PopularFits.PopularFit(device, w.model(), f.fitsNow(), best && w.row().precision() != null
                        ? w.row().precision().name() : null, best ? f.estimate().totalBytes() : null,
                        best ? f.maxContext() : 0, best ? f.roofline().tokensPerSecondPerSequence(1) : null));
            }
        });
        return out;
    }

}
