package dev.memwall.device;

import dev.memwall.device.host.HostLoad;

/**
 * A device's bandwidth figures. Any of them may be {@code null}: not measured, failed, or unknown.
 *
 * @param read                           the read-only streaming figure (bounds decode speed)
 * @param copy                           the device-to-device copy figure (read + write counted)
 * @param theoreticalBytesPerSecond      the memory's peak from its clock and bus width, or the catalog
 * @param secondsSpent                   wall time of the whole benchmark, set-up and clean-up included
 * @param error                          why a measurement failed, or null
 * @param hostToDevice                   pinned host memory to device, or null where not measured
 * @param deviceToHost                   device to pinned host memory, or null where not measured
 * @param load                           what else the host's CPUs did meanwhile, or null where not measured
 */
public record BandwidthResult(
        BandwidthMeasurement read,
        BandwidthMeasurement copy,
        Long theoreticalBytesPerSecond,
        double secondsSpent,
        String error,
        BandwidthMeasurement hostToDevice,
        BandwidthMeasurement deviceToHost,
        HostLoad load) {

    public BandwidthResult {
        if (read != null && read.kind() != BandwidthKind.READ) {
            throw new IllegalArgumentException("read must be a READ measurement, was " + read.kind());
        }
        if (copy != null && copy.kind() != BandwidthKind.COPY) {
            throw new IllegalArgumentException("copy must be a COPY measurement, was " + copy.kind());
        }
        if (hostToDevice != null && hostToDevice.kind() != BandwidthKind.HOST_TO_DEVICE) {
            throw new IllegalArgumentException("hostToDevice must be a HOST_TO_DEVICE measurement, was "
                    + hostToDevice.kind());
        }
        if (deviceToHost != null && deviceToHost.kind() != BandwidthKind.DEVICE_TO_HOST) {
            throw new IllegalArgumentException("deviceToHost must be a DEVICE_TO_HOST measurement, was "
                    + deviceToHost.kind());
        }
        if (theoreticalBytesPerSecond != null && theoreticalBytesPerSecond <= 0) {
            throw new IllegalArgumentException(
                    "theoreticalBytesPerSecond must be > 0, was " + theoreticalBytesPerSecond);
        }
    }

    /** Without a reading of the host's load. */
    public BandwidthResult(BandwidthMeasurement read, BandwidthMeasurement copy, Long theoreticalBytesPerSecond,
            double secondsSpent, String error, BandwidthMeasurement hostToDevice, BandwidthMeasurement deviceToHost) {
        this(read, copy, theoreticalBytesPerSecond, secondsSpent, error, hostToDevice, deviceToHost, null);
    }

    /** The same figures with the host's load while they were taken. */
    public BandwidthResult withLoad(HostLoad hostLoad) {
        return new BandwidthResult(read, copy, theoreticalBytesPerSecond, secondsSpent, error, hostToDevice,
                deviceToHost, hostLoad);
    }

    /** Read and copy only, as backends without host transfers measure. */
    public BandwidthResult(BandwidthMeasurement read, BandwidthMeasurement copy, Long theoreticalBytesPerSecond,
            double secondsSpent, String error) {
        this(read, copy, theoreticalBytesPerSecond, secondsSpent, error, null, null);
    }

    /** Nothing measured; only the theoretical figure, if any. */
    public static BandwidthResult notMeasured(Long theoreticalBytesPerSecond) {
        return new BandwidthResult(null, null, theoreticalBytesPerSecond, 0, null);
    }

    /** Measured read figure over theoretical, or null when either is unknown or not measured. */
    public Double readEfficiency() {
        if (read == null || !read.measured() || theoreticalBytesPerSecond == null) {
            return null;
        }
        return read.bytesPerSecond() / theoreticalBytesPerSecond;
    }
}
