package dev.memwall.estimator.fit;

/**
 * What the estimator needs to know of the host for partial offload; null where unknown.
 *
 * @param availableBytes     host memory available now
 * @param readBytesPerSecond host memory read bandwidth (what a CPU computing host-resident layers streams)
 */
public record HostCapacity(Long availableBytes, Double readBytesPerSecond) {

    public static final HostCapacity UNKNOWN = new HostCapacity(null, null);
}
