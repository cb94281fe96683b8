package dev.memwall.device;

/**
 * How bandwidth is measured: passes, when sampling stops, and the bounds on the memory it may take.
 *
 * <p>Sampling stops as soon as the last {@code minSamples} samples agree within {@code convergence} of each
 * other (the figure has converged), or at {@code maxSamples}, or once {@code maxSamplingSeconds} have gone by
 * with at least {@code minSamples} taken.
 *
 * @param warmupPasses       untimed passes before sampling (at least 1)
 * @param minSamples         timed passes at least, and the window that must agree (at least 3)
 * @param maxSamples         timed passes at most
 * @param convergence        the window agrees when its slowest and fastest sample are within this fraction
 * @param maxSamplingSeconds stop sampling after this long (once {@code minSamples} are in)
 * @param deviceBufferBytes  the buffer on a device with memory of its own (a GPU: filling it costs nothing)
 * @param hostBufferBytes    the buffer on a device whose memory is the host's (a CPU device: every byte is
 *                           taken from the host and touched page by page), unless the cache asks for more
 * @param memoryFraction     cap on the buffer as a share of free memory (of total when free is unknown)
 * @param cacheMultiple      the buffer should be at least this many times the device's last-level cache
 * @param seed               seed of the random fill
 */
public record BenchmarkSettings(
        int warmupPasses,
        int minSamples,
        int maxSamples,
        double convergence,
        double maxSamplingSeconds,
        long deviceBufferBytes,
        long hostBufferBytes,
        double memoryFraction,
        int cacheMultiple,
        long seed) {

    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;

    public BenchmarkSettings {
        if (warmupPasses < 1) {
            throw new IllegalArgumentException("warmupPasses must be >= 1, was " + warmupPasses);
        }
        if (minSamples < 3) {
            throw new IllegalArgumentException("minSamples must be >= 3, was " + minSamples);
        }
        if (maxSamples < minSamples) {
            throw new IllegalArgumentException("maxSamples must be >= minSamples (" + minSamples + "), was "
                    + maxSamples);
        }
        if (!(convergence > 0 && convergence < 1)) {
            throw new IllegalArgumentException("convergence must be within (0, 1), was " + convergence);
        }
        if (!(maxSamplingSeconds > 0) || Double.isInfinite(maxSamplingSeconds)) {
            throw new IllegalArgumentException("maxSamplingSeconds must be finite and > 0, was "
                    + maxSamplingSeconds);
        }
        for (long bytes : new long[] {deviceBufferBytes, hostBufferBytes}) {
            if (bytes < BufferPlan.MIN_BUFFER_BYTES) {
                throw new IllegalArgumentException(
                        "buffer sizes must be >= " + BufferPlan.MIN_BUFFER_BYTES + ", was " + bytes);
            }
        }
        if (!(memoryFraction > 0 && memoryFraction <= 0.5)) {
            throw new IllegalArgumentException("memoryFraction must be within (0, 0.5], was " + memoryFraction);
        }
        if (cacheMultiple < 1) {
            throw new IllegalArgumentException("cacheMultiple must be >= 1, was " + cacheMultiple);
        }
    }

    /**
     * The defaults: 1 warm-up pass; 3 to 20 samples, stopping when three in a row agree within 2% or after
     * half a second; a 1 GiB buffer in device memory, 256 MiB in host memory (more when 4x the cache needs
     * it); never more than 10% of memory.
     */
    public static BenchmarkSettings defaults() {
        return new BenchmarkSettings(1, 3, 20, 0.02, 0.5, GIB, 256 * MIB, 0.10, 4, System.nanoTime());
    }

    /** The same settings with another cache multiple (CUDA asks for 8x its L2). */
    public BenchmarkSettings withCacheMultiple(int multiple) {
        return new BenchmarkSettings(warmupPasses, minSamples, maxSamples, convergence, maxSamplingSeconds,
                deviceBufferBytes, hostBufferBytes, memoryFraction, multiple, seed);
    }

    /** The same settings with at least this many warm-up passes. */
    public BenchmarkSettings withWarmupPasses(int passes) {
        return new BenchmarkSettings(Math.max(warmupPasses, passes), minSamples, maxSamples, convergence,
                maxSamplingSeconds, deviceBufferBytes, hostBufferBytes, memoryFraction, cacheMultiple, seed);
    }
}
