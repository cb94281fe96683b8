package dev.memwall.estimator.fit;

import dev.memwall.estimator.precision.Precision;
import java.util.List;

/**
 * A model on a device (or on N identical devices with tensor parallel).
 *
 * @param device         the device (the first of the group for tensor parallel)
 * @param devices        devices the model is split over
 * @param estimate       memory per device at the workload
 * @param usableNowBytes memory the runtime may use now (free memory, less llama.cpp's margin, or vLLM's budget)
 * @param fitsNow        fits in the memory free now
 * @param fitsIdle       fits in total less reserved memory
 * @param headroomBytes  usable memory left now (negative when it does not fit)
 * @param bestPrecision  the highest-quality precision that fits now, or null when none does (or the file fixes it)
 * @param maxContext     the largest context that fits now at the workload's precision and batch, 0 when none
 * @param maxBatch       the largest batch that fits now at the workload's context, 0 when none
 * @param roofline       decode bounds
 * @param offload        the layer split with host memory when inference on one device does not fit now, or null
 * @param kvPool         vLLM's KV cache pool, or null for other runtimes
 * @param notes          what the runtime would say (vLLM refusing to start), in words
 */
public record FitResult(Capacity device, int devices, MemoryEstimate estimate, long usableNowBytes, boolean fitsNow,
        boolean fitsIdle, long headroomBytes, Precision bestPrecision, long maxContext, int maxBatch,
        Roofline roofline, Offload offload, KvPool kvPool, List<String> notes) {

    public FitResult {
        notes = List.copyOf(notes);
    }
}
