package dev.memwall.estimator.fit;

import java.util.Objects;

/**
 * One published single-sequence decode rate and what bounds it: the device's peak memory bandwidth and the bytes the
 * runtime reads for each token (weights a token uses, plus its KV cache at the run's mean context).
 *
 * @param id                       the row's id in the measurements file
 * @param runtime                  the runtime's word ({@code llama.cpp})
 * @param device                   the device as the source names it
 * @param deviceClass              the kind of device
 * @param hbm                      whether the device's memory is HBM
 * @param bandwidthBytesPerSecond  the device's peak memory bandwidth, bytes per second
 * @param model                    the model as the source names it
 * @param format                   the weights' format (memwall precision or GGUF type name)
 * @param formatClass              the format's class ({@link FormatClass#MOE} for mixture-of-experts models)
 * @param weightBytesPerToken      weight bytes one token reads: the file, or for MoE the experts it reaches and the rest
 * @param kvBytesPerToken          KV cache bytes one token reads at the run's mean context (0 when not known)
 * @param measuredTokensPerSecond  the published rate, tokens per second
 * @param source                   where the rate is printed
 */
public record DecodeMeasurement(String id, String runtime, String device, DeviceClass deviceClass, boolean hbm,
        double bandwidthBytesPerSecond, String model, String format, FormatClass formatClass,
        double weightBytesPerToken, double kvBytesPerToken, double measuredTokensPerSecond, String source) {

    public DecodeMeasurement {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(deviceClass, "deviceClass");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(formatClass, "formatClass");
        Objects.requireNonNull(source, "source");
        positive("bandwidth", bandwidthBytesPerSecond);
        positive("weight bytes per token", weightBytesPerToken);
        positive("measured tokens per second", measuredTokensPerSecond);
        if (!(kvBytesPerToken >= 0) || Double.isInfinite(kvBytesPerToken)) {
            throw new IllegalArgumentException("KV bytes per token must be >= 0, was " + kvBytesPerToken);
        }
    }

    private static void positive(String what, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be > 0, was " + value);
        }
    }

    /** The device group the fit puts this row in. */
    public DecodeEfficiency.Device group() {
        return new DecodeEfficiency.Device(deviceClass, hbm);
    }

    /** Bytes one token reads: weights and KV cache. */
    public double bytesPerToken() {
        return weightBytesPerToken + kvBytesPerToken;
    }

    /** The memory-bandwidth bound: peak bandwidth over the bytes a token reads, tokens per second. */
    public double boundTokensPerSecond() {
        return bandwidthBytesPerSecond / bytesPerToken();
    }

    /** The measured rate as a share of the bound. */
    public double efficiency() {
        return measuredTokensPerSecond / boundTokensPerSecond();
    }
}
