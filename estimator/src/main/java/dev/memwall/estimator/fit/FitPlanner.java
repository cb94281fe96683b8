package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.source.WeightInventory;
import dev.memwall.estimator.units.Quantities;
import dev.memwall.estimator.units.Saturating;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides what fits where and resolves the whole answer once: the state and its reason, best precision, largest
 * context and batch, decode speed, roofline and the partial-offload plan ({@link Verdict}).
 *
 * <p>"Available" is the free memory now when the device reports it, else the idle device (total less reserved):
 * nothing is ever said to fit <em>now</em> on a device whose free memory is unknown.
 */
public final class FitPlanner {

    private final ModelSpec spec;
    private final WeightInventory weights;
    private final PrecisionPolicy policy;

    /**
     * @param spec    the architecture
     * @param weights exact bytes from files (their precision is then fixed), or null
     * @param policy  which precisions the model is offered at
     */
    public FitPlanner(ModelSpec spec, WeightInventory weights, PrecisionPolicy policy) {
        this.spec = spec;
        this.weights = weights;
        this.policy = policy;
    }

    /** A planner with the default precision policy. */
    public FitPlanner(ModelSpec spec, WeightInventory weights) {
        this(spec, weights, PrecisionPolicy.of(spec));
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The weight files, or null for an architecture alone. */
    public WeightInventory weights() {
        return weights;
    }

    public PrecisionPolicy policy() {
        return policy;
    }

    /** The model on {@code devices} devices like {@code device}, the host unknown. */
    public Verdict evaluate(Workload workload, Capacity device, int devices) {
        return evaluate(workload, device, devices, HostCapacity.UNKNOWN, device.id());
    }

    public Verdict evaluate(Workload workload, Capacity device, int devices, HostCapacity host) {
        return evaluate(workload, device, devices, host, device.id());
    }

    /**
     * The model on {@code devices} devices like {@code device} (tensor parallel for inference, data parallel for
     * training when more than one) at the workload as given.
     */
    public Verdict evaluate(Workload asked, Capacity device, int devices, HostCapacity host, String label) {
        try {
            return evaluateOrOverflow(asked, device, devices, host, label);
        } catch (ArithmeticException e) {
            // A figure derived from the estimate (an offload split, a KV pool) past 64 bits: the same refusal.
            throw new EstimateTooLargeException(spec.id(), asked);
        }
    }

    private Verdict evaluateOrOverflow(Workload asked, Capacity device, int devices, HostCapacity host,
            String label) {
        Workload workload = onDevice(asked, device);
        MemoryEstimate estimate = estimate(workload, device, devices);
        if (estimate.beyondRepresentable()) {
            throw new EstimateTooLargeException(spec.id(), asked);
        }
        long need = estimate.totalBytes();
        RuntimeProfile runtime = workload.runtime();
        long total = device.totalBytes();
        long overhead = device.overheadBytes();
        long idle = device.idleBytes();
        Long free = device.freeNowBytes();
        boolean startsIdle = runtime.starts(total, idle, overhead);
        long usableIdle = runtime.usableBytes(total, idle, overhead);
        boolean startsNow = free != null && runtime.starts(total, free, overhead);
        long usableNow = free == null ? 0 : runtime.usableBytes(total, free, overhead);
        boolean fitsIdle = startsIdle && need <= usableIdle;
        boolean fitsNow = startsNow && need <= usableNow && fitsIdle;
        boolean judgedNow = free != null;
        long available = judgedNow ? usableNow : usableIdle;
        boolean starts = judgedNow ? startsNow : startsIdle;

        Verdict.State state;
        String reason;
        if (device.readingError() != null) {
            state = Verdict.State.UNKNOWN;
            reason = "the device's memory could not be read: " + device.readingError();
        } else if (fitsNow) {
            state = Verdict.State.FITS_NOW;
            reason = String.format(Locale.ROOT, "needs %s of the %s it may use now", Quantities.gib(need),
                    Quantities.gib(available));
        } else if (fitsIdle) {
            state = Verdict.State.FITS_WHEN_IDLE;
            reason = judgedNow && !startsNow
                    ? String.format(Locale.ROOT, "%s does not start with the memory free now; needs %s of the %s usable "
                            + "when the device is idle", runtime.word(), Quantities.gib(need), Quantities.gib(usableIdle))
                    : judgedNow
                    ? String.format(Locale.ROOT, "needs %s; %s usable now, %s when the device is idle",
                            Quantities.gib(need), Quantities.gib(Math.max(0, usableNow)), Quantities.gib(usableIdle))
                    : String.format(Locale.ROOT, "needs %s of the %s usable when the device is idle; this driver does "
                            + "not report free memory, so it cannot be said to fit now", Quantities.gib(need),
                            Quantities.gib(usableIdle));
        } else {
            state = Verdict.State.DOES_NOT_FIT;
            reason = !starts ? runtime.word() + " does not start with the memory "
                    + (judgedNow ? "free now" : "of the idle device")
                    : String.format(Locale.ROOT, "needs %s; %s usable %s", Quantities.gib(need),
                            Quantities.gib(Math.max(0, available)), judgedNow ? "now" : "when the device is idle");
        }
        if (device.limit() != null) {
            reason += "; " + device.limit().how();
        }

        Precision best = starts ? best(workload, device, devices, available) : null;
        Long maxContext = starts ? maxContext(asked, device, devices, available) : null;
        Integer maxBatch = starts ? maxBatch(workload, device, devices, available) : null;

        WeightBytes bytes = WeightBytes.of(weights, spec, workload);
        Roofline roofline = Roofline.of(spec, bytes, devices, workload, device);
        boolean layered = !(runtime instanceof RuntimeProfile.Vllm);
        boolean fits = state == Verdict.State.FITS_NOW || state == Verdict.State.FITS_WHEN_IDLE;
        Offload offload = state == Verdict.State.DOES_NOT_FIT && starts && devices == 1
                && workload.mode() == Mode.INFERENCE && layered
                ? offload(workload, estimate, available, bytes, device, host) : null;
        KvPool pool = runtime instanceof RuntimeProfile.Vllm ? kvPool(workload, estimate, available, devices) : null;
        List<String> notes = new ArrayList<>();
        if (runtime instanceof RuntimeProfile.Vllm v && !starts) {
            long base = judgedNow ? free : idle;
            long beside = base - overhead;
            double would = Math.floor(Math.max(0, beside) * 100.0 / total) / 100;
            notes.add(String.format(Locale.ROOT, "vLLM asks for gpu_memory_utilization %.2f x total = %s at start and "
                    + "%s is %s beside the CUDA context: it refuses to start%s", v.gpuMemoryUtilization(),
                    Quantities.gib(v.budgetBytes(total)), Quantities.gib(Math.max(0, beside)),
                    judgedNow ? "free" : "there when idle",
                    would > 0 ? String.format(Locale.ROOT, " (--gpu-memory-utilization %.2f would start)", would) : ""));
        }
        Verdict.Decode decode = null;
        if (!workload.mode().trains()) {
            if (fits) {
                int b = workload.batch();
                Double bound = roofline.tokensPerSecondPerSequence(b);
                Double routed = roofline.expectedTokensPerSecondPerSequence(b);
                ExpectedDecode.Result expected = ExpectedDecode.of(runtime, device, decodeFormat(workload),
                        spec.moe() != null, roofline, b, bound);
                String how = expected.tokensPerSecond() != null && devices > 1 ? expected.how() + "; fitted on "
                        + "single devices, so a tensor-parallel group's communication is not in it" : expected.how();
                decode = new Verdict.Decode("device", b, bound, expected.tokensPerSecond(), how, routed,
                        roofline.ceilingTokensPerSecondPerSequence(b),
                        roofline.ridge() == null ? null : roofline.bandwidthBound(b),
                        spec.moe() == null || b == 1 ? null : spec.moe().expectedExpertsTouched(b),
                        spec.moe() == null ? null : spec.moe().experts());
            } else if (offload != null && offload.decodeTokensPerSecondBound() != null) {
                decode = new Verdict.Decode("offload", workload.batch(), offload.decodeTokensPerSecondBound(), null,
                        "no rate is expected for a split between device and host: only the bound", null, null, null,
                        null, spec.moe() == null ? null : spec.moe().experts());
            }
        }
        Precision evaluated = workload.precision() != null ? workload.precision() : asStored();
        return new Verdict(spec.id(), label, device, devices, workload, evaluated, state, reason, fitsNow, fitsIdle,
                estimate, available, judgedNow ? "free" : "idle", available - need, best, maxContext, maxBatch, decode,
                RooflineFigures.of(roofline, workload, decode != null && decode.source().equals("device")), offload,
                pool, notes);
    }

    /**
     * The highest-quality precision offered that fits {@code devices} devices like {@code device} in the memory the
     * verdict would judge against (free now, else the idle device), or null when none does or the runtime would not
     * start: what {@link #evaluate} reports as the best precision, without evaluating the rest.
     */
    public Precision bestPrecision(Workload workload, Capacity device, int devices) {
        RuntimeProfile runtime = workload.runtime();
        Long free = device.freeNowBytes();
        long base = free != null ? free : device.idleBytes();
        if (!runtime.starts(device.totalBytes(), base, device.overheadBytes())) {
            return null;
        }
        return best(workload, device, devices, runtime.usableBytes(device.totalBytes(), base, device.overheadBytes()));
    }

    /**
     * The weights' format a decode rate is expected for: the workload's precision, else the type that holds most of
     * the weight files' bytes; null when neither is known.
     */
    private String decodeFormat(Workload workload) {
        if (workload.precision() != null) {
            return workload.precision().name();
        }
        if (weights == null) {
            return null;
        }
        return weights.bytesByType().entrySet().stream().max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse(null);
    }

    /** A weight file's own precision: its average bits per weight, fixed. */
    private Precision asStored() {
        double bits = Math.max(1e-3, Math.min(64, weights.bitsPerParameter()));
        return new Precision(Verdict.AS_STORED, bits, 0, "the weight files' own types, " + String.format(Locale.ROOT,
                "%.3f bits per weight on average", weights.bitsPerParameter()));
    }

    /**
     * The highest-quality precision offered that fits in {@code available}; for a workload whose precision is not
     * chosen here (weight files, full training, QLoRA's NF4 base, an explicit precision), that precision when it
     * fits.
     */
    private Precision best(Workload workload, Capacity device, int devices, long available) {
        boolean choosable = weights == null && (workload.mode() == Mode.INFERENCE || workload.mode() == Mode.LORA);
        if (!choosable) {
            if (need(workload, device, devices) > available) {
                return null;
            }
            return workload.precision() != null ? workload.precision() : asStored();
        }
        List<Precision> candidates = new ArrayList<>(policy.offered(workload.runtime()));
        Precision asked = workload.precision();
        if (asked != null && candidates.stream().noneMatch(p -> p.equals(asked))) {
            candidates.add(asked);
            candidates.sort((a, b) -> Integer.compare(b.quality(), a.quality()));
        }
        for (Precision p : candidates) {
            if (need(workload.withPrecision(p), device, devices) <= available) {
                return p;
            }
        }
        return null;
    }

    /** vLLM's pool: its budget less everything but the KV cache, in whole blocks of its layout. */
    private KvPool kvPool(Workload workload, MemoryEstimate estimate, long usable, int devices) {
        RuntimeProfile.Vllm v = (RuntimeProfile.Vllm) workload.runtime();
        long bytes = usable - (estimate.totalBytes() - estimate.bytes("kv_cache"));
        VllmKvLayout layout = VllmKvLayout.of(spec, workload.kvPrecision(), devices, v.version().v1Engine());
        return KvPool.of(bytes, layout, workload.contextTokens(), v.maxNumBatchedTokens());
    }

    /**
     * The workload as the runtime runs it on {@code device}: vLLM's scheduler settings, where they were left to it,
     * are the ones it picks for this device and context.
     */
    Workload onDevice(Workload workload, Capacity device) {
        if (workload.runtime() instanceof RuntimeProfile.Vllm v && v.schedulerByDevice()) {
            return workload.withRuntime(v.on(device.totalBytes(), device.name(), spec, workload.contextTokens()));
        }
        return workload;
    }

    /**
     * Whole layers on the device, the rest in host memory: the device keeps the output layer, the workspace and
     * the runtime overhead; each layer costs its weights and its share of the KV cache wherever it lives. The
     * decode bound reads the device's share at device bandwidth and the host's share at the faster of host memory
     * (the CPU computes those layers, as llama.cpp does below {@value LlamaCppProfile#OP_OFFLOAD_MIN_BATCH} tokens)
     * and the measured host-to-device rate (their weights cross the bus).
     */
    private Offload offload(Workload workload, MemoryEstimate estimate, long usable, WeightBytes bytes,
            Capacity device, HostCapacity host) {
        long kvPerLayer = (long) Math.ceil(estimate.bytes("kv_cache") / (double) spec.layers());
        double embeddingTable = (double) spec.vocabSize() * spec.hiddenSize();
        long layerWeights = (long) Math.ceil(bytes.bytes(spec.parameters() - spec.nonLayerParameters(),
                spec.routedExpertParametersTotal()) / spec.layers());
        long perLayer = layerWeights + kvPerLayer;
        long inputOnHost = estimate.bytes("input_embedding");
        long nonLayerOnDevice = (long) Math.ceil(spec.nonLayerParameters() * bytes.perWeight())
                - (spec.tiedEmbeddings() ? 0 : inputOnHost);
        long fixed = nonLayerOnDevice + estimate.totalBytes() - estimate.bytes("weights") - estimate.bytes("kv_cache");
        int onDevice = (int) Math.max(0, Math.min(spec.layers(), (usable - fixed) / Math.max(1, perLayer)));
        int onHost = spec.layers() - onDevice;

        double outputHead = embeddingTable * bytes.perWeight();
        double layerStream = (bytes.bytes(spec.activeParametersWithoutInputEmbedding(),
                spec.activeRoutedExpertParameters()) - outputHead) / spec.layers();
        double kvStream = workload.batch() * spec.kvCacheElements(workload.contextTokens())
                * workload.kvPrecision().bitsPerWeight() / 8 / spec.layers();
        double deviceBytes = outputHead + onDevice * (layerStream + kvStream);
        double hostBytes = onHost * (layerStream + kvStream);
        Double hostRate = null;
        String path = null;
        if (host.readBytesPerSecond() != null) {
            hostRate = host.readBytesPerSecond();
            path = "host_read";
        }
        if (device.hostToDeviceBytesPerSecond() != null
                && (hostRate == null || device.hostToDeviceBytesPerSecond() > hostRate)) {
            hostRate = device.hostToDeviceBytesPerSecond();
            path = "host_to_device";
        }
        Double bound = null;
        if (device.decodeBandwidth() != null && hostRate != null) {
            double seconds = deviceBytes / device.decodeBandwidth() + hostBytes / hostRate;
            bound = 1 / seconds;
        }
        return new Offload(onDevice, onHost, onHost * perLayer + inputOnHost, host.availableBytes(), deviceBytes,
                hostBytes, hostRate, path, bound);
    }

    /**
     * The bytes a workload needs per device, {@link Saturating#BEYOND} where the sum is past a long: a search over
     * contexts, batches and precisions treats that as not fitting, as it is.
     */
    private long need(Workload workload, Capacity device, int devices) {
        try {
            return estimate(workload, device, devices).totalBytes();
        } catch (ArithmeticException e) {
            return Saturating.BEYOND;
        }
    }

    private MemoryEstimate estimate(Workload workload, Capacity device, int devices) {
        return MemoryAccounting.estimate(spec, weights, onDevice(workload, device), devices, device.overhead(),
                device.hostMemory());
    }

    /** Largest context (up to the model's own maximum) that fits in {@code usable}; memory never falls as context grows. */
    Long maxContext(Workload workload, Capacity device, int devices, long usable) {
        long limit = Math.min(spec.maxContext(), Workload.MAX_CONTEXT_TOKENS);
        long one = need(workload.withContext(1), device, devices);
        if (one > usable) {
            return null;
        }
        return largestFitting(1, one, limit, x -> need(workload.withContext(x), device, devices), usable);
    }

    /** Largest batch (up to 4096) at the workload's context that fits in {@code usable}. */
    Integer maxBatch(Workload workload, Capacity device, int devices, long usable) {
        long one = need(workload.withBatch(1), device, devices);
        if (one > usable) {
            return null;
        }
        return (int) largestFitting(1, one, 4096, x -> need(workload.withBatch((int) x), device, devices), usable);
    }

    /**
     * The largest {@code x} in {@code [lo, hi]} with {@code need(x) <= usable}, where {@code need} never falls as
     * {@code x} grows and {@code need(lo) = needLo <= usable}: the answer a bisection gives, in fewer estimates.
     * Memory is close to a straight line in context and in batch, so each step guesses where the line crosses
     * {@code usable} and checks that point and its neighbour on the far side (two estimates end the search when
     * the guess is right); a step that does not halve the interval is followed by a plain bisection, so whatever
     * the shape the search takes at most three estimates for each halving.
     */
    static long largestFitting(long lo, long needLo, long hi, java.util.function.LongUnaryOperator need,
            long usable) {
        long needHi = need.applyAsLong(hi);
        if (needHi <= usable) {
            return hi;
        }
        // Invariant: need(lo) <= usable < need(hi).
        boolean interpolate = true;
        while (hi - lo > 1) {
            long width = hi - lo;
            long mid;
            if (interpolate && needHi > needLo) {
                double share = (double) (usable - needLo) / ((double) needHi - needLo);
                mid = lo + (long) Math.floor(share * width);
                mid = Math.max(lo + 1, Math.min(hi - 1, mid));
            } else {
                mid = lo + width / 2;
            }
            long at = need.applyAsLong(mid);
            boolean fits = at <= usable;
            if (fits) {
                lo = mid;
                needLo = at;
            } else {
                hi = mid;
                needHi = at;
            }
            if (interpolate && hi - lo > 1) {
                // The neighbour past the guess: where a straight line crosses, this ends the search.
                long next = fits ? lo + 1 : hi - 1;
                long atNext = need.applyAsLong(next);
                if (atNext <= usable) {
                    lo = next;
                    needLo = atNext;
                } else {
                    hi = next;
                    needHi = atNext;
                }
            }
            interpolate = (hi - lo) * 2 <= width;
        }
        return lo;
    }
}
