package dev.memwall.device;

import java.util.List;
import java.util.Objects;

/**
 * One bandwidth figure and how it was obtained.
 *
 * @param kind              read or copy
 * @param bytesPerSecond    the median of the samples, in bytes per second, counting {@link BandwidthKind#counted()}
 * @param bytesPerPass      bytes counted in one timed pass (a copy of N bytes counts 2N)
 * @param bufferBytes       size of each buffer used
 * @param samples           number of timed passes the median is taken over (0 when not measured)
 * @param minBytesPerSecond the slowest sample
 * @param maxBytesPerSecond the fastest sample
 * @param secondsSpent      wall time the whole measurement took, set-up and warm-up included
 * @param method            how: {@code opencl-read-kernel}, {@code clEnqueueCopyBuffer}, {@code simulated}
 * @param notes             caveats a reader should know (e.g. buffer smaller than 4x the cache)
 */
public record BandwidthMeasurement(
        BandwidthKind kind,
        double bytesPerSecond,
        long bytesPerPass,
        long bufferBytes,
        int samples,
        double minBytesPerSecond,
        double maxBytesPerSecond,
        double secondsSpent,
        String method,
        List<String> notes) {

    public static final String SIMULATED = "simulated";

    public BandwidthMeasurement {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(method, "method");
        if (!(bytesPerSecond > 0) || Double.isInfinite(bytesPerSecond)) {
            throw new IllegalArgumentException("bytesPerSecond must be finite and > 0, was " + bytesPerSecond);
        }
        if (samples < 0) {
            throw new IllegalArgumentException("samples must be >= 0, was " + samples);
        }
        if (secondsSpent < 0) {
            throw new IllegalArgumentException("secondsSpent must be >= 0, was " + secondsSpent);
        }
        notes = List.copyOf(notes);
    }

    /**
     * A figure from timed passes: the median of bytesPerPass / seconds over the samples.
     *
     * @param passSeconds device time of each timed pass, in seconds
     */
    public static BandwidthMeasurement ofSamples(BandwidthKind kind, long bytesPerPass, long bufferBytes,
            double[] passSeconds, double secondsSpent, String method, List<String> notes) {
        double[] rates = new double[passSeconds.length];
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int i = 0; i < passSeconds.length; i++) {
            if (!(passSeconds[i] > 0)) {
                throw new IllegalArgumentException("pass " + i + " took " + passSeconds[i] + " s; a timer is broken");
            }
            rates[i] = bytesPerPass / passSeconds[i];
            min = Math.min(min, rates[i]);
            max = Math.max(max, rates[i]);
        }
        return new BandwidthMeasurement(kind, Stats.median(rates), bytesPerPass, bufferBytes, rates.length, min,
                max, secondsSpent, method, notes);
    }

    /** A figure taken from the hardware catalog for a simulated device: nothing was measured. */
    public static BandwidthMeasurement simulated(BandwidthKind kind, double bytesPerSecond) {
        return new BandwidthMeasurement(kind, bytesPerSecond, 0, 0, 0, bytesPerSecond, bytesPerSecond, 0,
                SIMULATED, List.of("catalog figure for a simulated device, not measured"));
    }

    /** True when this figure came from running something on the device. */
    public boolean measured() {
        return !SIMULATED.equals(method);
    }
}
