package dev.memwall.device;

/**
 * How bandwidth is measured: passes, and the bounds on the memory it may take.
 *
 * @param warmupPasses       untimed passes before sampling (at least 1)
 * @param samples            timed passes; the median is reported (at least 5)
 * @param maxBufferBytes     absolute cap on one buffer
 * @param memoryFraction     cap on one buffer as a share of free memory (of total when free is unknown)
 * @param cacheMultiple      a buffer should be at least this many times the device's last-level cache
 * @param seed               seed of the random fill
 */
public record BenchmarkSettings(
        int warmupPasses,
        int samples,
        long maxBufferBytes,
        double memoryFraction,
        int cacheMultiple,
        long seed) {

    public static final long GIB = 1L << 30;

    public BenchmarkSettings {
        if (warmupPasses < 1) {
            throw new IllegalArgumentException("warmupPasses must be >= 1, was " + warmupPasses);
        }
        if (samples < 5) {
            throw new IllegalArgumentException("samples must be >= 5, was " + samples);
        }
        if (maxBufferBytes < BufferPlan.MIN_BUFFER_BYTES) {
            throw new IllegalArgumentException(
                    "maxBufferBytes must be >= " + BufferPlan.MIN_BUFFER_BYTES + ", was " + maxBufferBytes);
        }
        if (!(memoryFraction > 0 && memoryFraction <= 0.5)) {
            throw new IllegalArgumentException("memoryFraction must be within (0, 0.5], was " + memoryFraction);
        }
        if (cacheMultiple < 1) {
            throw new IllegalArgumentException("cacheMultiple must be >= 1, was " + cacheMultiple);
        }
    }

    /** The defaults: 1 warm-up pass, 5 samples, buffers of at most min(1 GiB, 10% of memory), 4x the cache. */
    public static BenchmarkSettings defaults() {
        return new BenchmarkSettings(1, 5, GIB, 0.10, 4, System.nanoTime());
    }
}
