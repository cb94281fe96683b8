package dev.memwall.agent.render;

import dev.memwall.agent.probe.ProbeReport.BackendReport;
import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.agent.running.RunningModel;
import dev.memwall.agent.running.LlamaCppArgs;
import dev.memwall.agent.running.LoadedRuntimeModel;
import dev.memwall.agent.running.RunningNow;
import dev.memwall.agent.running.RuntimeReading;
import dev.memwall.agent.running.VllmArgs;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.DeviceFailure;
import dev.memwall.device.DeviceIdentity;
import dev.memwall.device.DeviceProcess;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.host.HostLoad;
import dev.memwall.estimator.fit.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code memwall.probe.v2} document (v2 added {@code running}): sizes in bytes, rates in bytes per second, null for unknown. */
public final class ProbeJson {

    public static final String SCHEMA = "memwall.probe.v2";

    private ProbeJson() {
    }

    /** The document as ordered maps and lists, ready for {@link Json#write}. */
    public static Map<String, Object> document(ProbeReport report, String version) {
        return document(report, version, List.of());
    }

    /** The document with the catalog's popular models at their best precision on each device ({@code fits[]}). */
    public static Map<String, Object> document(ProbeReport report, String version, List<Verdict> fits) {
        return document(report, version, fits, null);
    }

