package dev.memwall.estimator.fit;

import java.util.Objects;

/**
 * Memory a device's runtime stack takes before any model is loaded, as it exists on that device: a CUDA context
 * on NVIDIA devices, the HIP runtime's share on AMD devices; none on a CPU device.
 *
 * @param name  the memory item's name: {@code cuda_context}, {@code hip_runtime}
 * @param bytes its size
 * @param how   where the figure comes from (measured on this device, or a sourced per-architecture figure)
 */
public record DeviceOverhead(String name, long bytes, String how) {

    public DeviceOverhead {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(how, "how");
        if (bytes < 0) {
            throw new IllegalArgumentException("overhead must be >= 0 bytes, was " + bytes);
        }
    }

    /** A CUDA context measured on the device (NVML's free memory less CUDA's, when both answer). */
    public static DeviceOverhead measuredCudaContext(long bytes) {
        return new DeviceOverhead("cuda_context", bytes, String.format(java.util.Locale.ROOT,
                "%,d bytes, measured on this device (NVML's free memory less CUDA's)", bytes));
    }
}
