package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.WeightInventory;
import dev.memwall.estimator.units.Quantities;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Decides what fits where: verdicts, best precision, largest context and batch, and the decode bound. */
public final class FitPlanner {

    private final ModelSpec spec;
    private final WeightInventory weights;

    /**
     * @param spec    the architecture
     * @param weights exact bytes from files (their precision is then fixed), or null
     */
    public FitPlanner(ModelSpec spec, WeightInventory weights) {
        this.spec = spec;
        this.weights = weights;
    }

    /** The model on {@code devices} devices like {@code device} (tensor parallel when more than one). */
    public FitResult evaluate(Workload workload, Capacity device, int devices) {
        return evaluate(workload, device, devices, HostCapacity.UNKNOWN);
    }

    /** As {@link #evaluate(Workload, Capacity, int)}, with the host for the partial-offload split. */
    public FitResult evaluate(Workload workload, Capacity device, int devices, HostCapacity host) {
        MemoryEstimate estimate = estimate(workload, device, devices);
        long need = estimate.totalBytes();
        RuntimeProfile runtime = workload.runtime();
        long context = contextBytes(device);
        long usableNow = runtime.usableBytes(device.totalBytes(), device.availableNowBytes(), context);
        boolean startsNow = runtime.starts(device.totalBytes(), device.availableNowBytes(), context);
        long usableIdle = runtime.usableBytes(device.totalBytes(), device.idleBytes(), context);
        boolean startsIdle = runtime.starts(device.totalBytes(), device.idleBytes(), context);
        Precision best = null;
        boolean precisionChoosable = workload.mode() == Mode.INFERENCE || workload.mode() == Mode.LORA;
        if (startsNow && precisionChoosable && (weights == null || workload.precision() != null)) {
            double ceiling = publishedBits();
            for (Precision p : Precisions.weights()) {
                if (p.bitsPerWeight() > ceiling) {
                    continue;
                }
                if (estimate(workload.withPrecision(p), device, devices).totalBytes() <= usableNow) {
                    best = p;
                    break;
                }
            }
        }
        double bytesPerParameter = MemoryAccounting.bytesPerParameter(spec, weights, workload);
        Roofline roofline = Roofline.of(spec, bytesPerParameter / devices, workload, device);
        boolean layered = !(runtime instanceof RuntimeProfile.Vllm);
        Offload offload = need > usableNow && devices == 1 && workload.mode() == Mode.INFERENCE && layered
                ? offload(workload, estimate, usableNow, bytesPerParameter, device, host) : null;
        KvPool pool = runtime instanceof RuntimeProfile.Vllm v ? kvPool(workload, estimate, usableNow, devices) : null;
        List<String> notes = new ArrayList<>();
        if (runtime instanceof RuntimeProfile.Vllm v && !startsNow) {
            long free = device.availableNowBytes() - context;
            double fits = Math.floor(Math.max(0, free) * 100.0 / device.totalBytes()) / 100;
            notes.add(String.format(Locale.ROOT, "vLLM asks for gpu_memory_utilization %.2f x total = %s at start and "
                    + "%s is free beside the CUDA context: it refuses to start%s", v.gpuMemoryUtilization(),
                    Quantities.gib(v.budgetBytes(device.totalBytes())), Quantities.gib(Math.max(0, free)),
                    fits > 0 ? String.format(Locale.ROOT, " (--gpu-memory-utilization %.2f would start)", fits) : ""));
        }
        return new FitResult(device, devices, estimate, usableNow, startsNow && need <= usableNow,
                startsIdle && need <= usableIdle, usableNow - need, best,
                startsNow ? maxContext(workload, device, devices, usableNow) : 0,
                startsNow ? maxBatch(workload, device, devices, usableNow) : 0, roofline, offload, pool, notes);
    }

    private static long contextBytes(Capacity device) {
        return device.contextBytes() != null ? device.contextBytes() : GenericProfile.ASSUMED_CONTEXT_BYTES;
    }

