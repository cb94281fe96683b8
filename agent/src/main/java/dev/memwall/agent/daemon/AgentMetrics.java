package dev.memwall.agent.daemon;

import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.agent.running.RunningModel;
import dev.memwall.agent.running.RunningNow;
import dev.memwall.agent.running.RuntimeReading;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.MemoryReading;
import dev.memwall.estimator.fit.Verdict;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * memwall's series, built at scrape time from the latest snapshot (never from a driver). Names and labels per
 * DESIGN.md; a value that is unknown is absent, never a sentinel.
 */
final class AgentMetrics implements MultiCollector {

    private static final List<String> NAMES = List.of("memwall_device_memory_total_bytes",
            "memwall_device_memory_free_bytes", "memwall_device_memory_used_bytes",
            "memwall_device_memory_reserved_bytes", "memwall_device_bandwidth_bytes_per_second", "memwall_device_up",
            "memwall_device_bandwidth_measured_timestamp_seconds", "memwall_model_fits",
            "memwall_model_headroom_bytes", "memwall_model_decode_tokens_per_second_bound",
            "memwall_model_decode_tokens_per_second_expected",
            "memwall_model_bandwidth_bound", "memwall_probe_errors", "memwall_snapshot_timestamp_seconds",
            "memwall_device_release_failures", "memwall_loaded_model_memory_bytes",
            "memwall_process_device_memory_bytes", "memwall_loaded_model_decode_tokens_per_second",
            "memwall_loaded_model_mismatch");

    /** Processes exported per device at most (the largest), so a busy device cannot grow the series without bound. */
    static final int PROCESSES_PER_DEVICE = 20;

    private final Supplier<Snapshot> latest;
    private final String node;

    private final java.util.function.LongSupplier releaseFailures;

    AgentMetrics(Supplier<Snapshot> latest, String node) {
        this(latest, node, () -> 0);
    }

    /** @param releaseFailures device releases (CUDA frees, destroys) that failed in this process so far */
    AgentMetrics(Supplier<Snapshot> latest, String node, java.util.function.LongSupplier releaseFailures) {
        this.latest = latest;
        this.node = node;
        this.releaseFailures = releaseFailures;
    }

    @Override
    public List<String> getPrometheusNames() {
        return NAMES;
    }

