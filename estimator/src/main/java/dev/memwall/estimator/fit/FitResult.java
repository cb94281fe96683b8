package dev.memwall.estimator.fit;

import dev.memwall.estimator.precision.Precision;

/**
 * A model on a device (or on N identical devices with tensor parallel).
 *
 * @param device         the device (the first of the group for tensor parallel)
 * @param devices        devices the model is split over
 * @param estimate       memory per device at the workload
 * @param fitsNow        fits in the memory free now
 * @param fitsIdle       fits in total less reserved memory
 * @param headroomBytes  memory left now (negative when it does not fit)
 * @param bestPrecision  the highest-quality precision that fits now, or null when none does (or the file fixes it)
 * @param maxContext     the largest context that fits now at the workload's precision and batch, 0 when none
 * @param maxBatch       the largest batch that fits now at the workload's context, 0 when none
 * @param roofline       decode bounds
 * @param offload        the layer split with host memory when inference on one device does not fit now, or null
 */
public record FitResult(Capacity device, int devices, MemoryEstimate estimate, boolean fitsNow, boolean fitsIdle,
        long headroomBytes, Precision bestPrecision, long maxContext, int maxBatch, Roofline roofline,
        Offload offload) {
}
