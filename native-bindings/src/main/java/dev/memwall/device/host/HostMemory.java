package dev.memwall.device.host;

/**
 * The host's memory, in bytes.
 *
 * @param totalBytes     physical memory
 * @param availableBytes memory available to new work without swapping (Linux MemAvailable)
 * @param hostname       the host's name, or null
 */
public record HostMemory(long totalBytes, long availableBytes, String hostname) {

    public HostMemory {
        if (totalBytes <= 0) {
            throw new IllegalArgumentException("totalBytes must be > 0, was " + totalBytes);
        }
        if (availableBytes < 0 || availableBytes > totalBytes) {
            throw new IllegalArgumentException(
                    "availableBytes must be within [0, totalBytes=" + totalBytes + "], was " + availableBytes);
        }
    }
}