    /** vLLM's pool: its budget less everything but the KV cache, in whole blocks. */
    private KvPool kvPool(Workload workload, MemoryEstimate estimate, long usable, int devices) {
        long bytes = usable - (estimate.totalBytes() - estimate.bytes("kv_cache"));
        boolean splitKv = spec.mla() == null;
        double perToken = spec.kvElementsPerTokenPerLayer() * (double) spec.layers()
                * workload.kvPrecision().bitsPerWeight() / 8 / (splitKv ? devices : 1);
        return KvPool.of(bytes, perToken, workload.contextTokens());
    }

    /**
     * Whole layers on the device, the rest in host memory: the device keeps the output layer, the workspace and
     * the context; each layer costs its weights and its share of the KV cache wherever it lives. The decode bound
     * reads the device's share at device bandwidth and the host's share at the faster of host memory (the CPU
     * computes those layers, as llama.cpp does below {@value LlamaCppProfile#OP_OFFLOAD_MIN_BATCH} tokens) and
     * the measured host-to-device rate (their weights cross the bus).
     */
    private Offload offload(Workload workload, MemoryEstimate estimate, long usable, double bytesPerParameter,
            Capacity device, HostCapacity host) {
        long kvPerLayer = (long) Math.ceil(estimate.bytes("kv_cache") / (double) spec.layers());
        long layerWeights = (long) Math.ceil((spec.parameters() - spec.nonLayerParameters()) * bytesPerParameter
                / spec.layers());
        long perLayer = layerWeights + kvPerLayer;
        long inputOnHost = estimate.bytes("input_embedding");
        long nonLayerOnDevice = (long) Math.ceil(spec.nonLayerParameters() * bytesPerParameter)
                - (spec.tiedEmbeddings() ? 0 : inputOnHost);
        long fixed = nonLayerOnDevice + estimate.totalBytes() - estimate.bytes("weights") - estimate.bytes("kv_cache");
        int onDevice = (int) Math.max(0, Math.min(spec.layers(), (usable - fixed) / Math.max(1, perLayer)));
        int onHost = spec.layers() - onDevice;

        double outputHead = (double) spec.vocabSize() * spec.hiddenSize() * bytesPerParameter;
        double layerStream = (spec.activeParametersWithoutInputEmbedding() * bytesPerParameter - outputHead)
                / spec.layers();
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
     * The most bits a precision may spend: the model's published dtype (16 when unknown); upcasting a bf16
     * model to fp32 costs memory and gains nothing.
     */
    double publishedBits() {
        if (spec.weightDtype() == null) {
            return 16;
        }
        return Precisions.weight(spec.weightDtype()).map(Precision::bitsPerWeight).orElse(16.0);
    }

    private MemoryEstimate estimate(Workload workload, Capacity device, int devices) {
        return MemoryAccounting.estimate(spec, weights, workload, devices, device.contextBytes());
    }

    /** Largest context (up to the model's own maximum) that fits in {@code usable}; memory never falls as context grows. */
    long maxContext(Workload workload, Capacity device, int devices, long usable) {
        long limit = Math.min(spec.maxContext(), Workload.MAX_CONTEXT_TOKENS);
        if (estimate(workload.withContext(1), device, devices).totalBytes() > usable) {
            return 0;
        }
        long lo = 1;
        long hi = limit;
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            if (estimate(workload.withContext(mid), device, devices).totalBytes() <= usable) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Largest batch at the workload's context that fits in {@code usable}. */
    int maxBatch(Workload workload, Capacity device, int devices, long usable) {
        if (estimate(workload.withBatch(1), device, devices).totalBytes() > usable) {
            return 0;
        }
        int lo = 1;
        int hi = 4096;
        while (lo < hi) {
            int mid = lo + (hi - lo + 1) / 2;
            if (estimate(workload.withBatch(mid), device, devices).totalBytes() <= usable) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
