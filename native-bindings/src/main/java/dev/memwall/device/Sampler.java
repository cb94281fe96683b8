package dev.memwall.device;

import java.util.Arrays;

/**
 * Takes timed samples until the figure has converged: the last {@link BenchmarkSettings#minSamples()} samples
 * agree within {@link BenchmarkSettings#convergence()}, or the cap on samples or time is reached. Samples follow
 * each other with nothing in between: a pause lets a CPU device's worker threads fall asleep, and waking them
 * shows in the next sample.
 */
public final class Sampler {

    /** One timed sample: the device seconds of one pass. */
    @FunctionalInterface
    public interface Sample {
        double seconds() throws DeviceException;
    }

    /**
     * The seconds of each sample, in order, and whether the last {@code window} of them agreed.
     *
     * @param seconds   device seconds per pass of each sample
     * @param converged true when the last {@code window} samples agreed within the tolerance
     * @param window    how many of the last samples had to agree
     */
    public record Samples(double[] seconds, boolean converged, int window) {

        public Samples {
            if (seconds.length == 0) {
                throw new IllegalArgumentException("no samples");
            }
            if (window < 1 || window > seconds.length) {
                throw new IllegalArgumentException("window " + window + " of " + seconds.length + " samples");
            }
            seconds = seconds.clone();
        }

        @Override
        public double[] seconds() {
            return seconds.clone();
        }

        /** Samples that were all taken; converged when the last {@code window} (or all, when fewer) agree. */
        public static Samples of(double[] seconds, int window, double tolerance) {
            int w = Math.min(window, seconds.length);
            return new Samples(seconds, agree(seconds, seconds.length - w, seconds.length, tolerance), w);
        }
    }

    private Sampler() {
    }

    /** Samples until converged, {@code maxSamples} are in, or {@code maxSamplingSeconds} have gone by. */
    public static Samples take(Sample sample, BenchmarkSettings settings, String deviceId) throws DeviceException {
        long started = System.nanoTime();
        double[] seconds = new double[settings.maxSamples()];
        int window = settings.minSamples();
        for (int n = 1;; n++) {
            Cancellation.check(deviceId);
            seconds[n - 1] = sample.seconds();
            if (n < window) {
                continue;
            }
            boolean converged = agree(seconds, n - window, n, settings.convergence());
            boolean timeUp = (System.nanoTime() - started) / 1e9 >= settings.maxSamplingSeconds();
            if (converged || n == seconds.length || timeUp) {
                return new Samples(Arrays.copyOf(seconds, n), converged, window);
            }
        }
    }

    /** True when the slowest and fastest of seconds[from, to) are within the tolerance of each other. */
    static boolean agree(double[] seconds, int from, int to, double tolerance) {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int i = from; i < to; i++) {
            min = Math.min(min, seconds[i]);
            max = Math.max(max, seconds[i]);
        }
        return max <= min * (1 + tolerance);
    }
}
