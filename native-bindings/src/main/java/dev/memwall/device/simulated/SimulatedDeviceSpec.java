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
 * @param computeCapability       NVIDIA's CUDA compute capability, or null
 */
public record SimulatedDeviceSpec(
        String name,
        String catalogId,
        String vendor,
        long totalBytes,
        long freeBytes,
        long bandwidthBytesPerSecond,
        Long fp16DenseFlops,
        int count,
        String computeCapability) {

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

    /** A device without a compute capability. */
    public SimulatedDeviceSpec(String name, String catalogId, String vendor, long totalBytes, long freeBytes,
            long bandwidthBytesPerSecond, Long fp16DenseFlops, int count) {
        this(name, catalogId, vendor, totalBytes, freeBytes, bandwidthBytesPerSecond, fp16DenseFlops, count, null);
    }

    /**
     * Idle devices exactly as the catalog describes them: one package, which is several devices where a runtime
     * sees several (an MI250X is two GCDs of 64 GB), each with its share of memory, bandwidth and FLOPs.
     */
    public static SimulatedDeviceSpec of(GpuModel model) {
        int n = model.devicesPerPackage();
        long total = model.memoryTotalBytes() / n;
        return new SimulatedDeviceSpec(deviceName(model), model.id(), model.vendor(), total, total,
                model.bandwidthBytesPerSecond() / n, model.fp16DenseFlops() == null ? null : model.fp16DenseFlops() / n,
                n, model.computeCapability());
    }

    /** The name of one device of a package: the package's name, and which share it is when there are several. */
    public static String deviceName(GpuModel model) {
        return model.devicesPerPackage() == 1 ? model.name()
                : model.name() + ", one of its " + model.devicesPerPackage() + " devices";
    }
}
