package dev.memwall.estimator.fit;

/**
 * One line of a memory estimate.
 *
 * @param name    weights, kv_cache, workspace, cuda_context, gradients, ...
 * @param bytes   its size
 * @param formula how it was computed, with the numbers
 */
public record MemoryItem(String name, long bytes, String formula) {

    public MemoryItem {
        if (bytes < 0) {
            throw new IllegalArgumentException(name + " must be >= 0 bytes, was " + bytes);
        }
    }
}
