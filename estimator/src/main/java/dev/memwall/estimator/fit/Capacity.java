package dev.memwall.estimator.fit;

import java.util.Objects;

/**
 * What the estimator needs to know of a device: memory and speed. Sizes in bytes, rates per second; null where
 * unknown.
 *
 * @param id                   the device's id ({@code cuda:0}, {@code sim:1})
 * @param name                 its name
 * @param totalBytes           total memory
 * @param freeBytes            free memory now, or null (then fits-now is judged against total less reserved)
 * @param reservedBytes        memory the driver keeps, or null
 * @param readBytesPerSecond   measured read bandwidth (what decode does), or null
 * @param theoreticalBytesPerSecond the memory's peak, or null
 * @param peakFlops            dense FP16/BF16 peak in FLOP/s, or null
 * @param contextBytes         what a CUDA context was measured to take on this device, or null
 * @param hostToDeviceBytesPerSecond measured pinned host-to-device copy rate, or null
 */
public record Capacity(String id, String name, long totalBytes, Long freeBytes, Long reservedBytes,
        Double readBytesPerSecond, Long theoreticalBytesPerSecond, Long peakFlops, Long contextBytes,
        Double hostToDeviceBytesPerSecond) {

    /** A device whose host-to-device rate is unknown. */
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
    }

    /** Memory a workload may use when the device is idle: total less what the driver reserves. */
    public long idleBytes() {
        return totalBytes - (reservedBytes == null ? 0 : reservedBytes);
    }

    /** Memory a workload may use now: free memory, or the idle figure when free is unknown. */
    public long availableNowBytes() {
        return freeBytes == null ? idleBytes() : freeBytes;
    }

    /** The bandwidth decode is bounded by: measured read, else theoretical; null when neither is known. */
    public Double decodeBandwidth() {
        return readBytesPerSecond != null ? readBytesPerSecond
                : theoreticalBytesPerSecond == null ? null : theoreticalBytesPerSecond.doubleValue();
    }
}
