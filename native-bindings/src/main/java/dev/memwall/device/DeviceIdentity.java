package dev.memwall.device;

import java.util.Objects;

/**
 * What a device is: fixed facts that do not change while it runs. Sizes in bytes; {@code null} where the
 * backend cannot know.
 *
 * @param id                  stable id within one probe, e.g. {@code opencl:0.0}, {@code sim:1}
 * @param backend             the backend that found it: {@code opencl}, {@code cuda}, {@code simulated}
 * @param name                the device's name as its driver reports it
 * @param vendor              the vendor as the driver reports it
 * @param type                GPU, CPU, accelerator
 * @param driverVersion       the driver's version string, or null
 * @param platform            the OpenCL platform name (or similar grouping), or null
 * @param uuid                the device UUID, or null when the backend cannot tell
 * @param pciBusId            PCI bus id as {@code 0000:3b:00.0}, or null
 * @param totalBytes          total device memory in bytes
 * @param maxAllocationBytes  largest single allocation the driver allows, or null
 * @param globalCacheBytes    size of the last-level cache in front of device memory, or null
 * @param computeUnits        compute units (SMs, CUs, cores), or null
 * @param catalogId           hardware-catalog id this device is (simulated) or matches, or null
 */
public record DeviceIdentity(
        String id,
        String backend,
        String name,
        String vendor,
        DeviceType type,
        String driverVersion,
        String platform,
        String uuid,
        String pciBusId,
        long totalBytes,
        Long maxAllocationBytes,
        Long globalCacheBytes,
        Integer computeUnits,
        String catalogId) {

    public DeviceIdentity {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (totalBytes <= 0) {
            throw new IllegalArgumentException("totalBytes must be > 0, was " + totalBytes + " for " + id);
        }
        if (maxAllocationBytes != null && maxAllocationBytes <= 0) {
            throw new IllegalArgumentException("maxAllocationBytes must be > 0, was " + maxAllocationBytes);
        }
        if (globalCacheBytes != null && globalCacheBytes < 0) {
            throw new IllegalArgumentException("globalCacheBytes must be >= 0, was " + globalCacheBytes);
        }
    }
}
