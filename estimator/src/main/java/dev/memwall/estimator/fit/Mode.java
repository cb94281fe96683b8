package dev.memwall.estimator.fit;

/** What the model is loaded for. */
public enum Mode {
    /** Serving: weights, KV cache, workspace. */
    INFERENCE,
    /** Full fine-tuning with mixed-precision Adam. */
    TRAINING,
    /** LoRA: the base frozen at the workload's precision, rank-r adapters on every linear layer trained with Adam. */
    LORA,
    /** QLoRA: the base frozen in 4-bit NF4 with double quantization, bf16 adapters trained with Adam. */
    QLORA;

    /** Whether gradients and activations for a backward pass are kept. */
    public boolean trains() {
        return this != INFERENCE;
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
