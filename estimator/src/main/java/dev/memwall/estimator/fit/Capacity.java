package dev.memwall.estimator.fit;

import java.util.Objects;

/**
 * What the estimator needs to know of a device: memory, speed and the overheads that exist on it. Sizes in bytes,
 * rates per second; null where unknown.
 *
 * @param id                   the device's id ({@code cuda:0}, {@code sim:1})
 * @param name                 its name
 * @param totalBytes           total memory
 * @param freeBytes            free memory now, or null when the driver does not say (then nothing "fits now")
 * @param reservedBytes        memory the driver keeps, or null
 * @param readBytesPerSecond   measured read bandwidth (what decode does), or null
 * @param theoreticalBytesPerSecond the memory's peak, or null
 * @param peakFlops            dense FP16/BF16 peak in FLOP/s; on a CPU device, its FP32 FMA rate (llama.cpp's CPU
 *                             kernels accumulate in FP32) where one is known (no probe measures it yet); null when
 *                             unknown
 * @param overhead             what the device's runtime stack takes before a model loads (a CUDA context), or
 *                             null when there is none (a CPU device)
 * @param hostToDeviceBytesPerSecond measured pinned host-to-device copy rate, or null
 * @param limit                the most a runtime may allocate when less than the total (Apple's GPU working set),
 *                             or null
 * @param readingError         why the device's memory could not be read now, or null when it was
 * @param hostMemory           whether the device computes in host memory (a CPU, PoCL's OpenCL device): llama.cpp
 *                             runs there on its CPU backend
 * @param hardware             what kind of device it is, for the decode rate runtimes are expected to reach on it; null
 *                             when unknown (no rate is then expected, only the bound)
 */
public record Capacity(String id, String name, long totalBytes, Long freeBytes, Long reservedBytes,
        Double readBytesPerSecond, Long theoreticalBytesPerSecond, Long peakFlops, DeviceOverhead overhead,
        Double hostToDeviceBytesPerSecond, DeviceLimit limit, String readingError, boolean hostMemory,
        Hardware hardware) {

    /**
     * The kind of device a decode rate is expected on.
     *
     * @param deviceClass its class in the decode measurements
     * @param memoryType  HBM3, GDDR6X, DDR5, ... as the catalog states it, or null
     * @param cores       compute units (a CPU's cores), or null
     */
    public record Hardware(DeviceClass deviceClass, String memoryType, Integer cores) {

        public Hardware {
            Objects.requireNonNull(deviceClass, "deviceClass");
            if (cores != null && cores < 1) {
                throw new IllegalArgumentException("cores must be >= 1, was " + cores);
            }
        }
    }

    /** A device whose kind is unknown. */
    public Capacity(String id, String name, long totalBytes, Long freeBytes, Long reservedBytes,
            Double readBytesPerSecond, Long theoreticalBytesPerSecond, Long peakFlops, DeviceOverhead overhead,
            Double hostToDeviceBytesPerSecond, DeviceLimit limit, String readingError, boolean hostMemory) {
        this(id, name, totalBytes, freeBytes, reservedBytes, readBytesPerSecond, theoreticalBytesPerSecond, peakFlops,
                overhead, hostToDeviceBytesPerSecond, limit, readingError, hostMemory, null);
    }

    /** A device with its own memory (a GPU). */
    public Capacity(String id, String name, long totalBytes, Long freeBytes, Long reservedBytes,
            Double readBytesPerSecond, Long theoreticalBytesPerSecond, Long peakFlops, DeviceOverhead overhead,
            Double hostToDeviceBytesPerSecond, DeviceLimit limit, String readingError) {
        this(id, name, totalBytes, freeBytes, reservedBytes, readBytesPerSecond, theoreticalBytesPerSecond, peakFlops,
                overhead, hostToDeviceBytesPerSecond, limit, readingError, false);
    }

    /** A device with a measured CUDA context (or none, when {@code contextBytes} is null). */
    public Capacity(String id, String name, long totalBytes, Long freeBytes, Long reservedBytes,
            Double readBytesPerSecond, Long theoreticalBytesPerSecond, Long peakFlops, Long contextBytes,
            Double hostToDeviceBytesPerSecond) {
        this(id, name, totalBytes, freeBytes, reservedBytes, readBytesPerSecond, theoreticalBytesPerSecond, peakFlops,
                contextBytes == null ? null : DeviceOverhead.measuredCudaContext(contextBytes),
                hostToDeviceBytesPerSecond, null, null);
    }

    /** As above, with the host-to-device rate unknown. */
    public Capacity(String id, String name, long totalBytes, Long freeBytes, Long reservedBytes,
            Double readBytesPerSecond, Long theoreticalBytesPerSecond, Long peakFlops, Long contextBytes) {
        this(id, name, totalBytes, freeBytes, reservedBytes, readBytesPerSecond, theoreticalBytesPerSecond, peakFlops,
                contextBytes, null);
    }

    public Capacity {
        Objects.requireNonNull(id, "id");
        if (totalBytes <= 0) {
            throw new IllegalArgumentException("totalBytes must be > 0, was " + totalBytes);
        }
        if (freeBytes != null && (freeBytes < 0 || freeBytes > totalBytes)) {
            throw new IllegalArgumentException("freeBytes must be within [0, " + totalBytes + "], was " + freeBytes);
        }
    }

    /** The same device with a different overhead. */
    public Capacity withOverhead(DeviceOverhead o) {
        return new Capacity(id, name, totalBytes, freeBytes, reservedBytes, readBytesPerSecond,
                theoreticalBytesPerSecond, peakFlops, o, hostToDeviceBytesPerSecond, limit, readingError, hostMemory,
                hardware);
    }

    /** The same device with a different free-memory reading. */
    public Capacity withFreeBytes(Long free) {
        return new Capacity(id, name, totalBytes, free, reservedBytes, readBytesPerSecond, theoreticalBytesPerSecond,
                peakFlops, overhead, hostToDeviceBytesPerSecond, limit, readingError, hostMemory, hardware);
    }

    /** The same device, of this kind. */
    public Capacity withHardware(Hardware h) {
        return new Capacity(id, name, totalBytes, freeBytes, reservedBytes, readBytesPerSecond,
                theoreticalBytesPerSecond, peakFlops, overhead, hostToDeviceBytesPerSecond, limit, readingError,
                hostMemory, h);
    }

    /** Bytes of the overhead, 0 when there is none. */
    public long overheadBytes() {
        return overhead == null ? 0 : overhead.bytes();
    }

    /** Memory a workload may use when the device is idle: total less what the driver reserves, within the limit. */
    public long idleBytes() {
        long idle = totalBytes - (reservedBytes == null ? 0 : reservedBytes);
        return limit == null ? idle : Math.min(idle, limit.bytes());
    }

    /** Memory a workload may use now: free memory within the limit; null when free memory is unknown. */
    public Long freeNowBytes() {
        if (freeBytes == null || readingError != null) {
            return null;
        }
        return limit == null ? freeBytes : Math.min(freeBytes, limit.bytes());
    }

    /** The bandwidth decode is bounded by: measured read, else theoretical; null when neither is known. */
    public Double decodeBandwidth() {
        return readBytesPerSecond != null ? readBytesPerSecond
                : theoreticalBytesPerSecond == null ? null : theoreticalBytesPerSecond.doubleValue();
    }

    /** FLOPs per byte at which the device turns compute-bound; null when peak FLOPs or bandwidth is unknown. */
    public Double ridgeFlopsPerByte() {
        Double b = decodeBandwidth();
        return peakFlops == null || b == null ? null : peakFlops / b;
    }
}
