package dev.memwall.estimator.safetensors;

/** What a tensor's bytes are for when counting parameters. */
public enum TensorRole {
    /** A plain tensor: one parameter per element. */
    PARAMETER,
    /** Quantized weights packed several to a stored element (GPTQ/AWQ {@code qweight}, bitsandbytes 4-bit). */
    PACKED_PARAMETER,
    /** Quantization bookkeeping, not parameters: scales, zeros, {@code g_idx}, absmax, quant maps and states. */
    QUANTIZATION_OVERHEAD
}
