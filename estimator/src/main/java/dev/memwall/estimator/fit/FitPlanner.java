package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.WeightInventory;

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
        return evaluate(workload, device, devices, null);
    }

    /**
     * As {@link #evaluate(Workload, Capacity, int)}, with the host's available memory for the partial-offload
     * split (null when unknown).
     */
    public FitResult evaluate(Workload workload, Capacity device, int devices, Long hostAvailableBytes) {
        MemoryEstimate estimate = estimate(workload, device, devices);
        long need = estimate.totalBytes();
        long now = device.availableNowBytes();
        Precision best = null;
        boolean precisionChoosable = workload.mode() == Mode.INFERENCE || workload.mode() == Mode.LORA;
        if (precisionChoosable && (weights == null || workload.precision() != null)) {
            double ceiling = publishedBits();
            for (Precision p : Precisions.weights()) {
                if (p.bitsPerWeight() > ceiling) {
                    continue;
                }
                if (estimate(workload.withPrecision(p), device, devices).totalBytes() <= now) {
                    best = p;
                    break;
                }
            }
        }
        double bytesPerParameter = workload.precision() != null ? workload.precision().bitsPerWeight() / 8
                : weights.totalBytes() / (double) spec.parameters();
        Roofline roofline = Roofline.of(spec, bytesPerParameter / devices, workload, device);
        Offload offload = need > now && devices == 1 && workload.mode() == Mode.INFERENCE
                ? offload(workload, estimate, now, bytesPerParameter, hostAvailableBytes) : null;
        return new FitResult(device, devices, estimate, need <= now, need <= device.idleBytes(), now - need, best,
                maxContext(workload, device, devices), maxBatch(workload, device, devices), roofline, offload);
    }

    /**
     * Whole layers on the device, the rest in host memory: the device keeps the non-layer weights, the workspace
     * and the context; each layer costs its weights and its share of the KV cache wherever it lives.
     */
    private Offload offload(Workload workload, MemoryEstimate estimate, long now, double bytesPerParameter,
            Long hostAvailable) {
        long kvPerLayer = (long) Math.ceil(estimate.bytes("kv_cache") / (double) spec.layers());
        long layerWeights = (long) Math.ceil((spec.parameters() - spec.nonLayerParameters()) * bytesPerParameter
                / spec.layers());
        long perLayer = layerWeights + kvPerLayer;
        long fixed = (long) Math.ceil(spec.nonLayerParameters() * bytesPerParameter) + estimate.bytes("workspace")
                + estimate.bytes("cuda_context");
        int onDevice = (int) Math.max(0, Math.min(spec.layers(), (now - fixed) / Math.max(1, perLayer)));
        int onHost = spec.layers() - onDevice;
        return new Offload(onDevice, onHost, onHost * perLayer, hostAvailable);
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

    /** Largest context (up to the model's own maximum) that fits now; memory never falls as context grows. */
    long maxContext(Workload workload, Capacity device, int devices) {
        long limit = Math.min(spec.maxContext(), Workload.MAX_CONTEXT_TOKENS);
        long now = device.availableNowBytes();
        if (estimate(workload.withContext(1), device, devices).totalBytes() > now) {
            return 0;
        }
        long lo = 1;
        long hi = limit;
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            if (estimate(workload.withContext(mid), device, devices).totalBytes() <= now) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Largest batch at the workload's context that fits now. */
    int maxBatch(Workload workload, Capacity device, int devices) {
        long now = device.availableNowBytes();
        if (estimate(workload.withBatch(1), device, devices).totalBytes() > now) {
            return 0;
        }
        int lo = 1;
        int hi = 4096;
        while (lo < hi) {
            int mid = lo + (hi - lo + 1) / 2;
            if (estimate(workload.withBatch(mid), device, devices).totalBytes() <= now) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
