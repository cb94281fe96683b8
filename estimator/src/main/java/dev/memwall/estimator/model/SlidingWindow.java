package dev.memwall.estimator.model;

/**
 * Local attention: some layers attend to the last {@code windowTokens} tokens only, so their KV cache is capped.
 *
 * @param windowTokens the window
 * @param globalEvery  every Nth layer attends globally (Gemma 2: 2, Gemma 3: 6); 0 = every layer is local
 */
public record SlidingWindow(long windowTokens, int globalEvery) {

    public SlidingWindow {
        if (windowTokens < 1) {
            throw new IllegalArgumentException("sliding window must be >= 1 token, was " + windowTokens);
        }
        if (globalEvery < 0) {
            throw new IllegalArgumentException("global_every must be >= 0, was " + globalEvery);
        }
    }

    /** Whether layer {@code index} (0-based) is a local (windowed) layer; the last of each group is global. */
    public boolean isLocal(int index) {
        return globalEvery == 0 || (index + 1) % globalEvery != 0;
    }

    /** How many of {@code layers} layers are local. */
    public int localLayers(int layers) {
        return globalEvery == 0 ? layers : layers - layers / globalEvery;
    }
}