    @Override
    public MetricSnapshots collect() {
        Snapshot s = latest.get();
        if (s == null) {
            return new MetricSnapshots();
        }
        Family total = new Family("memwall_device_memory_total_bytes", "Total device memory.", Unit.BYTES);
        Family free = new Family("memwall_device_memory_free_bytes", "Free device memory at the last reading.",
                Unit.BYTES);
        Family used = new Family("memwall_device_memory_used_bytes", "Used device memory at the last reading.",
                Unit.BYTES);
        Family reserved = new Family("memwall_device_memory_reserved_bytes", "Device memory the driver reserves.",
                Unit.BYTES);
        Family bandwidth = new Family("memwall_device_bandwidth_bytes_per_second",
                "Device memory bandwidth by kind: read and copy measured, theoretical from the spec, host_to_device "
                        + "and device_to_host over pinned memory.", null);
        Family up = new Family("memwall_device_up", "1 when the last reading of the device succeeded, else 0.", null);
        Family measuredAt = new Family("memwall_device_bandwidth_measured_timestamp_seconds",
                "When bandwidth was last measured, Unix time.", Unit.SECONDS);
        Family fits = new Family("memwall_model_fits", "1 when the watched model fits in free memory now, else 0 "
                + "(also 0 where the device does not report free memory).", null);
        Family headroom = new Family("memwall_model_headroom_bytes", "Usable memory left with the watched model "
                + "loaded (negative when it does not fit): of free memory, or of the idle device where free memory is "
                + "not reported.", Unit.BYTES);
        Family decode = new Family("memwall_model_decode_tokens_per_second_bound",
                "Upper bound on decode tokens per second per sequence at batch 1, from memory bandwidth; absent where "
                        + "the model does not fit.", null);
        Family expected = new Family("memwall_model_decode_tokens_per_second_expected",
                "Decode tokens per second per sequence at batch 1 the runtime is expected to reach, fitted on published "
                        + "measurements (at most the bound); absent where the model does not fit or no measurements "
                        + "cover the runtime, device kind or format.", null);
        Family bound = new Family("memwall_model_bandwidth_bound", "1 when decode at batch 1 is bandwidth-bound.",
                null);
        Family stamp = new Family("memwall_snapshot_timestamp_seconds", "When the device readings were taken, "
                + "Unix time.", Unit.SECONDS);

        stamp.add(labels(Map.of()), s.sampledAt().toEpochMilli() / 1000.0);
        for (DeviceReport d : s.report().devices()) {
            Map<String, String> dl = deviceLabels(d.identity());
            Labels l = labels(dl);
            Snapshot.DeviceStatus st = s.status().get(d.identity().id());
            up.add(l, st != null && st.failed() ? 0 : 1);
            MemoryReading m = d.memory();
            total.add(l, m != null ? m.totalBytes() : d.identity().totalBytes());
            if (m != null) {
                free.addIfKnown(l, m.freeBytes());
                used.addIfKnown(l, m.usedBytes());
                reserved.addIfKnown(l, m.reservedBytes());
            }
            BandwidthResult b = d.bandwidth();
            if (b != null) {
                kind(bandwidth, dl, "read", b.read());
                kind(bandwidth, dl, "copy", b.copy());
                kind(bandwidth, dl, "host_to_device", b.hostToDevice());
                kind(bandwidth, dl, "device_to_host", b.deviceToHost());
                if (b.theoreticalBytesPerSecond() != null) {
                    bandwidth.add(labels(with(dl, "kind", "theoretical")), b.theoreticalBytesPerSecond());
                }
            }
            if (st != null && st.measuredAt() != null) {
                measuredAt.add(l, st.measuredAt().toEpochMilli() / 1000.0);
            }
            for (Snapshot.WatchedFit w : s.watched().getOrDefault(d.identity().id(), List.of())) {
                Verdict r = w.verdict();
                Map<String, String> ml = new LinkedHashMap<>(dl);
                ml.put("model", w.model());
                ml.put("precision", r.precision().name());
                Labels mls = labels(ml);
                fits.add(mls, r.fitsNow() ? 1 : 0);
                headroom.add(mls, r.headroomBytes());
                Verdict.Decode dec = r.decode();
                if (dec != null) {
                    decode.addIfKnown(mls, dec.boundTokensPerSecond());
                    expected.addIfKnown(mls, dec.expectedTokensPerSecond());
                    if (dec.bandwidthBound() != null) {
                        bound.add(mls, dec.bandwidthBound() ? 1 : 0);
                    }
                }
            }
        }
        Family loaded = new Family("memwall_loaded_model_memory_bytes", "A model another process holds now: "
                + "source=predicted is what memwall predicts the runtime allocates for that model with the settings "
                + "on its command line, source=measured the real figure beside it: the process's device memory (NVML) "
                + "where the prediction is of device memory (vLLM; llama.cpp with layers on a GPU), else its resident "
                + "memory (which reaches the prediction once the runtime's buffers are used).", Unit.BYTES);
        Family processes = new Family("memwall_process_device_memory_bytes", "Device memory the driver attributes "
                + "to a process (NVML), the " + PROCESSES_PER_DEVICE + " largest per device; absent where the driver "
                + "hides the figure.", Unit.BYTES);
        Family mismatch = new Family("memwall_loaded_model_mismatch", "1 when a model another process holds and "
                + "memwall's prediction for it are more than 10% apart where they can be compared (the mapped weights; "
                + "resident memory above the prediction): memwall or the runtime surprises. Absent where nothing is "
                + "predicted.", null);
        if (s.running() != null) {
            Map<String, Integer> perDevice = new HashMap<>();
            for (RunningNow.DeviceUser u : s.running().deviceProcesses()) {
                if (u.usedBytes() == null || perDevice.merge(u.deviceId(), 1, Integer::sum) > PROCESSES_PER_DEVICE) {
                    continue;
                }
                Map<String, String> pl = new LinkedHashMap<>();
                pl.put("device", u.deviceId());
                pl.put("pid", Long.toString(u.pid()));
                pl.put("process", u.process() == null ? "" : u.process());
                processes.add(labels(pl), u.usedBytes());
            }
            for (RunningModel m : s.running().models()) {
                if (m.modelPath() == null) {
                    continue;
                }
                Map<String, String> ml = new LinkedHashMap<>();
                ml.put("model", m.modelPath().substring(m.modelPath().lastIndexOf('/') + 1));
                ml.put("runtime", m.runtime() == null ? "unknown" : m.runtime());
                ml.put("pid", Long.toString(m.pid()));
                loaded.addIfKnown(labels(with(ml, "source", "measured")), m.measuredBytes());
                loaded.addIfKnown(labels(with(ml, "source", "predicted")), m.predictedBytes());
                if (m.predictedBytes() != null || m.predictedWeightsBytes() != null) {
                    mismatch.add(labels(ml), m.mismatch() ? 1 : 0);
                }
            }
        }
        Family rate = new Family("memwall_loaded_model_decode_tokens_per_second", "The generation rate a runtime's "
                + "local API reports for the model it serves (llama-server's own measurement; vLLM's token counter "
                + "between two samples).", null);
        if (s.running() != null) {
            for (RuntimeReading r : s.running().runtimes()) {
                if (r.generationTokensPerSecond() == null) {
                    continue;
                }
                Map<String, String> rl = new LinkedHashMap<>();
                rl.put("model", r.models().isEmpty() || r.models().get(0).name() == null ? "" : r.models().get(0).name());
                rl.put("runtime", r.runtime() == null ? "unknown" : r.runtime());
                rl.put("url", r.url());
                rate.add(labels(rl), r.generationTokensPerSecond());
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        for (Family f : List.of(total, free, used, reserved, bandwidth, up, measuredAt, fits, headroom, decode, expected, bound,
                stamp, loaded, processes, rate, mismatch)) {
            if (!f.points.isEmpty()) {
                out.add(f.build());
            }
        }
        out.add(CounterSnapshot.builder().name("memwall_device_release_failures")
                .help("Device memory or objects a driver refused to release (a failed cuMemFree and the like) since "
                        + "the agent started; what they held may still be taken on the device.")
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(releaseFailures.getAsLong())
                        .labels(labels(Map.of())).build())
                .build());
        out.add(CounterSnapshot.builder().name("memwall_probe_errors")
                .help("Device readings and benchmarks that failed since the agent started.")
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(s.errorsTotal())
                        .labels(labels(Map.of())).build())
                .build());
        return new MetricSnapshots(out);
    }

