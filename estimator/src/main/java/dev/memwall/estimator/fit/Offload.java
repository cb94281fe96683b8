package dev.memwall.estimator.fit;

/**
 * Partial offload, llama.cpp style: whole layers on the device, the rest (their weights and KV cache) in host
 * memory, and the decode bound of that split.
 *
 * @param deviceLayers       layers that fit on the device
 * @param hostLayers         layers left in host memory
 * @param hostBytes          host memory those layers (and anything the runtime keeps there) need
 * @param hostAvailableBytes host memory available, or null when unknown
 * @param deviceStepBytes    bytes one decode step at the workload's batch reads from device memory
 * @param hostStepBytes      bytes it reads from host-resident layers
 * @param hostBandwidth      the rate those host bytes are bounded by, or null when unknown
 * @param hostPath           which rate that is: {@code host_read} (the CPU computes those layers) or
 *                           {@code host_to_device} (their weights cross the bus to the device), or null
 * @param decodeTokensPerSecondBound upper bound per sequence: device bytes at device bandwidth plus host bytes at
 *                           the host rate; null when either rate is unknown
 */
public record Offload(int deviceLayers, int hostLayers, long hostBytes, Long hostAvailableBytes,
        double deviceStepBytes, double hostStepBytes, Double hostBandwidth, String hostPath,
        Double decodeTokensPerSecondBound) {

    /** Whether the host has room for its share; null when host memory is unknown. */
    public Boolean hostFits() {
        return hostAvailableBytes == null ? null : hostBytes <= hostAvailableBytes;
    }
}
