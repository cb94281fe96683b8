package dev.memwall.estimator.fit;

/** What the model is loaded for. */
public enum Mode {
    /** Serving: weights, KV cache, workspace. */
    INFERENCE,
    /** Full fine-tuning with mixed-precision Adam. */
    TRAINING;

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