    private void kind(Family f, Map<String, String> dl, String kind, BandwidthMeasurement m) {
        if (m != null && m.measured()) {
            f.add(labels(with(dl, "kind", kind)), m.bytesPerSecond());
        }
    }

    private Map<String, String> deviceLabels(DeviceIdentity id) {
        Map<String, String> l = new LinkedHashMap<>();
        l.put("device", id.id());
        if (id.uuid() != null) {
            l.put("uuid", id.uuid());
        }
        l.put("name", id.name());
        l.put("backend", id.backend());
        return l;
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(base);
        m.put(key, value);
        return m;
    }

    private Labels labels(Map<String, String> map) {
        List<String> names = new ArrayList<>(map.keySet());
        List<String> values = new ArrayList<>(map.values());
        if (node != null) {
            names.add("node");
            values.add(node);
        }
        return Labels.of(names, values);
    }

    /** One gauge family being filled. */
    private static final class Family {
        final String name;
        final String help;
        final Unit unit;
        final List<GaugeDataPointSnapshot> points = new ArrayList<>();

        Family(String name, String help, Unit unit) {
            this.name = name;
            this.help = help;
            this.unit = unit;
        }

        void add(Labels l, double v) {
            points.add(GaugeDataPointSnapshot.builder().labels(l).value(v).build());
        }

        void addIfKnown(Labels l, Number v) {
            if (v != null) {
                add(l, v.doubleValue());
            }
        }

        GaugeSnapshot build() {
            GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
            if (unit != null) {
                b.unit(unit);
            }
            points.forEach(b::dataPoint);
            return b.build();
        }
    }
}
