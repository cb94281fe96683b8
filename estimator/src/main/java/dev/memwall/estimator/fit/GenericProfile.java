package dev.memwall.estimator.fit;

/**
 * The constants of the {@code generic} runtime profile, in one place, each with where it comes from. The
 * profile is weights + KV cache + a compute workspace + the device's own runtime overhead (a CUDA context on
 * NVIDIA devices, nothing on a CPU device).
 */
public final class GenericProfile {

    /** Tokens processed together in one prefill step: llama.cpp's default micro-batch, which sizes its compute buffer. */
    public static final int UBATCH_TOKENS = LlamaCppProfile.UBATCH_TOKENS;

    /** Mixed-precision Adam: fp16 weights (2) + fp16 gradients (2) + fp32 master weights (4) + two fp32 moments (8). */
    public static final int ADAM_BYTES_PER_PARAMETER = 16;

    /** The quick rule users quote: parameters x bytes per parameter x 1.2 for inference, x 2 for training. */
    public static final double RULE_OF_THUMB_INFERENCE = 1.2;
    public static final double RULE_OF_THUMB_TRAINING = 2.0;

    private GenericProfile() {
    }
}
