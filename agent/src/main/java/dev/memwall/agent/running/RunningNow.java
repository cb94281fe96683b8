package dev.memwall.agent.running;

import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.device.DeviceProcess;
import dev.memwall.device.host.HostProcesses;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.LlamaCppProfile;
import dev.memwall.estimator.fit.MemoryAccounting;
import dev.memwall.estimator.fit.MemoryEstimate;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.Recompute;
import dev.memwall.estimator.fit.RuntimeProfile;
import dev.memwall.estimator.fit.Verdict;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.LoadedModel;
import dev.memwall.estimator.source.ModelSources;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What is running now: every process holding a model (see {@link HostProcesses}), the model, its settings where the
 * command line shows them, and memwall's prediction for that model with those settings beside the process's real
 * resident memory. Predictions are made for GGUF files held by llama.cpp running on the CPU, where llama.cpp keeps
 * every buffer in host memory: weights (mapped from the file, plus the copies it repacks for the CPU's kernels),
 * KV cache, output and compute buffers, as {@code memwall fit --runtime llama.cpp} sizes them. The prediction is
 * what llama.cpp allocates; the process's resident memory is below it until the buffers have been used (a
 * compute buffer's worst case only with a full context), so only resident memory above the prediction, or
 * mapped weights that differ from it, is a note.
 *
 * @param models          the models held, process by process
 * @param deviceProcesses the processes drivers list on each device (NVML), with their device memory, largest
 *                        first per device; empty where no driver lists them
 * @param runtimes        what runtimes' local APIs said (Ollama, llama-server, vLLM), where one answers or the user
 *                        named it
 * @param unreadable      processes whose memory maps memwall may not read (another user's, without root or
 *                        {@code CAP_SYS_PTRACE})
 * @param examined        processes looked at
 */
public record RunningNow(List<RunningModel> models, List<DeviceUser> deviceProcesses, List<RuntimeReading> runtimes,
        int unreadable, int examined) {

    /**
     * A process holding memory on a device, as its driver lists it.
     *
     * @param deviceId   the device
     * @param pid        the process (the driver's pid: in a container without the host's PID namespace it may
     *                   name no process memwall can see)
     * @param usedBytes  device memory the driver attributes to it, or null when the driver hides it
     * @param kind       compute or graphics
     * @param process    its name, or null when memwall cannot see it
     * @param commandLine its command line, or null when memwall cannot read it
     * @param modelPath  the model file it holds where memwall sees one, else null
     * @param containerId the container it runs in, where memwall sees its control group name one, else null
     */
    public record DeviceUser(String deviceId, long pid, Long usedBytes, String kind, String process,
            List<String> commandLine, String modelPath, String containerId) {
    }

    public RunningNow {
        models = List.copyOf(models);
        deviceProcesses = List.copyOf(deviceProcesses);
        runtimes = List.copyOf(runtimes);
    }

    /** Models only (no driver lists device processes, no runtime asked). */
    public RunningNow(List<RunningModel> models, int unreadable, int examined) {
        this(models, List.of(), List.of(), unreadable, examined);
    }

    /** Models and device processes, no runtime asked. */
    public RunningNow(List<RunningModel> models, List<DeviceUser> deviceProcesses, int unreadable, int examined) {
        this(models, deviceProcesses, List.of(), unreadable, examined);
    }

    /**
     * The same with what the runtimes' APIs said; a model a process holds that a runtime reports by the same file
     * gets a note with the generation rate that runtime measured.
     */
    public RunningNow withRuntimes(List<RuntimeReading> readings) {
        List<RunningModel> noted = new ArrayList<>();
        for (RunningModel m : models) {
            List<String> notes = new ArrayList<>(m.notes());
            Double measured = null;
            for (RuntimeReading r : readings) {
                for (LoadedRuntimeModel served : r.models()) {
                    if (m.modelPath() != null && m.modelPath().equals(served.modelPath())) {
                        measured = r.generationTokensPerSecond() != null ? r.generationTokensPerSecond() : measured;
                        notes.add(r.runtime() + " at " + r.url() + " serves it" + (served.contextTokens() == null ? ""
                                : ", " + served.contextTokens() + " tokens of context per sequence")
                                + (r.generationTokensPerSecond() == null ? "" : String.format(Locale.ROOT,
                                        ", and measured its own generation at %.1f tokens/s",
                                        r.generationTokensPerSecond())));
                    }
                }
            }
            noted.add(notes.size() == m.notes().size() ? m : m.with(measured == null ? m.decode()
                    : new RunningModel.Decode(null, null, measured, null), m.mismatch(), notes));
        }
        return new RunningNow(noted, deviceProcesses, readings, unreadable, examined);
    }

    /** Nothing looked at (not Linux, or the scan was not made). */
    public static final RunningNow NONE = new RunningNow(List.of(), 0, 0);

    /** Scans this host's processes. */
    public static RunningNow scan() {
        return of(HostProcesses.scan(), Map.of());
    }

    /** Scans this host's processes, with the processes these devices' drivers list (device id to processes). */
    public static RunningNow scan(Map<String, List<DeviceProcess>> byDevice) {
        return of(HostProcesses.scan(), byDevice);
    }

    /**
     * The same with what the devices tell: for vLLM servers, the device memory predicted from their budget (below);
     * for llama.cpp with every layer on one GPU, that GPU's memory as fit sizes it; and memwall's decode bound and
     * expected rate for each predicted llama.cpp model on the device it runs on (its GPU, else the CPU device, the
     * one whose memory is the host's, with its measured read bandwidth), beside the rate its runtime measured where a
     * runtime reported one, and a note and the mismatch flag when the two are more than 10% apart.
     */
    public RunningNow withDevices(List<Capacity> devices) {
        Capacity cpu = null;
        for (Capacity c : devices) {
            if (c.hostMemory() && c.decodeBandwidth() != null) {
                cpu = c;
                break;
            }
        }
        List<RunningModel> out = new ArrayList<>();
        for (RunningModel m : models) {
            RunningModel d = cpu == null ? m : withDecode(m, cpu);
            List<DeviceUser> users = deviceProcesses.stream().filter(u -> u.pid() == m.pid()).toList();
            if (m.settings() instanceof VllmArgs v) {
                d = withVllmBudget(d, v, devices, users);
            } else if (m.settings() instanceof LlamaCppArgs l && l.gpuLayers() != null && l.gpuLayers() > 0) {
                d = withLlamaCppOnDevice(d, l, devices, users);
                // predicted on its GPU: the decode rates there too
                Capacity gpu = users.isEmpty() ? null : capacity(devices, users.get(0).deviceId());
                if (d.predictedBytes() != null && gpu != null && gpu.decodeBandwidth() != null) {
                    d = withDecode(d, gpu);
                }
            }
            out.add(d);
        }
        return new RunningNow(out, deviceProcesses, runtimes, unreadable, examined);
    }

    /**
     * vLLM's device memory: at start it takes {@code gpu_memory_utilization} (its release's default where not given)
     * of each device's total as its budget and fills what its weights and activations leave with KV cache blocks,
     * so the process holds its budget whatever the model, plus the CUDA context, which it creates before it
     * measures (memwall's vLLM profile). Predicted per device the process holds memory on, beside what the driver
     * attributes to it.
     */
    private static RunningModel withVllmBudget(RunningModel m, VllmArgs v, List<Capacity> devices,
            List<DeviceUser> users) {
        RuntimeProfile.Vllm profile = RuntimeProfile.Vllm.serve(v.gpuMemoryUtilization(),
                dev.memwall.estimator.fit.VllmVersion.CURRENT, dev.memwall.estimator.fit.VllmDtype.AUTO);
        long predicted = 0;
        int on = 0;
        for (DeviceUser u : users) {
            for (Capacity c : devices) {
                if (c.id().equals(u.deviceId())) {
                    predicted += profile.budgetBytes(c.totalBytes()) + c.overheadBytes();
                    on++;
                }
            }
        }
        if (on == 0) {
            return m;
        }
        List<String> notes = new ArrayList<>(m.notes());
        notes.add(String.format(Locale.ROOT, "vLLM takes gpu_memory_utilization %.2f%s of each device's total, plus "
                + "the CUDA context: predicted over %d device(s)", profile.gpuMemoryUtilization(),
                v.gpuMemoryUtilization() == null ? " (its default)" : "", on));
        return m.withPrediction(predicted, deviceMismatch(m, predicted, notes) || m.mismatch(), notes);
    }

    /** Whether the process's device memory is more than 10% from the prediction; a note says so where it is. */
    private static boolean deviceMismatch(RunningModel m, long predicted, List<String> notes) {
        if (m.deviceBytes() == null || Math.abs(m.deviceBytes() - predicted) <= RunningModel.MISMATCH * predicted) {
            return false;
        }
        notes.add(String.format(Locale.ROOT, "its device memory (%s) is %+.0f%% from memwall's prediction (%s)",
                gib(m.deviceBytes()), (m.deviceBytes() / (double) predicted - 1) * 100, gib(predicted)));
        return true;
    }

    /** The device with this id among these, or null. */
    private static Capacity capacity(List<Capacity> devices, String id) {
        for (Capacity c : devices) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        return null;
    }

    /**
     * llama.cpp with every layer and the output layer on one GPU ({@code -ngl} above the model's layer count): the
     * device memory {@code fit --runtime llama.cpp} predicts on that device (weights less the input embedding, which
     * stays in host memory; KV cache; the GPU's compute buffer; the device's runtime overhead, a CUDA context),
     * beside what the driver attributes to the process. Partial offload and a split over several devices are named,
     * not predicted.
     */
    private static RunningModel withLlamaCppOnDevice(RunningModel m, LlamaCppArgs llama, List<Capacity> devices,
            List<DeviceUser> users) {
        if (users.isEmpty() || m.modelPath() == null || m.modelPath().toLowerCase(Locale.ROOT)
                .endsWith(".safetensors")) {
            return m;
        }
        List<String> notes = new ArrayList<>(m.notes());
        Capacity device = capacity(devices, users.get(0).deviceId());
        long onDevices = users.stream().map(DeviceUser::deviceId).distinct().count();
        try {
            LoadedModel model = load(m.modelPath());
            Precision k = kv(llama.cacheTypeK());
            if (model.spec() == null || model.weights() == null) {
                return m;
            }
            if (onDevices > 1) {
                notes.add("its memory is split over " + onDevices + " devices: the split is not predicted");
            } else if (device == null || device.hostMemory()) {
                return m;
            } else if (llama.gpuLayers() <= model.spec().layers()) {
                notes.add(String.format(Locale.ROOT, "%d of %d layers on the GPU%s: partial offload is not predicted",
                        llama.gpuLayers(), model.spec().layers(), llama.gpuLayers() == model.spec().layers()
                                ? " (the output layer stays on the CPU)" : ""));
            } else if (k == null || !k.equals(kv(llama.cacheTypeV()))) {
                notes.removeIf(n -> n.startsWith(OFFLOADED));
                notes.add(kvTypesNote(llama));
            } else if (llama.contextTokens() == null) {
                notes.removeIf(n -> n.startsWith(OFFLOADED));
                notes.add("no prediction on " + device.id() + ": the context it was started with is not on its "
                        + "command line (-c/--ctx-size)");
            } else {
                MemoryEstimate e = MemoryAccounting.estimate(model.spec(), model.weights(), workload(llama, k), 1,
                        device.overhead(), false);
                long predicted = e.totalBytes();
                notes.removeIf(n -> n.startsWith(OFFLOADED));
                notes.add(String.format(Locale.ROOT, "every layer on %s (-ngl %s): predicted as fit --runtime "
                        + "llama.cpp sizes it there, with the device's %s", device.id(), llama.gpuLayers()
                        == Integer.MAX_VALUE ? "all" : String.valueOf(llama.gpuLayers()), device.overhead() == null
                        ? "runtime overhead (none known)" : device.overhead().name()));
                return m.withPrediction(predicted, deviceMismatch(m, predicted, notes) || m.mismatch(), notes);
            }
        } catch (Exception e) {
            return m;
        }
        return m.withPrediction(m.predictedBytes(), m.mismatch(), notes);
    }

    /** The start of the note a process with layers on a GPU gets until a device's figures predict it. */
    private static final String OFFLOADED = "layers offloaded to a GPU (-ngl ";

    private static RunningModel withDecode(RunningModel m, Capacity device) {
        if (m.predictedBytes() == null || m.modelPath() == null || !(m.settings() instanceof LlamaCppArgs llama)) {
            return m;
        }
        Verdict.Decode d;
        try {
            LoadedModel model = load(m.modelPath());
            Workload w = workload(llama, kv(llama.cacheTypeK()));
            Verdict v = new FitPlanner(model.spec(), model.weights()).evaluate(w, device.withFreeBytes(null), 1,
                    HostCapacity.UNKNOWN);
            d = v.decode();
        } catch (Exception e) {
            return m;
        }
        if (d == null || d.boundTokensPerSecond() == null) {
            return m;
        }
        Double measured = m.decode() == null ? null : m.decode().measuredTokensPerSecond();
        RunningModel.Decode decode = new RunningModel.Decode(d.boundTokensPerSecond(), d.expectedTokensPerSecond(),
                measured, device.id());
        List<String> notes = new ArrayList<>(m.notes());
        boolean mismatched = m.mismatch();
        Double ratio = decode.measuredOverExpected();
        if (ratio != null && Math.abs(ratio - 1) > RunningModel.MISMATCH) {
            mismatched = true;
            notes.add(String.format(Locale.ROOT, "its runtime measured %.1f tokens/s, %+.0f%% from the %.1f memwall "
                    + "expects on %s (bound %.1f)", measured, (ratio - 1) * 100, decode.expectedTokensPerSecond(),
                    device.id(), decode.boundTokensPerSecond()));
        }
        return m.with(decode, mismatched, notes);
    }

    /** The processes each device of a probe lists (devices whose backend cannot tell are left out). */
    public static Map<String, List<DeviceProcess>> byDevice(List<ProbeReport.DeviceReport> devices) {
        Map<String, List<DeviceProcess>> out = new LinkedHashMap<>();
        for (ProbeReport.DeviceReport d : devices) {
            if (d.processes() != null) {
                out.put(d.identity().id(), d.processes());
            }
        }
        return out;
    }

    /** The models these processes hold, with predictions, and who holds memory on each device. */
    public static RunningNow of(HostProcesses.Scan scan, Map<String, List<DeviceProcess>> byDevice) {
        return of(scan, byDevice, HostProcesses::describe);
    }

    /**
     * As above; {@code describe} reads a process the scan did not return (one holding device memory but no model file
     * or llama.cpp library: a vLLM server, whose weights are on the device and whose files are closed).
     */
    static RunningNow of(HostProcesses.Scan scan, Map<String, List<DeviceProcess>> byDevice,
            java.util.function.LongFunction<HostProcesses.HostProcess> describe) {
        Map<Long, HostProcesses.HostProcess> byPid = new HashMap<>();
        scan.processes().forEach(p -> byPid.put(p.pid(), p));
        Map<Long, Long> deviceBytes = new HashMap<>();
        Map<Long, Optional<HostProcesses.HostProcess>> described = new HashMap<>();
        List<DeviceUser> users = new ArrayList<>();
        for (Map.Entry<String, List<DeviceProcess>> e : byDevice.entrySet()) {
            List<DeviceProcess> sorted = new ArrayList<>(e.getValue());
            sorted.sort(Comparator.comparing((DeviceProcess p) -> p.usedBytes() == null ? -1 : p.usedBytes())
                    .reversed().thenComparingLong(DeviceProcess::pid));
            for (DeviceProcess p : sorted) {
                // A process the scan did not return (no model file or llama.cpp library) is read once here.
                HostProcesses.HostProcess seen = byPid.containsKey(p.pid()) ? byPid.get(p.pid())
                        : described.computeIfAbsent(p.pid(), pid -> Optional.ofNullable(describe.apply(pid)))
                                .orElse(null);
                String model = seen == null || seen.models().isEmpty() ? null : seen.models().get(0).path();
                users.add(new DeviceUser(e.getKey(), p.pid(), p.usedBytes(), p.kind(),
                        seen == null ? null : seen.name(), seen == null ? null : seen.commandLine(), model,
                        seen == null ? null : seen.containerId()));
                if (p.usedBytes() != null) {
                    deviceBytes.merge(p.pid(), p.usedBytes(), Long::sum);
                }
            }
        }
        List<RunningModel> models = new ArrayList<>();
        for (HostProcesses.HostProcess p : scan.processes()) {
            for (RunningModel m : of(p)) {
                models.add(deviceBytes.containsKey(m.pid()) ? m.withDeviceBytes(deviceBytes.get(m.pid())) : m);
            }
        }
        // Processes on devices the scan did not return: a vLLM server is named by its command line.
        for (Optional<HostProcesses.HostProcess> d : described.values()) {
            HostProcesses.HostProcess p = d.orElse(null);
            VllmArgs v = p == null ? null : VllmArgs.parse(p.commandLine());
            if (v != null) {
                models.add(new RunningModel(p.pid(), p.name(), "vllm", v.model(), null, v, p.residentBytes(), null,
                        null, null, deviceBytes.get(p.pid()), p.containerId(), false, null, List.of()));
            }
        }
        return new RunningNow(models, users, List.of(), scan.unreadable(), scan.examined());
    }

    /** One entry per model file the process holds (one without a model where it holds a runtime only). */
    public static List<RunningModel> of(HostProcesses.HostProcess p) {
        String runtime = p.runsLlamaCpp() ? "llama.cpp" : null;
        LlamaCppArgs settings = runtime != null || llamaProgram(p.commandLine()) ? LlamaCppArgs.parse(p.commandLine())
                : LlamaCppArgs.NONE;
        if (runtime == null && llamaProgram(p.commandLine())) {
            runtime = "llama.cpp";
        }
        List<RunningModel> out = new ArrayList<>();
        if (p.models().isEmpty()) {
            List<String> notes = new ArrayList<>();
            notes.add("has llama.cpp's libraries mapped but no model file mapped or open (a model read into memory "
                    + "and closed cannot be named)");
            out.add(new RunningModel(p.pid(), p.name(), runtime, null, null, settings, p.residentBytes(), null, null,
                    null, null, p.containerId(), false, null, notes));
            return out;
        }
        for (HostProcesses.ModelFile f : p.models()) {
            out.add(predicted(p, runtime, settings, f, p.models().size()));
        }
        return out;
    }

    private static boolean llamaProgram(List<String> commandLine) {
        if (commandLine == null || commandLine.isEmpty()) {
            return false;
        }
        String first = commandLine.get(0);
        String program = first.substring(first.lastIndexOf('/') + 1);
        return program.startsWith("llama-");
    }

    private static RunningModel predicted(HostProcesses.HostProcess p, String runtime, LlamaCppArgs settings,
            HostProcesses.ModelFile f, int files) {
        List<String> notes = new ArrayList<>();
        Long predicted = null;
        Long weights = null;
        Long mapped = null;
        boolean mismatch = false;
        if (p.commandLine() == null) {
            notes.add("its command line cannot be read");
        }
        if (!"llama.cpp".equals(runtime)) {
            notes.add("no prediction: the runtime holding it is not recognised (memwall predicts llama.cpp's "
                    + "memory; vLLM and others are not yet read from a process)");
        } else if (f.path().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            notes.add("no prediction: llama.cpp holds a file that is not GGUF");
        } else if (settings.gpuLayers() != null && settings.gpuLayers() > 0) {
            notes.add(OFFLOADED + (settings.gpuLayers() == Integer.MAX_VALUE ? "all"
                    : settings.gpuLayers()) + "): predicted only where a driver lists the process's device memory");
        } else {
            try {
                LoadedModel model = load(f.path());
                if (model.spec() == null || model.weights() == null) {
                    notes.add("no prediction: the file holds no architecture memwall reads");
                } else {
                    Precision k = kv(settings.cacheTypeK());
                    Precision v = kv(settings.cacheTypeV());
                    if (k == null || v == null || !k.equals(v)) {
                        notes.add(kvTypesNote(settings));
                    } else {
                        Workload w = workload(settings, k);
                        MemoryEstimate e = MemoryAccounting.estimate(model.spec(), model.weights(), w, 1, null, true);
                        weights = e.bytes("weights") + e.bytes("cpu_repack");
                        mapped = e.bytes("weights");
                        if (settings.contextTokens() == null) {
                            notes.add("the context it was started with is not on its command line (-c/--ctx-size): "
                                    + "only the weights are predicted");
                        } else {
                            predicted = e.totalBytes();
                            if (settings.flashAttention() == null) {
                                notes.add("flash attention not given on the command line: predicted without it");
                            }
                        }
                    }
                }
            } catch (Exception e) {
                notes.add("no prediction: the model file could not be read: " + e.getMessage());
            }
        }
        if (files > 1) {
            notes.add("the process holds " + files + " model files; each is predicted alone");
        }
        if (mapped != null && mapped > 0 && f.residentBytes() != null
                && Math.abs(f.residentBytes() - mapped) > RunningModel.MISMATCH * mapped) {
            mismatch = true;
            notes.add(String.format(Locale.ROOT, "the model file's resident pages (%s) are %+.0f%% from the weights "
                    + "memwall predicts llama.cpp maps (%s)", gib(f.residentBytes()),
                    (f.residentBytes() / (double) mapped - 1) * 100, gib(mapped)));
        }
        // What the runtime holds for the model: its anonymous memory (buffers, heaps) and the model's mapped pages;
        // the program's and its libraries' own pages (a GPU runtime's can be hundreds of MiB) are not predicted.
        // Where the anonymous part is unknown, the whole resident memory.
        boolean split = p.anonymousBytes() != null && f.residentBytes() != null;
        Long held = split ? Long.valueOf(p.anonymousBytes() + f.residentBytes()) : p.residentBytes();
        if (predicted != null && held != null && held > predicted * (1 + RunningModel.MISMATCH)) {
            mismatch = true;
            notes.add(String.format(Locale.ROOT, "%s: %s, %+.0f%% above memwall's prediction (%s): llama.cpp holds "
                    + "more than predicted, or the program's own memory is large", split
                    ? "its anonymous memory and the model's resident pages" : "its resident memory", gib(held),
                    (held / (double) predicted - 1) * 100, gib(predicted)));
        }
        return new RunningModel(p.pid(), p.name(), runtime, f.path(), f.sizeBytes(), settings, p.residentBytes(),
                f.residentBytes(), predicted, weights, null, p.containerId(), mismatch, null, notes);
    }

    private static String kvTypesNote(LlamaCppArgs settings) {
        return "no prediction: KV cache types " + settings.cacheTypeK() + "/" + settings.cacheTypeV()
                + " (memwall predicts one type for both)";
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }

    /** Model files read, by path, with the size and modification time they had: the last {@value #READ_KEPT}. */
    private record Read(String sizeAndTime, LoadedModel model) {
    }

    private static final Map<String, Read> READ = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Read> eldest) {
            return size() > READ_KEPT;
        }
    };
    static final int READ_KEPT = 16;

    /**
     * The model in this file, read once while it stays the same file (size and modification time): a probe reads it
     * for the memory prediction and again for the decode rates, and the agent at every sample.
     */
    static LoadedModel load(String path) throws Exception {
        java.nio.file.Path p = java.nio.file.Path.of(path);
        java.nio.file.attribute.BasicFileAttributes a = java.nio.file.Files.readAttributes(p,
                java.nio.file.attribute.BasicFileAttributes.class);
        String key = a.size() + "/" + a.lastModifiedTime().toMillis();
        synchronized (READ) {
            Read kept = READ.get(path);
            if (kept != null && kept.sizeAndTime().equals(key)) {
                return kept.model();
            }
        }
        LoadedModel model = ModelSources.load(path, ModelCatalog::builtIn);
        synchronized (READ) {
            READ.put(path, new Read(key, model));
        }
        return model;
    }

    /**
     * llama.cpp's workload with these settings (context 1 where the command line does not give one). {@code -c} is
     * the whole context, which llama.cpp pads to 256 and splits over the {@code -np} sequences; memwall's context is
     * per sequence, so it is that share (its n_ctx then pads to the same cells).
     */
    static Workload workload(LlamaCppArgs settings, Precision kv) {
        RuntimeProfile.LlamaCpp profile = new RuntimeProfile.LlamaCpp(settings.ubatchTokens() == null
                ? LlamaCppProfile.UBATCH_TOKENS : settings.ubatchTokens(), LlamaCppProfile.FIT_MARGIN_BYTES,
                Boolean.TRUE.equals(settings.flashAttention()), null);
        int sequences = settings.sequences() == null ? 1 : settings.sequences();
        long perSequence = settings.contextTokens() == null ? 1
                : sequences == 1 ? settings.contextTokens()
                : Math.max(1, (settings.contextTokens() + 255) / 256 * 256 / sequences);
        return new Workload(null, kv, perSequence, sequences, Mode.INFERENCE, Recompute.NONE, 16, 0, profile);
    }

    /** llama.cpp's KV type name as memwall's precision: f16 when not given (llama.cpp's default). */
    private static Precision kv(String type) {
        String t = type == null ? "f16" : type.toLowerCase(Locale.ROOT);
        String name = switch (t) {
            case "f16" -> "fp16";
            case "bf16" -> "bf16";
            case "f32" -> "fp32";
            default -> t;
        };
        return Precisions.kvCache(name).orElse(null);
    }
}
