package dev.memwall.estimator.fit;

import java.util.Locale;
import java.util.Optional;

/**
 * The decode rate a runtime is expected to reach on a device, beside the bound: {@link DecodeEfficiency}'s fit of
 * published measurements applied to the bandwidth bound, and on a CPU capped by what its threads can compute.
 *
 * <ul>
 * <li>The fit's bounds are each device's peak bandwidth over the bytes a token reads, FLOPs aside, so the fit is
 *     applied to that bound at the theoretical bandwidth where it is known, else at the measured read bandwidth (a
 *     CPU OpenCL device has no peak figure), and says which.</li>
 * <li>On a CPU, each thread computes on one core: where the device's FP32 rate is known, the expected rate is at
 *     most the threads' share of it over the FLOPs of a step (no probe measures a CPU's rate yet). More threads than cores make llama.cpp's threads wait on each other at
 *     every operation (docs/ACCURACY.md shows a measured 40-fold slowdown), so no rate is expected then.</li>
 * <li>The expected rate never passes the bound.</li>
 * </ul>
 */
final class ExpectedDecode {

    /**
     * @param tokensPerSecond expected tokens per second per sequence, or null when none can be said
     * @param how             one line: how it was worked out, or why there is none
     */
    record Result(Double tokensPerSecond, String how) {
    }

    private ExpectedDecode() {
    }

    /**
     * @param runtime  the runtime profile
     * @param device   the device
     * @param format   the weights' format (a precision name or a GGUF type), or null when unknown
     * @param moe      whether the model routes experts
     * @param roofline the decode roofline on the device
     * @param batch    sequences decoded together
     * @param bound    the bound per sequence at this batch, or null when the bandwidth is unknown
     */
    static Result of(RuntimeProfile runtime, Capacity device, String format, boolean moe, Roofline roofline,
            int batch, Double bound) {
        if (bound == null) {
            return new Result(null, "no bandwidth is known, so neither a bound nor an expected rate");
        }
        Capacity.Hardware hw = device.hardware();
        if (hw == null) {
            return new Result(null, "the device's kind is unknown, so only the bound is given");
        }
        FormatClass formatClass;
        try {
            formatClass = format == null ? null : FormatClass.of(format, moe);
        } catch (IllegalArgumentException e) {
            formatClass = null;
        }
        if (formatClass == null) {
            return new Result(null, "no decode measurements of " + (format == null ? "this format" : format)
                    + " are fitted, so only the bound is given");
        }
        boolean cpu = hw.deviceClass() == DeviceClass.CPU;
        Integer threads = runtime instanceof RuntimeProfile.LlamaCpp l ? l.threads() : null;
        if (cpu && threads != null && hw.cores() != null && threads > hw.cores()) {
            return new Result(null, String.format(Locale.ROOT, "%d threads on %d cores: llama.cpp's threads wait on "
                    + "each other at every operation, so no rate is expected (use -t %d)", threads, hw.cores(),
                    hw.cores()));
        }
        Long theoretical = roofline.theoreticalBandwidth();
        // The fit's bounds are bandwidth over bytes, FLOPs aside, and a step is expected to read the experts a batch
        // reaches, not the k of the bound.
        double fitBound = (theoretical != null ? theoretical : roofline.bandwidth())
                / roofline.expectedBytesPerStep(batch);
        Optional<DecodeRate> rate = DecodeEfficiency.builtIn().expected(runtime.word(),
                new DecodeEfficiency.Device(hw.deviceClass(), hw.memoryType() != null
                        && hw.memoryType().trim().toUpperCase(Locale.ROOT).startsWith("HBM")), formatClass, fitBound);
        if (rate.isEmpty()) {
            return new Result(null, "no published " + runtime.word() + " decode measurements are fitted yet, so only "
                    + "the bound is given");
        }
        double expected = rate.get().tokensPerSecond();
        StringBuilder how = new StringBuilder(rate.get().how());
        if (theoretical == null) {
            how.append("; applied to the bound at the measured read bandwidth (no peak bandwidth is known)");
        }
        if (cpu && roofline.peakFlops() != null) {
            int cores = hw.cores() == null ? 1 : hw.cores();
            int used = threads == null ? cores : threads;
            double share = hw.cores() == null ? 1 : Math.min(1.0, (double) used / cores);
            double cap = roofline.peakFlops() * share / (batch * roofline.flopsPerSequence());
            if (cap < expected) {
                expected = cap;
                how.append(String.format(Locale.ROOT, "; capped by compute: %d of %d cores at %.1f GFLOP/s measured",
                        used, cores, roofline.peakFlops() / 1e9));
            }
        }
        if (expected > bound) {
            expected = bound;
            how.append("; held at the bound");
        }
        return new Result(expected, how.toString());
    }
}
