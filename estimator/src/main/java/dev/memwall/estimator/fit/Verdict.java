package dev.memwall.estimator.fit;

import dev.memwall.estimator.precision.Precision;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A model on a device (or on a group of identical devices), resolved once: every surface (table, JSON, metrics,
 * the page) formats this value and computes nothing of its own, so they cannot disagree.
 *
 * @param model            the model's id
 * @param label            the device's id, or the group's ({@code sim:0+sim:1}, {@code cuda:0..cuda:7})
 * @param device           the device (the first of the group)
 * @param devices          devices the model is split over (tensor parallel for inference, data parallel for training)
 * @param workload         the workload evaluated (the runtime's device-specific defaults applied)
 * @param precision        the weight precision evaluated; for weight files, their own ({@link #AS_STORED})
 * @param state            fits now, fits when idle, does not fit, or unknown
 * @param reason           why, in words, with the figures
 * @param fitsNow          it fits in the memory free now (false when free memory is unknown)
 * @param fitsWhenIdle     it fits in total less reserved memory (within the runtime's rules)
 * @param estimate         memory per device, itemised
 * @param availableBytes   what the runtime may use: of free memory now, or of the idle device when free memory is
 *                         unknown ({@code availableBasis})
 * @param availableBasis   {@code free} or {@code idle}
 * @param headroomBytes    available less required (negative when it does not fit)
 * @param bestPrecision    the highest-quality precision offered that fits in the available memory, or null when
 *                         none does
 * @param maxContextTokens the longest context that fits in the available memory at this precision and batch, or
 *                         null when none does
 * @param maxBatch         the largest batch that fits at this precision and context, or null when none does
 * @param decode           decode speed where one applies: on the device when it fits, the partial-offload figure when
 *                         it does not and an offload plan is shown; null otherwise (and when training)
 * @param roofline         the device's roofline for this model: ridge, critical batch, points
 * @param offload          the layer split with host memory when inference on one device does not fit, or null
 * @param kvPool           vLLM's KV cache pool, or null for other runtimes
 * @param notes            what the runtime would say (vLLM refusing to start), in words
 */
public record Verdict(String model, String label, Capacity device, int devices, Workload workload,
        Precision precision, State state, String reason, boolean fitsNow, boolean fitsWhenIdle,
        MemoryEstimate estimate, long availableBytes, String availableBasis, long headroomBytes,
        Precision bestPrecision, Long maxContextTokens, Integer maxBatch, Decode decode, RooflineFigures roofline,
        Offload offload, KvPool kvPool, List<String> notes) {

    /** The name a weight file's own precision goes by. */
    public static final String AS_STORED = "as-stored";

    /** Whether a model loads, and when. */
    public enum State {
        FITS_NOW, FITS_WHEN_IDLE, DOES_NOT_FIT, UNKNOWN;

        /** {@code fits_now}, {@code fits_when_idle}, {@code does_not_fit}, {@code unknown}. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@code fits now}, {@code fits when idle}, ... for tables. */
        public String words() {
            return word().replace('_', ' ');
        }
    }

    public Verdict {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(estimate, "estimate");
        notes = List.copyOf(notes);
        if (fitsNow && !fitsWhenIdle) {
            throw new IllegalArgumentException("fits now but not when idle: " + label);
        }
    }

    /** Memory the model needs per device. */
    public long requiredBytes() {
        return estimate.totalBytes();
    }

    /**
     * Decode speed per sequence at the workload's batch.
     *
     * @param source                 {@code device} (every layer on the device) or {@code offload} (partial offload)
     * @param batch                  sequences decoded together
     * @param boundTokensPerSecond   the upper bound: bytes read per step at the bandwidth (measured read, else
     *                               theoretical); null when the bandwidth is unknown
     * @param expectedTokensPerSecond the rate the runtime is expected to reach ({@link ExpectedDecode}): at most the
     *                               bound; null when no measurements of the runtime, device kind or format are fitted
     * @param expectedHow            how the expected rate was worked out, or why there is none
     * @param routedTokensPerSecond  the bound with the experts a batch is expected to reach (MoE at batch > 1);
     *                               equal to the bound for dense models; null when unknown
     * @param ceilingTokensPerSecond the bound at the theoretical bandwidth, which no runtime passes; null when unknown
     * @param bandwidthBound         whether memory rather than compute bounds a step; null when peak FLOPs are
     *                               unknown or the figure is an offload one
     * @param expertsReached         routed experts per layer a batch is expected to reach, or null (dense, batch 1)
     * @param experts                routed experts per layer, or null for dense models
     */
    public record Decode(String source, int batch, Double boundTokensPerSecond, Double expectedTokensPerSecond,
            String expectedHow, Double routedTokensPerSecond, Double ceilingTokensPerSecond, Boolean bandwidthBound,
            Double expertsReached, Integer experts) {

        public Decode {
            if (expectedTokensPerSecond != null && boundTokensPerSecond != null
                    && expectedTokensPerSecond > boundTokensPerSecond) {
                throw new IllegalArgumentException("expected " + expectedTokensPerSecond + " tokens per second above "
                        + "the bound " + boundTokensPerSecond);
            }
        }
    }
}
