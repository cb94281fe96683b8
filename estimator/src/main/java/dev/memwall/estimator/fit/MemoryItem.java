package dev.memwall.estimator.fit;

/**
 * One line of a memory estimate.
 *
 * @param name    weights, kv_cache, workspace, cuda_context, gradients, ...
 * @param bytes   its size
 * @param formula how it was computed, with the numbers
 * @param host    whether it lives in host memory rather than on the device (llama.cpp's input embedding)
 */
public record MemoryItem(String name, long bytes, String formula, boolean host) {

    public MemoryItem {
        if (bytes < 0) {
            throw new IllegalArgumentException(name + " must be >= 0 bytes, was " + bytes);
        }
    }

    /** An item on the device. */
    public MemoryItem(String name, long bytes, String formula) {
        this(name, bytes, formula, false);
    }
}
