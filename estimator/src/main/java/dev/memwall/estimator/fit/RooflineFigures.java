package dev.memwall.estimator.fit;

import java.util.List;

/**
 * A model's decode roofline on a device, resolved: what a renderer shows without computing.
 *
 * @param bandwidthBytesPerSecond   the roof's slope: measured read, else theoretical; null when neither is known
 * @param bandwidthMeasured         whether that slope was measured
 * @param theoreticalBytesPerSecond the memory's peak, or null
 * @param peakFlopsPerSecond        dense FP16 peak, the flat roof, or null
 * @param ridgeFlopsPerByte         intensity where the roofs meet, or null when either is unknown
 * @param criticalBatch             the smallest batch at which decode is compute-bound, or null when it never is or
 *                                  FLOPs are unknown
 * @param weightBytesPerStep        weight bytes one decode step streams (k experts per MoE layer)
 * @param kvBytesPerSequence        KV cache bytes one sequence reads per step at the workload's context
 * @param flopsPerSequence          FLOPs per sequence per step
 * @param prefillSecondsBound       seconds to prefill the workload's context at peak FLOPs, or null
 * @param points                    decode at batch 1, at the workload's batch and at the critical batch (when known);
 *                                  empty where the model does not fit on the device, which then decodes nothing
 */
public record RooflineFigures(Double bandwidthBytesPerSecond, boolean bandwidthMeasured,
        Long theoreticalBytesPerSecond, Long peakFlopsPerSecond, Double ridgeFlopsPerByte, Integer criticalBatch,
        double weightBytesPerStep, double kvBytesPerSequence, double flopsPerSequence, Double prefillSecondsBound,
        List<Point> points) {

    public RooflineFigures {
        points = List.copyOf(points);
    }

    /**
     * One decode step on the roofline.
     *
     * @param batch                      sequences decoded together
     * @param intensityFlopsPerByte      FLOPs per byte read (at the experts the batch is expected to reach)
     * @param flopsPerSecond             attained FLOP/s at the expected rate, or null when bandwidth is unknown
     * @param tokensPerSecondPerSequence the expected rate per sequence, or null when bandwidth is unknown
     */
    public record Point(int batch, double intensityFlopsPerByte, Double flopsPerSecond,
            Double tokensPerSecondPerSequence) {
    }

    static RooflineFigures of(Roofline r, Workload workload, boolean decodes) {
        Integer critical = r.criticalBatch();
        List<Integer> batches = new java.util.ArrayList<>(List.of(1));
        if (workload.batch() > 1) {
            batches.add(workload.batch());
        }
        if (critical != null && !batches.contains(critical)) {
            batches.add(critical);
        }
        batches.sort(Integer::compare);
        List<Point> points = new java.util.ArrayList<>();
        for (int b : decodes ? batches : List.<Integer>of()) {
            Double tps = r.expectedTokensPerSecondPerSequence(b);
            points.add(new Point(b, r.intensity(b), tps == null ? null : tps * b * r.flopsPerSequence(), tps));
        }
        return new RooflineFigures(r.bandwidth(), r.bandwidthMeasured(), r.theoreticalBandwidth(), r.peakFlops(),
                r.ridge(), critical, r.weightBytesPerStep(), r.kvBytesPerSequence(), r.flopsPerSequence(),
                r.prefillSeconds(workload.contextTokens()), points);
    }
}
