package dev.memwall.device.simulated;

import java.util.Objects;

/**
 * A simulated device, resolved from a SPEC: a catalog entry with overrides, or a custom device.
 *
 * @param name                    name shown for the device
 * @param catalogId               catalog id, or null for a custom device
 * @param vendor                  vendor, or null
 * @param totalBytes              total memory
 * @param freeBytes               free memory (the total for an idle device)
 * @param bandwidthBytesPerSecond memory bandwidth
 * @param fp16DenseFlops          dense FP16/BF16 peak in FLOP/s, or null
 * @param count                   how many identical devices
 */
public record SimulatedDeviceSpec(
        String name,
        String catalogId,
        String vendor,
        long totalBytes,
        long freeBytes,
        long bandwidthBytesPerSecond,
        Long fp16DenseFlops,
        int count) {

    public SimulatedDeviceSpec {
        Objects.requireNonNull(name, "name");
        if (totalBytes <= 0) {
            throw new IllegalArgumentException("total must be > 0, was " + totalBytes);
        }
        if (freeBytes < 0 || freeBytes > totalBytes) {
            throw new IllegalArgumentException("free must be within [0, total=" + totalBytes + "], was " + freeBytes);
        }
        if (bandwidthBytesPerSecond <= 0) {
            throw new IllegalArgumentException("bandwidth must be > 0, was " + bandwidthBytesPerSecond);
        }
        if (fp16DenseFlops != null && fp16DenseFlops <= 0) {
            throw new IllegalArgumentException("flops must be > 0, was " + fp16DenseFlops);
        }
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, was " + count);
        }
    }

    /** An idle device exactly as the catalog describes it. */
    public static SimulatedDeviceSpec of(GpuModel model) {
        return new SimulatedDeviceSpec(model.name(), model.id(), model.vendor(), model.memoryTotalBytes(),
                model.memoryTotalBytes(), model.bandwidthBytesPerSecond(), model.fp16DenseFlops(), 1);
    }
}
