package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;

/**
 * The memory wall for decoding: each step reads every active weight once (an input embedding table is a lookup
 * of one row, not a read of the table) plus each sequence's KV cache, and does 2 FLOPs per active parameter per
 * sequence plus attention. All figures are upper bounds on speed.
 *
 * @param weightBytesPerStep   weight bytes one decode step streams
 * @param kvBytesPerSequence   KV cache bytes one sequence reads per step at the context
 * @param flopsPerSequence     FLOPs per sequence per step
 * @param bandwidth            bytes per second used for the bound (measured read, else theoretical)
 * @param bandwidthMeasured    whether {@code bandwidth} was measured
 * @param theoreticalBandwidth the memory's peak, the hard ceiling, or null
 * @param peakFlops            dense FP16 peak, or null
 */
public record Roofline(double weightBytesPerStep, double kvBytesPerSequence, double flopsPerSequence,
        Double bandwidth, boolean bandwidthMeasured, Long theoreticalBandwidth, Long peakFlops) {

    /**
     * @param weightBytesPerParameter bytes each weight takes at the workload's precision
     */
    public static Roofline of(ModelSpec spec, double weightBytesPerParameter, Workload workload, Capacity device) {
        double weights = spec.activeParametersWithoutInputEmbedding() * weightBytesPerParameter;
        double kv = spec.kvCacheElements(workload.contextTokens()) * workload.kvPrecision().bitsPerWeight() / 8;
        double attentionWidth = spec.mla() != null
                ? spec.mla().qkNopeHeadDim() + spec.mla().qkRopeHeadDim() + spec.mla().vHeadDim()
                : 2.0 * spec.headDim();
        double attention = 2.0 * spec.layers() * spec.attentionHeads() * attentionWidth * workload.contextTokens();
        double flops = 2.0 * spec.activeParameters() + attention;
        return new Roofline(weights, kv, flops, device.decodeBandwidth(), device.readBytesPerSecond() != null,
                device.theoreticalBytesPerSecond(), device.peakFlops());
    }

    public double bytesPerStep(int batch) {
        return weightBytesPerStep + batch * kvBytesPerSequence;
    }

    /** FLOPs per byte at which the device turns compute-bound; null when peak FLOPs or bandwidth is unknown. */
    public Double ridge() {
        return peakFlops == null || bandwidth == null ? null : peakFlops / bandwidth;
    }

    /** Arithmetic intensity of a decode step at this batch, FLOPs per byte. */
    public double intensity(int batch) {
        return batch * flopsPerSequence / bytesPerStep(batch);
    }

    /** Whether memory, not compute, bounds a step at this batch; true when peak FLOPs is unknown. */
    public boolean bandwidthBound(int batch) {
        Double r = ridge();
        return r == null || intensity(batch) < r;
    }

    /** Upper bound on tokens per second for each sequence at this batch; null when bandwidth is unknown. */
    public Double tokensPerSecondPerSequence(int batch) {
        if (bandwidth == null) {
            return null;
        }
        double seconds = bytesPerStep(batch) / bandwidth;
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
     * The smallest batch at which a decode step is compute-bound, or null when it never is (the KV cache grows as
     * fast as the work) or FLOPs are unknown.
     */
    public Integer criticalBatch() {
        Double r = ridge();
        if (r == null) {
            return null;
        }
        // b * F >= r * (W + b * K)  <=>  b >= r * W / (F - r * K)
        double denominator = flopsPerSequence - r * kvBytesPerSequence;
        if (denominator <= 0) {
            return null;
        }
        double b = Math.ceil(r * weightBytesPerStep / denominator);
        return b > Workload.MAX_BATCH ? null : (int) Math.max(1, b);
    }

    /** Seconds to prefill {@code tokens} prompt tokens at peak FLOPs (compute-bound); null when FLOPs are unknown. */
    public Double prefillSeconds(long tokens) {
        return peakFlops == null ? null : tokens * flopsPerSequence / peakFlops;
    }
}
