package dev.memwall.agent.cli;

import dev.memwall.agent.fit.DeviceCapacities;
import dev.memwall.agent.fit.FitChoices;
import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.agent.probe.ProbeRunner;
import dev.memwall.agent.render.FitView;
import dev.memwall.agent.running.RunningNow;
import dev.memwall.agent.running.StopToFit;
import dev.memwall.agent.render.Json;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.EstimateTooLargeException;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.FitService;
import dev.memwall.estimator.fit.PrecisionPolicy;
import dev.memwall.estimator.fit.Verdict;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.LlamaCppProfile;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.Recompute;
import dev.memwall.estimator.fit.RuntimeProfile;
import dev.memwall.estimator.fit.VllmDtype;
import dev.memwall.estimator.fit.VllmVersion;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.source.LoadedModel;
import dev.memwall.estimator.source.ModelSources;
import dev.memwall.estimator.source.UnknownModelException;
import dev.memwall.estimator.units.Quantities;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code memwall fit MODEL...}: does it load now, at which precision, with how much context, and how fast. */
@Command(name = "fit", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"For each MODEL, on each probed (or simulated) device: does it fit now, when idle, at which "
                + "precision, with how much context, and the decode speed its memory bandwidth allows.",
            "Identical devices are also evaluated together with tensor parallel."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:fits now on at least one device (each MODEL)", "1:a backend or device failed",
            "2:bad usage or bad input", "3:a MODEL fits on no device now"})
final class FitCommand implements Callable<Integer> {

    static final long DEFAULT_CONTEXT = 8192;

    @Spec
    CommandSpec spec;

