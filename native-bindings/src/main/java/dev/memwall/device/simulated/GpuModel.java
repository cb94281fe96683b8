package dev.memwall.device.simulated;

import java.util.Objects;

/**
 * One accelerator of the hardware catalog: spec-sheet numbers, each with its public source. {@code null} where
 * no source gives the number.
 *
 * @param id                       lowercase id with dashes, e.g. {@code h100-sxm}
 * @param name                     human name
 * @param vendor                   nvidia, amd, apple
 * @param memoryType               HBM3, GDDR6X, ...
 * @param memoryTotalBytes         total memory as the driver reports it, or the marketed size
 * @param busWidthBits             memory bus width, or null
 * @param bandwidthBytesPerSecond  theoretical peak memory bandwidth
 * @param fp16DenseFlops           dense FP16/BF16 tensor peak in FLOP/s, or null
 * @param fp8DenseFlops            dense FP8 tensor peak in FLOP/s, or null where there is none
 * @param sources                  where each number comes from
 * @param notes                    caveats
 * @param computeCapability        NVIDIA's CUDA compute capability ({@code 9.0}), or null
 * @param devicesPerPackage        devices a runtime sees in one package (2 for MI250X's two GCDs), else 1
 */
public record GpuModel(
        String id,
        String name,
        String vendor,
        String memoryType,
        long memoryTotalBytes,
        Integer busWidthBits,
        long bandwidthBytesPerSecond,
        Long fp16DenseFlops,
        Long fp8DenseFlops,
        Sources sources,
        String notes,
        String computeCapability,
        int devicesPerPackage) {

    /** The source of each number. */
    public record Sources(String memoryTotal, String busWidth, String bandwidth, String fp16, String fp8) {
    }

    public GpuModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sources, "sources");
        if (memoryTotalBytes <= 0) {
            throw new IllegalArgumentException("memoryTotalBytes must be > 0, was " + memoryTotalBytes + " for " + id);
        }
        if (devicesPerPackage < 1) {
            throw new IllegalArgumentException("devicesPerPackage must be >= 1, was " + devicesPerPackage + " for " + id);
        }
        if (bandwidthBytesPerSecond <= 0) {
            throw new IllegalArgumentException(
                    "bandwidthBytesPerSecond must be > 0, was " + bandwidthBytesPerSecond + " for " + id);
        }
    }
}
