package dev.memwall.estimator.fit;

/**
 * Partial offload, llama.cpp style: whole layers on the device, the rest (their weights and KV cache) in host
 * memory.
 *
 * @param deviceLayers    layers that fit on the device
 * @param hostLayers      layers left in host memory
 * @param hostBytes       host memory those layers need
 * @param hostAvailableBytes host memory available, or null when unknown
 */
public record Offload(int deviceLayers, int hostLayers, long hostBytes, Long hostAvailableBytes) {

    /** Whether the host has room for its share; true when host memory is unknown is not claimed: null then. */
    public Boolean hostFits() {
        return hostAvailableBytes == null ? null : hostBytes <= hostAvailableBytes;
    }
}
