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
 * @param samples           number of timed samples taken (0 when not measured)
 * @param minBytesPerSecond the slowest sample
 * @param maxBytesPerSecond the fastest sample
 * @param converged         true when sampling stopped because the last samples agreed
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
        boolean converged,
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
     * A figure from a fixed number of timed passes: the median over all of them (converged when they all agree
     * within 2%).
     *
     * @param passSeconds device time of each timed pass, in seconds
     */
    public static BandwidthMeasurement ofSamples(BandwidthKind kind, long bytesPerPass, long bufferBytes,
            double[] passSeconds, double secondsSpent, String method, List<String> notes) {
        return ofSamples(kind, bytesPerPass, bufferBytes, Sampler.Samples.of(passSeconds, passSeconds.length, 0.02),
                secondsSpent, method, notes);
    }

    /**
     * A figure from samples: bytesPerPass / seconds for each, the median over all of them (robust to the odd
     * slow sample, and to a pass that alternates between two speeds), with the slowest and fastest sample.
     */
    public static BandwidthMeasurement ofSamples(BandwidthKind kind, long bytesPerPass, long bufferBytes,
            Sampler.Samples samples, double secondsSpent, String method, List<String> notes) {
        double[] passSeconds = samples.seconds();
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
        return new BandwidthMeasurement(kind, Stats.median(rates), bytesPerPass, bufferBytes, rates.length, min, max,
                samples.converged(), secondsSpent, method, notes);
    }

    /** (fastest - slowest) / figure: how far apart the samples were. */
    public double spread() {
        return (maxBytesPerSecond - minBytesPerSecond) / bytesPerSecond;
    }

    /** A figure taken from the hardware catalog for a simulated device: nothing was measured. */
    public static BandwidthMeasurement simulated(BandwidthKind kind, double bytesPerSecond) {
        return new BandwidthMeasurement(kind, bytesPerSecond, 0, 0, 0, bytesPerSecond, bytesPerSecond, false, 0,
                SIMULATED, List.of("catalog figure for a simulated device, not measured"));
    }

    /** True when this figure came from running something on the device. */
    public boolean measured() {
        return !SIMULATED.equals(method);
    }
}
