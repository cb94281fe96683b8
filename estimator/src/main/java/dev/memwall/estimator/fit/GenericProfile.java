package dev.memwall.estimator.fit;

/**
 * The constants of the {@code generic} runtime profile, in one place, each with where it comes from. The
 * profile is weights + KV cache + a compute workspace + a CUDA context per device.
 */
public final class GenericProfile {

    /** Tokens processed together in one prefill step: llama.cpp's default micro-batch, which sizes its compute buffer. */
    public static final int UBATCH_TOKENS = LlamaCppProfile.UBATCH_TOKENS;

    /**
     * A CUDA context when the device did not measure one. An assumption, not a measurement: memwall states the
     * measured figure instead wherever NVML and CUDA both answer ({@code query_context_bytes}).
     */
    public static final long ASSUMED_CONTEXT_BYTES = 512L << 20;

    /** Mixed-precision Adam: fp16 weights (2) + fp16 gradients (2) + fp32 master weights (4) + two fp32 moments (8). */
    public static final int ADAM_BYTES_PER_PARAMETER = 16;

    /** The quick rule users quote: parameters x bytes per parameter x 1.2 for inference, x 2 for training. */
    public static final double RULE_OF_THUMB_INFERENCE = 1.2;
    public static final double RULE_OF_THUMB_TRAINING = 2.0;

    private GenericProfile() {
    }
}
