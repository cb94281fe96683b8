package dev.memwall.estimator.safetensors;

/**
 * How a checkpoint's weights are stored, told from tensor names, dtypes and shapes alone: plain, GPTQ or AWQ
 * (int32 words each packing 32/bits values), or bitsandbytes 4-bit (two values per byte) or 8-bit.
 */
public enum QuantizationScheme {
    /** No packed or bitsandbytes weights. */
    NONE("none"),
    /** GPTQ: {@code qweight} is [in * bits / 32, out]. */
    GPTQ("gptq"),
    /** AWQ: {@code qweight} is [in, out * bits / 32]. */
    AWQ("awq"),
    /** Packed {@code qweight}s whose layout no {@code scales} or {@code g_idx} tensor settles. */
    GPTQ_OR_AWQ("gptq-or-awq"),
    /** bitsandbytes nf4/fp4: U8 weights with a {@code quant_state.bitsandbytes__nf4} (or {@code __fp4}). */
    BITSANDBYTES_4BIT("bitsandbytes-4bit"),
    /** bitsandbytes LLM.int8: I8 weights with an {@code SCB} tensor beside them. */
    BITSANDBYTES_8BIT("bitsandbytes-8bit"),
    /** More than one of the above in one checkpoint. */
    MIXED("mixed");

    private final String label;

    QuantizationScheme(String label) {
        this.label = label;
    }

    /** Lower-case name for output, such as {@code gptq-or-awq}. */
    public String label() {
        return label;
    }
}