    @Mixin
    DeviceOptions devices;

    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "A catalog id, config.json, model folder, "
            + ".safetensors, model.safetensors.index.json or .gguf file.")
    List<String> models;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "auto",
            description = "Weight precision (bf16, fp8, int8, int4, nf4, mxfp4, q4_k_m, ...) or auto: the best that "
                    + "fits on each device (a weight file's own precision for files). Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(names = "--kv-precision", paramLabel = "P", defaultValue = "auto",
            description = "KV cache precision: fp16, bf16, fp8, q8_0, q4_0, or auto: the runtime's own (vllm: its "
                    + "--dtype, as --kv-cache-dtype auto; otherwise fp16). Default: ${DEFAULT-VALUE}.")
    String kvPrecision;

    @Option(names = "--context", paramLabel = "N", description = "Tokens per sequence. Default: 8192, or the "
            + "model's maximum when smaller.")
    Long context;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1", description = "Concurrent sequences. Default: 1.")
    int batch;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "inference",
            description = "inference, training (full fine-tuning, mixed-precision Adam), lora (frozen base, rank-r "
                    + "adapters) or qlora (4-bit NF4 base, bf16 adapters). Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--recompute", paramLabel = "R", defaultValue = "none",
            description = "Activation recomputation when training: none, selective or full. Default: ${DEFAULT-VALUE}.")
    String recompute;

    @Option(names = "--zero", paramLabel = "STAGE",
            description = "ZeRO stage (0-3) for --mode training over identical devices (data parallel). Default: 0.")
    Integer zero;

    @Option(names = "--lora-rank", paramLabel = "R", defaultValue = "16",
            description = "Adapter rank for lora and qlora. Default: ${DEFAULT-VALUE}.")
    int loraRank;

    @Option(names = "--runtime", paramLabel = "RUNTIME", defaultValue = "generic",
            description = "Memory profile: generic (weights + KV cache + workspace + CUDA context), vllm "
                    + "(gpu_memory_utilization x total; the rest after weights and activations is KV cache) or "
                    + "llama.cpp (compute buffer by micro-batch, input embedding in host memory, 1 GiB --fit margin). "
                    + "Default: ${DEFAULT-VALUE}.")
    String runtime;

    @Option(names = "--gpu-memory-utilization", paramLabel = "U",
            description = "vllm: the fraction of total memory the instance takes, in (0, 1]. Default: vLLM's, 0.92 "
                    + "from 0.21, 0.9 before.")
    Double gpuMemoryUtilization;

    @Option(names = "--dtype", paramLabel = "D",
            description = "vllm: its --dtype (auto, half, float16, bfloat16, float, float32), the dtype of "
                    + "activations, of unquantized weights and of the auto KV cache; auto runs float32 checkpoints in "
                    + "bfloat16. Default: auto.")
    String dtype;

    @Option(names = "--vllm-version", paramLabel = "V",
            description = "vllm: the release whose memory arithmetic applies (0.21 and later subtract CUDA graph "
                    + "memory from the budget; 0.19 does not). Default: 0.21.")
    String vllmVersion;

    @Option(names = "--no-flash-attn", description = "Flash attention off. llama.cpp (-fa off): attention scores "
            + "then sit in the compute buffer, and a quantized V cache is refused. Training: each layer keeps its "
            + "s x s attention scores (the default, flash attention / SDPA, keeps none).")
    boolean noFlashAttention;

    @Option(names = "--ubatch", paramLabel = "N", description = "llama.cpp's micro-batch (-ub): tokens per graph "
            + "step, which size the compute buffer (and a sliding-window cache). Default: 512.")
    Integer ubatch;

    @Option(names = "--threads", paramLabel = "N", description = "llama.cpp's CPU threads (-t), for the decode rate "
            + "expected on a CPU device: each thread computes on one core, and more threads than cores wait on each "
            + "other. Default: one per core, as llama.cpp.")
    Integer threads;

    @Option(names = "--min-precision", paramLabel = "CLASS", defaultValue = "4bit",
            description = "The lowest precision class offered when choosing one: 16bit, 8bit, 6bit, 5bit, 4bit, 3bit or "
                    + "2bit (or a precision's name for its class). 3- and 2-bit formats lose much quality and are "
                    + "proposed only when asked. Default: ${DEFAULT-VALUE}.")
    String minPrecision;

    @Option(names = "--host-bandwidth", paramLabel = "RATE", description = "Host memory read bandwidth (e.g. 80GB/s) "
            + "for the decode bound of partial offload. Default: a CPU OpenCL device's measured read, else unknown.")
    String hostBandwidth;

    @Option(names = "--no-bench", description = "Skip the bandwidth benchmark; decode bounds use theoretical bandwidth.")
    boolean noBench;

    @Option(names = "--json", description = "Print memwall.fit.v1, one document per MODEL (one per line when several).")
    boolean json;

    @Option(names = "--explain", description = "Print every memory item's formula with its numbers, and the roofline.")
    boolean explain;

    @Override
    public Integer call() {
        Mode m = choice(() -> FitChoices.mode(mode, "--mode"));
        Recompute r = switch (recompute.toLowerCase(Locale.ROOT)) {
            case "none" -> Recompute.NONE;
            case "selective" -> Recompute.SELECTIVE;
            case "full" -> Recompute.FULL;
            default -> throw new BadInputException("unknown recomputation '" + recompute + "' for --recompute; choose "
                    + "none, selective or full");
        };
        if (zero != null && (zero < 0 || zero > 3)) {
            throw new BadInputException("--zero must be 0, 1, 2 or 3, was " + zero);
        }
        if (zero != null && m != Mode.TRAINING) {
            throw new BadInputException("--zero shards full training over identical devices; it applies to --mode "
                    + "training only (this is --mode " + m.word() + ")");
        }
        int minClass = choice(() -> FitChoices.minPrecision(minPrecision, "--min-precision"));
        if (loraRank < 1 || loraRank > 65_536) {
            throw new BadInputException("--lora-rank must be between 1 and 65536, was " + loraRank);
        }
        if (gpuMemoryUtilization != null && !(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
            throw new BadInputException("--gpu-memory-utilization must be in (0, 1], was " + gpuMemoryUtilization);
        }
        if (ubatch != null && (ubatch < 1 || ubatch > Workload.MAX_CONTEXT_TOKENS)) {
            throw new BadInputException("--ubatch must be between 1 and " + Workload.MAX_CONTEXT_TOKENS + ", was "
                    + ubatch);
        }
        if (threads != null && (threads < 1 || threads > RuntimeProfile.LlamaCpp.MAX_THREADS)) {
            throw new BadInputException("--threads must be between 1 and " + RuntimeProfile.LlamaCpp.MAX_THREADS
                    + ", was " + threads);
        }
        VllmVersion version = vllmVersion == null ? VllmVersion.CURRENT
                : choice(() -> VllmVersion.parse(vllmVersion, "--vllm-version"));
        VllmDtype runtimeDtype = dtype == null ? VllmDtype.AUTO : choice(() -> VllmDtype.parse(dtype, "--dtype"));
        RuntimeProfile profile = switch (choice(() -> FitChoices.runtime(runtime, "--runtime"))) {
            case FitChoices.VLLM -> RuntimeProfile.Vllm.serve(gpuMemoryUtilization, version, runtimeDtype);
            case FitChoices.LLAMA_CPP -> new RuntimeProfile.LlamaCpp(ubatch == null ? LlamaCppProfile.UBATCH_TOKENS
                    : ubatch, LlamaCppProfile.FIT_MARGIN_BYTES, !noFlashAttention, threads);
            default -> new RuntimeProfile.Generic(!noFlashAttention);
        };
        if (ubatch != null && !(profile instanceof RuntimeProfile.LlamaCpp)) {
            throw new BadInputException("--ubatch applies to --runtime llama.cpp only");
        }
        if (threads != null && !(profile instanceof RuntimeProfile.LlamaCpp)) {
            throw new BadInputException("--threads applies to --runtime llama.cpp only");
        }
        if (gpuMemoryUtilization != null && !(profile instanceof RuntimeProfile.Vllm)) {
            throw new BadInputException("--gpu-memory-utilization applies to --runtime vllm only");
        }
        if (dtype != null && !(profile instanceof RuntimeProfile.Vllm)) {
            throw new BadInputException("--dtype applies to --runtime vllm only");
        }
        if (vllmVersion != null && !(profile instanceof RuntimeProfile.Vllm)) {
            throw new BadInputException("--vllm-version applies to --runtime vllm only");
        }
        if (noFlashAttention && !(profile instanceof RuntimeProfile.LlamaCpp) && !m.trains()) {
            throw new BadInputException("--no-flash-attn applies to --runtime llama.cpp and to training; the "
                    + profile.word() + " runtime's inference keeps no attention scores");
        }
        if (m.trains() && !(profile instanceof RuntimeProfile.Generic)) {
            throw new BadInputException("--runtime " + profile.word() + " is an inference engine; --mode " + m.word()
                    + " needs --runtime generic");
        }
        Double hostRead = null;
        if (hostBandwidth != null) {
            try {
                hostRead = (double) Quantities.parseBytesPerSecond(hostBandwidth);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--host-bandwidth: " + e.getMessage());
            }
        }
        Precision weights = choice(() -> FitChoices.weightOrAuto(precision, "--precision"));
        Precision kv = choice(() -> FitChoices.kvOrAuto(kvPrecision, "--kv-precision"));
        if (context != null && (context < 1 || context > Workload.MAX_CONTEXT_TOKENS)) {
            throw new BadInputException("--context must be between 1 and " + Workload.MAX_CONTEXT_TOKENS
                    + " tokens, was " + context);
        }
        if (batch < 1 || batch > Workload.MAX_BATCH) {
            throw new BadInputException("--batch must be between 1 and " + Workload.MAX_BATCH + ", was " + batch);
        }
        if (kv != null && !profile.offersKv(kv)) {
            throw new BadInputException("--runtime " + profile.word() + " offers no " + kv.name() + " KV cache "
                    + "(--kv-precision); it offers " + String.join(", ", profile.kvPrecisions()));
        }
        if (profile instanceof RuntimeProfile.LlamaCpp l && !l.flashAttention() && kv != null
                && !kv.name().startsWith("fp") && !kv.name().equals("bf16")) {
            throw new BadInputException("llama.cpp needs flash attention for a quantized V cache; --kv-precision "
                    + kv.name() + " cannot go with --no-flash-attn");
        }
        if (m == Mode.QLORA && weights != null) {
            throw new BadInputException("--mode qlora keeps the base in 4-bit NF4; --precision " + weights.name()
                    + " does not apply (leave it at auto, or use --mode lora)");
        }
        if (m == Mode.TRAINING && weights != null && weights.bitsPerWeight() < 16) {
            throw new BadInputException("--mode training trains in mixed precision (fp16/bf16 weights, fp32 master "
                    + "copy); --precision " + weights.name() + " is for inference or a lora base");
        }
        List<LoadedModel> loaded = new ArrayList<>();
        for (String model : models) {
            loaded.add(load(model, weights, m));
        }

        ProbeReport report = new ProbeRunner().run(devices.backends(),
                noBench ? null : BenchmarkSettings.defaults(), json ? ProbeRunner.Progress.NONE
                        : TerminalProgress.forStderr(spec.commandLine().getErr()));
        List<Capacity> capacities = new ArrayList<>();
        report.devices().forEach(d -> capacities.add(DeviceCapacities.of(d)));
        PrintWriter out = spec.commandLine().getOut();
        if (capacities.isEmpty()) {
            throw new RuntimeFailureException("no device to fit on: the probe found none (try --simulate SPEC, e.g. "
                    + "--simulate h100-sxm)");
        }
        HostCapacity host = DeviceCapacities.host(report.host() == null ? null : report.host().availableBytes(),
                hostRead, report.devices());
        boolean allFit = true;
        // Who holds memory on each device, where a driver lists it: for "what would fit if it stopped".
        RunningNow running = RunningNow.scan(RunningNow.byDevice(report.devices()));
        for (LoadedModel model : loaded) {
            ModelSpec s = model.spec();
            PrecisionPolicy policy = PrecisionPolicy.of(s, minClass);
            Precision asked = profile instanceof RuntimeProfile.Vllm v && v.dtype() != VllmDtype.AUTO
                    && model.weights() == null ? vllmDtypeWeights(v, s, policy, weights)
                    : weights == null ? null : choice(() -> policy.resolve(weights, profile, s.id()));
            Workload workload = new Workload(FitChoices.forMode(m, asked), kv != null ? kv : profile.autoKv(s),
                    context != null ? context : Math.min(DEFAULT_CONTEXT, s.maxContext()), batch, m, r, loraRank,
                    zero == null ? 0 : zero, profile);
            List<Verdict> rows;
            FitPlanner planner = new FitPlanner(s, model.weights(), policy);
            List<StopToFit> stops = new ArrayList<>();
            try {
                rows = FitService.rows(planner, workload, capacities, host);
                for (Verdict row : rows) {
                    for (Capacity c : capacities) {
                        StopToFit stop = c.id().equals(row.label()) ? StopToFit.of(row, planner, workload, c, host,
                                running.deviceProcesses()) : null;
                        if (stop != null) {
                            stops.add(stop);
                        }
                    }
                }
            } catch (EstimateTooLargeException e) {
                throw new BadInputException("fit " + e.getMessage());
            }
            if (devices.simulatesAll()) {
                rows = ranked(rows);
            }
            allFit &= rows.stream().anyMatch(Verdict::fitsNow);
            if (json) {
                var doc = FitView.document(model, workload, rows, stops);
                out.println(loaded.size() > 1 ? Json.writeCompact(doc) : Json.write(doc));
            } else {
                out.print(FitView.table(model, workload, rows, explain, stops));
                if (loaded.size() > 1) {
                    out.println();
                }
            }
        }
        out.flush();
        if (report.hasErrors()) {
            return Main.RUNTIME_FAILURE;
        }
        return allFit ? Main.OK : Main.DOES_NOT_FIT;
    }

    /**
     * The weights under vLLM with an explicit {@code --dtype}: an unquantized checkpoint is loaded in that dtype
     * (upcast too, as vLLM does when told); a checkpoint published quantized, or a quantized {@code --precision},
     * keeps its format.
     */
    private static Precision vllmDtypeWeights(RuntimeProfile.Vllm v, ModelSpec s, PrecisionPolicy policy,
            Precision asked) {
        Precision published = policy.published();
        boolean quantized = published != null && (published.bitsPerWeight() < 16 || published.expertsOnly());
        if (quantized || (asked != null && asked.bitsPerWeight() < 16)) {
            return asked == null ? null : choice(() -> policy.resolve(asked, v, s.id()));
        }
        Precision runtime = v.dtype().resolve(s);
        if (asked != null && !asked.name().equals(runtime.name())) {
            throw new BadInputException("--precision " + asked.name() + " disagrees with --dtype " + v.dtype().word()
                    + ": vLLM loads unquantized weights in its --dtype (leave --precision at auto)");
        }
        return runtime;
    }

    /** A choice read from its option, a bad one as bad input (exit 2). */
    private static <T> T choice(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }

    private static LoadedModel load(String model, Precision weights, Mode mode) {
        LoadedModel loaded;
        try {
            loaded = ModelSources.load(model, ModelCatalog::builtIn);
        } catch (ModelFormatException | UnknownModelException e) {
            throw new BadInputException(e.getMessage());
        } catch (IOException e) {
            throw new RuntimeFailureException("could not read " + model + ": " + e.getMessage());
        }
        if (loaded.spec() == null) {
            throw new BadInputException(model + " holds weights but no architecture (no config.json beside them); "
                    + "fit needs one");
        }
        if (loaded.weights() != null && weights != null) {
            throw new BadInputException(model + " stores its weights at a fixed precision; --precision " + weights.name()
                    + " cannot change a file (leave it at auto, or give a catalog id or config.json)");
        }
        if (mode == Mode.TRAINING && "gguf".equals(loaded.kind())) {
            throw new BadInputException(model + " is a GGUF file, a quantised inference format; training needs the "
                    + "model's config.json or catalog id");
        }
        return loaded;
    }

    /**
     * "Which hardware runs this model": devices where it fits now first, then when idle, then by the quality of the
     * precision used, then by the decode speed.
     */
    static List<Verdict> ranked(List<Verdict> rows) {
        List<Verdict> sorted = new ArrayList<>(rows);
        sorted.sort(java.util.Comparator.<Verdict>comparingInt(r -> r.state().ordinal())
                .thenComparingInt(r -> -r.precision().quality())
                .thenComparingDouble(r -> r.decode() == null || r.decode().boundTokensPerSecond() == null ? 0
                        : -r.decode().boundTokensPerSecond()));
        return sorted;
    }
}
