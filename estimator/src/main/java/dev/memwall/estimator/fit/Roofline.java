package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.model.Moe;

/**
 * The memory wall for decoding: each step reads every active weight once (an input embedding table is a lookup
 * of one row, not a read of the table) plus each sequence's KV cache, and does 2 FLOPs per active parameter per
 * sequence plus attention. All figures are upper bounds on speed.
 *
 * <p>Mixture-of-experts: one token reads its k routed experts per layer, but a batch of tokens is routed to more
 * distinct experts, each read once per step. The bound keeps k (a batch can never read fewer, so no runtime
 * beats it); the expected figures add the experts a batch reaches under uniform routing
 * ({@link Moe#expectedExpertsTouched(long)}).
 *
 * @param weightBytesPerStep   weight bytes one decode step streams for one sequence (k experts per MoE layer)
 * @param kvBytesPerSequence   KV cache bytes one sequence reads per step at the context
 * @param flopsPerSequence     FLOPs per sequence per step
 * @param bandwidth            bytes per second used for the bound (measured read, else theoretical)
 * @param bandwidthMeasured    whether {@code bandwidth} was measured
 * @param theoreticalBandwidth the memory's peak, the hard ceiling, or null
 * @param peakFlops            dense FP16 peak, or null
 * @param expertBytes          bytes of one routed expert over all MoE layers (0 for dense models)
 * @param experts              routed experts per MoE layer (1 for dense models)
 * @param expertsPerToken      routed experts each token uses (1 for dense models)
 */
public record Roofline(double weightBytesPerStep, double kvBytesPerSequence, double flopsPerSequence,
        Double bandwidth, boolean bandwidthMeasured, Long theoreticalBandwidth, Long peakFlops, double expertBytes,
        int experts, int expertsPerToken) {

    /**
     * @param weightBytesPerParameter bytes each weight takes at the workload's precision (per device when split)
     */
    public static Roofline of(ModelSpec spec, double weightBytesPerParameter, Workload workload, Capacity device) {
        return of(spec, new WeightBytes(weightBytesPerParameter, weightBytesPerParameter), 1, workload, device);
    }

    /**
     * @param bytes   bytes per weight, experts and the rest
     * @param devices devices the weights are split over (tensor parallel): each reads its share
     */
    static Roofline of(ModelSpec spec, WeightBytes bytes, int devices, Workload workload, Capacity device) {
        double weights = bytes.bytes(spec.activeParametersWithoutInputEmbedding(), spec.activeRoutedExpertParameters())
                / devices;
        double kv = spec.kvCacheElements(workload.contextTokens()) * workload.kvPrecision().bitsPerWeight() / 8;
        double attentionWidth = spec.mla() != null
                ? spec.mla().qkNopeHeadDim() + spec.mla().qkRopeHeadDim() + spec.mla().vHeadDim()
                : 2.0 * spec.headDim();
        double attention = 2.0 * spec.layers() * spec.attentionHeads() * attentionWidth * workload.contextTokens();
        double flops = 2.0 * spec.activeParameters() + attention;
        double expert = spec.moe() == null ? 0
                : (double) spec.routedExpertParameters() * spec.moeLayers() * bytes.perExpertWeight() / devices;
        return new Roofline(weights, kv, flops, device.decodeBandwidth(), device.readBytesPerSecond() != null,
                device.theoreticalBytesPerSecond(), device.peakFlops(), expert,
                spec.moe() == null ? 1 : spec.moe().experts(), spec.moe() == null ? 1 : spec.moe().expertsPerToken());
    }

    /** The least a step at this batch can read: k experts per MoE layer, and each sequence's KV cache. */
    public double bytesPerStep(int batch) {
        return weightBytesPerStep + batch * kvBytesPerSequence;
    }

    /** Weight bytes a step at this batch is expected to read: the experts a batch reaches under uniform routing. */
    public double expectedWeightBytesPerStep(int batch) {
        if (expertBytes == 0 || batch == 1) {
            return weightBytesPerStep;
        }
        double touched = Moe.expectedExpertsTouched(experts, expertsPerToken, batch);
        return weightBytesPerStep + expertBytes * (touched - expertsPerToken);
    }

    /** Bytes a step at this batch is expected to read (equal to {@link #bytesPerStep(int)} for dense models). */
    public double expectedBytesPerStep(int batch) {
        return expectedWeightBytesPerStep(batch) + batch * kvBytesPerSequence;
    }

    /** FLOPs per byte at which the device turns compute-bound; null when peak FLOPs or bandwidth is unknown. */
    public Double ridge() {
        return peakFlops == null || bandwidth == null ? null : peakFlops / bandwidth;
    }

    /** Arithmetic intensity of a decode step at this batch, FLOPs per expected byte. */
    public double intensity(int batch) {
        return batch * flopsPerSequence / expectedBytesPerStep(batch);
    }

    /** Whether memory, not compute, bounds a step at this batch; true when peak FLOPs is unknown. */
    public boolean bandwidthBound(int batch) {
        Double r = ridge();
        return r == null || intensity(batch) < r;
    }

    /** Upper bound on tokens per second for each sequence at this batch; null when bandwidth is unknown. */
    public Double tokensPerSecondPerSequence(int batch) {
        return perSequence(bytesPerStep(batch), batch);
    }

    /**
     * Tokens per second for each sequence when a batch reads the experts uniform routing reaches: the bound for
     * dense models, lower for MoE at batch > 1; null when bandwidth is unknown.
     */
    public Double expectedTokensPerSecondPerSequence(int batch) {
        return perSequence(expectedBytesPerStep(batch), batch);
    }

    private Double perSequence(double bytes, int batch) {
        if (bandwidth == null) {
            return null;
        }
        double seconds = bytes / bandwidth;
        if (peakFlops != null) {
            seconds = Math.max(seconds, batch * flopsPerSequence / peakFlops);
        }
        return 1 / seconds;
    }

    /** The same bound at the theoretical bandwidth: the ceiling no runtime passes. */
    public Double ceilingTokensPerSecondPerSequence(int batch) {
        return theoreticalBandwidth == null ? null : theoreticalBandwidth / bytesPerStep(batch);
    }

    /**
     * The smallest batch at which a decode step is compute-bound (at the expected bytes for MoE), or null when it
     * never is (the KV cache grows as fast as the work) or FLOPs are unknown.
     */
    public Integer criticalBatch() {
        Double r = ridge();
        if (r == null) {
            return null;
        }
        if (expertBytes == 0) {
            // b * F >= r * (W + b * K)  <=>  b >= r * W / (F - r * K)
            double denominator = flopsPerSequence - r * kvBytesPerSequence;
            if (denominator <= 0) {
                return null;
            }
            double b = Math.ceil(r * weightBytesPerStep / denominator);
            return b > Workload.MAX_BATCH ? null : (int) Math.max(1, b);
        }
        // Intensity grows with the batch (the experts reached grow slower than linearly), so bisect.
        if (intensity(Workload.MAX_BATCH) < r) {
            return null;
        }
        int lo = 1;
        int hi = Workload.MAX_BATCH;
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (intensity(mid) >= r) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Seconds to prefill {@code tokens} prompt tokens at peak FLOPs (compute-bound); null when FLOPs are unknown. */
    public Double prefillSeconds(long tokens) {
        return peakFlops == null ? null : tokens * flopsPerSequence / peakFlops;
    }
}
