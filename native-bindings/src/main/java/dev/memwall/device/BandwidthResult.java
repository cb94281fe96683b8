package dev.memwall.device;

/**
 * A device's bandwidth figures. Any of them may be {@code null}: not measured, failed, or unknown.
 *
 * @param read                           the read-only streaming figure (bounds decode speed)
 * @param copy                           the device-to-device copy figure (read + write counted)
 * @param theoreticalBytesPerSecond      the memory's peak from its clock and bus width, or the catalog
 * @param secondsSpent                   wall time of the whole benchmark, set-up and clean-up included
 * @param error                          why a measurement failed, or null
 */
public record BandwidthResult(
        BandwidthMeasurement read,
        BandwidthMeasurement copy,
        Long theoreticalBytesPerSecond,
        double secondsSpent,
        String error) {

    public BandwidthResult {
        if (read != null && read.kind() != BandwidthKind.READ) {
            throw new IllegalArgumentException("read must be a READ measurement, was " + read.kind());
        }
        if (copy != null && copy.kind() != BandwidthKind.COPY) {
            throw new IllegalArgumentException("copy must be a COPY measurement, was " + copy.kind());
        }
        if (theoreticalBytesPerSecond != null && theoreticalBytesPerSecond <= 0) {
            throw new IllegalArgumentException(
                    "theoreticalBytesPerSecond must be > 0, was " + theoreticalBytesPerSecond);
        }
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