    /**
     * The document with what is running now ({@code running}: the models other processes hold, predicted beside
     * real), or {@code running: null} where it was not looked at.
     */
    public static Map<String, Object> document(ProbeReport report, String version, List<Verdict> fits,
            RunningNow running) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        doc.put("memwall_version", version);
        doc.put("taken_at", report.takenAt().toString());
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("hostname", report.host() == null ? null : report.host().hostname());
        host.put("memory_total_bytes", report.host() == null ? null : report.host().totalBytes());
        host.put("memory_available_bytes", report.host() == null ? null : report.host().availableBytes());
        host.put("error", report.hostError());
        doc.put("host", host);
        List<Object> backends = new ArrayList<>();
        for (BackendReport b : report.backends()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", b.id());
            m.put("available", b.available());
            m.put("reason", b.reason());
            m.put("error", b.error());
            m.put("device_count", b.deviceCount());
            backends.add(m);
        }
        doc.put("backends", backends);
        doc.put("benchmarked", report.benchmarked());
        List<Object> devices = new ArrayList<>();
        for (DeviceReport d : report.devices()) {
            devices.add(device(d));
        }
        for (DeviceFailure f : report.failedDevices()) {
            devices.add(failed(f));
        }
        doc.put("devices", devices);
        List<Object> fitList = new ArrayList<>();
        for (Verdict f : fits) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device", f.label());
            m.put("model", f.model());
            m.put("state", f.state().word());
            m.put("fits_now", f.fitsNow());
            m.put("fits_when_idle", f.fitsWhenIdle());
            m.put("precision", f.precision().name());
            m.put("best_precision", f.bestPrecision() == null ? null : f.bestPrecision().name());
            m.put("context_tokens", f.workload().contextTokens());
            m.put("required_bytes", f.requiredBytes());
            m.put("available_bytes", f.availableBytes());
            m.put("available_basis", f.availableBasis());
            m.put("max_context_tokens", f.maxContextTokens());
            m.put("decode_tokens_per_second_bound", f.decode() == null ? null : f.decode().boundTokensPerSecond());
            m.put("decode_tokens_per_second_expected", f.decode() == null ? null
                    : f.decode().expectedTokensPerSecond());
            m.put("reason", f.reason());
            fitList.add(m);
        }
        doc.put("fits", fitList);
        doc.put("running", running == null ? null : running(running));
        return doc;
    }

    /** The {@code running} object: processes examined and unreadable, and each model held with its prediction. */
    public static Map<String, Object> running(RunningNow running) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("processes_examined", running.examined());
        r.put("processes_unreadable", running.unreadable());
        List<Object> models = new ArrayList<>();
        for (RunningModel m : running.models()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("pid", m.pid());
            o.put("process", m.process());
            o.put("runtime", m.runtime());
            o.put("model_path", m.modelPath());
            o.put("model_file_bytes", m.modelFileBytes());
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("context_tokens", m.settings().contextTokens());
            if (m.settings() instanceof LlamaCppArgs l) {
                settings.put("gpu_layers", l.gpuLayers());
                settings.put("sequences", l.sequences());
                settings.put("flash_attention", l.flashAttention());
                settings.put("cache_type_k", l.cacheTypeK());
                settings.put("cache_type_v", l.cacheTypeV());
                settings.put("ubatch_tokens", l.ubatchTokens());
                settings.put("fit", l.fit());
            } else if (m.settings() instanceof VllmArgs v) {
                settings.put("gpu_memory_utilization", v.gpuMemoryUtilization());
                settings.put("tensor_parallel_size", v.tensorParallelSize());
                settings.put("kv_cache_dtype", v.kvCacheDtype());
                settings.put("dtype", v.dtype());
                settings.put("max_num_seqs", v.maxNumSeqs());
            }
            o.put("settings", settings);
            o.put("resident_bytes", m.residentBytes());
            o.put("model_resident_bytes", m.modelResidentBytes());
            o.put("predicted_bytes", m.predictedBytes());
            // which memory the prediction is of: "device" (vLLM; llama.cpp with layers on a GPU) or "host"
            o.put("predicted_memory", m.predictedBytes() == null ? null : m.predictedOnDevice() ? "device" : "host");
            o.put("predicted_weights_bytes", m.predictedWeightsBytes());
            o.put("device_bytes", m.deviceBytes());
            o.put("measured_bytes", m.measuredBytes());
            o.put("container_id", m.containerId());
            Map<String, Object> decode = null;
            if (m.decode() != null) {
                decode = new LinkedHashMap<>();
                decode.put("device", m.decode().device());
                decode.put("bound_tokens_per_second", m.decode().boundTokensPerSecond());
                decode.put("expected_tokens_per_second", m.decode().expectedTokensPerSecond());
                decode.put("measured_tokens_per_second", m.decode().measuredTokensPerSecond());
                decode.put("measured_over_expected", m.decode().measuredOverExpected());
            }
            o.put("decode", decode);
            o.put("mismatch", m.predictedBytes() == null && m.predictedWeightsBytes() == null ? null : m.mismatch());
            o.put("notes", m.notes());
            models.add(o);
        }
        r.put("models", models);
        List<Object> users = new ArrayList<>();
        for (RunningNow.DeviceUser u : running.deviceProcesses()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("device", u.deviceId());
            o.put("pid", u.pid());
            o.put("process", u.process());
            o.put("kind", u.kind());
            o.put("command_line", u.commandLine());
            o.put("used_bytes", u.usedBytes());
            o.put("model_path", u.modelPath());
            o.put("container_id", u.containerId());
            users.add(o);
        }
        r.put("device_processes", users);
        List<Object> runtimes = new ArrayList<>();
        for (RuntimeReading rr : running.runtimes()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("url", rr.url());
            o.put("runtime", rr.runtime());
            o.put("error", rr.error());
            o.put("requests_running", rr.requestsRunning());
            o.put("generation_tokens_per_second", rr.generationTokensPerSecond());
            o.put("prompt_tokens_per_second", rr.promptTokensPerSecond());
            o.put("generation_tokens_total", rr.generationTokensTotal());
            Map<String, Object> kv = new LinkedHashMap<>();
            kv.put("used_fraction", rr.kvCache().usedFraction());
            kv.put("blocks", rr.kvCache().blocks());
            kv.put("block_tokens", rr.kvCache().blockTokens());
            kv.put("cache_type", rr.kvCache().cacheType());
            kv.put("gpu_memory_utilization", rr.kvCache().gpuMemoryUtilization());
            o.put("kv_cache", kv);
            List<Object> served = new ArrayList<>();
            for (LoadedRuntimeModel lm : rr.models()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("name", lm.name());
                x.put("model_path", lm.modelPath());
                x.put("size_bytes", lm.sizeBytes());
                x.put("device_bytes", lm.deviceBytes());
                x.put("context_tokens", lm.contextTokens());
                x.put("parameter_size", lm.parameterSize());
                x.put("quantization", lm.quantization());
                x.put("expires_at", lm.expiresAt());
                x.put("slots", lm.slots());
                x.put("slots_processing", lm.slotsProcessing());
                served.add(x);
            }
            o.put("models", served);
            o.put("notes", rr.notes());
            runtimes.add(o);
        }
        r.put("runtimes", runtimes);
        return r;
    }

    private static Map<String, Object> device(DeviceReport d) {
        DeviceIdentity id = d.identity();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id.id());
        m.put("backend", id.backend());
        m.put("name", id.name());
        m.put("vendor", id.vendor());
        m.put("type", id.type().word());
        m.put("catalog_id", id.catalogId());
        m.put("driver_version", id.driverVersion());
        m.put("platform", id.platform());
        m.put("uuid", id.uuid());
        m.put("pci_bus_id", id.pciBusId());
        m.put("compute_units", id.computeUnits());
        m.put("peak_fp16_flops_per_second", d.peakFp16Flops());

        MemoryReading r = d.memory();
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("total_bytes", r == null ? id.totalBytes() : r.totalBytes());
        memory.put("free_bytes", r == null ? null : r.freeBytes());
        memory.put("used_bytes", r == null ? null : r.usedBytes());
        memory.put("reserved_bytes", r == null ? null : r.reservedBytes());
        memory.put("free_source", r == null ? null : r.freeSource());
        memory.put("query_context_bytes", r == null ? null : r.queryContextBytes());
        memory.put("max_allocation_bytes", id.maxAllocationBytes());
        memory.put("global_cache_bytes", id.globalCacheBytes());
        memory.put("error", d.memoryError());
        memory.put("notes", r == null ? List.of() : r.notes());
        m.put("memory", memory);

        BandwidthResult b = d.bandwidth();
        Map<String, Object> bandwidth = new LinkedHashMap<>();
        bandwidth.put("read_bytes_per_second", b == null || b.read() == null ? null : b.read().bytesPerSecond());
        bandwidth.put("copy_bytes_per_second", b == null || b.copy() == null ? null : b.copy().bytesPerSecond());
        bandwidth.put("theoretical_bytes_per_second", b == null ? null : b.theoreticalBytesPerSecond());
        bandwidth.put("host_to_device_bytes_per_second",
                b == null || b.hostToDevice() == null ? null : b.hostToDevice().bytesPerSecond());
        bandwidth.put("device_to_host_bytes_per_second",
                b == null || b.deviceToHost() == null ? null : b.deviceToHost().bytesPerSecond());
        bandwidth.put("read_efficiency", b == null ? null : b.readEfficiency());
        bandwidth.put("read", b == null ? null : measurement(b.read()));
        bandwidth.put("copy", b == null ? null : measurement(b.copy()));
        bandwidth.put("host_to_device", b == null ? null : measurement(b.hostToDevice()));
        bandwidth.put("device_to_host", b == null ? null : measurement(b.deviceToHost()));
        bandwidth.put("seconds", b == null || b.read() == null || !b.read().measured() ? null : b.secondsSpent());
        HostLoad load = b == null ? null : b.load();
        bandwidth.put("host_load", load == null ? null : hostLoad(load));
        bandwidth.put("error", d.bandwidthError());
        m.put("bandwidth", bandwidth);
        m.put("attributes", d.attributes());
        List<Object> processes = null;
        if (d.processes() != null) {
            processes = new ArrayList<>();
            for (DeviceProcess p : d.processes()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("pid", p.pid());
                o.put("kind", p.kind());
                o.put("used_bytes", p.usedBytes());
                processes.add(o);
            }
        }
        m.put("processes", processes);
        m.put("error", null);
        return m;
    }

    /** A device the driver lists but that could not be read: its id, backend and the error; the rest unknown. */
    private static Map<String, Object> failed(DeviceFailure f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", f.id());
        m.put("backend", f.backend());
        m.put("name", null);
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("total_bytes", null);
        memory.put("free_bytes", null);
        m.put("memory", memory);
        Map<String, Object> bandwidth = new LinkedHashMap<>();
        bandwidth.put("read_bytes_per_second", null);
        bandwidth.put("copy_bytes_per_second", null);
        bandwidth.put("theoretical_bytes_per_second", null);
        bandwidth.put("host_to_device_bytes_per_second", null);
        m.put("bandwidth", bandwidth);
        m.put("error", f.error());
        return m;
    }

    /** What else the host's CPUs did during the benchmark. */
    private static Map<String, Object> hostLoad(HostLoad load) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("other_cpu_cores", load.otherCores());
        m.put("jvm_cpu_cores", load.jvmCores());
        m.put("cpu_cores", load.cores());
        m.put("load_average", load.loadAverage());
        m.put("busy", load.busy());
        return m;
    }

    private static Map<String, Object> measurement(BandwidthMeasurement x) {
        if (x == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytes_per_second", x.bytesPerSecond());
        m.put("counted", x.kind().counted());
        m.put("method", x.method());
        m.put("buffer_bytes", x.measured() ? x.bufferBytes() : null);
        m.put("bytes_per_pass", x.measured() ? x.bytesPerPass() : null);
        m.put("samples", x.samples());
        m.put("min_bytes_per_second", x.measured() ? x.minBytesPerSecond() : null);
        m.put("max_bytes_per_second", x.measured() ? x.maxBytesPerSecond() : null);
        m.put("spread", x.measured() ? x.spread() : null);
        m.put("converged", x.measured() ? x.converged() : null);
        m.put("seconds", x.secondsSpent());
        m.put("notes", x.notes());
        return m;
    }

}
