package dev.memwall.estimator.fit;

import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Weight formats grouped by how a decode kernel reads them. A mixture-of-experts model is its own class whatever its
 * format: its kernels gather experts, which dense models do not.
 */
public enum FormatClass {
    SIXTEEN_BIT("16-bit", "f16, bf16"),
    EIGHT_BIT("8-bit", "q8_0, fp8, int8"),
    K_QUANT("k-quant", "Q2_K to Q6_K, _S/_M/_L mixes"),
    LEGACY_QUANT("legacy quant", "Q4_0, Q4_1, Q5_0, Q5_1"),
    I_QUANT("i-quant", "IQ1 to IQ4"),
    MOE("MoE", "mixture-of-experts models, any format"),
    OTHER("other", "fp32 and the GPU 4- and 2-bit formats (int4, nf4, mxfp4, nvfp4, int2)");

    private static final Pattern K = Pattern.compile("q[2-6]_k(_[sml])?");
    private static final Pattern LEGACY = Pattern.compile("q[45]_[01]");
    private static final Pattern I = Pattern.compile("iq[1-4]_[a-z0-9]+");

    private final String label;
    private final String members;

    FormatClass(String label, String members) {
        this.label = label;
        this.members = members;
    }

    /** A short name for tables and explanations. */
    public String label() {
        return label;
    }

    /** The formats the class holds, in words. */
    public String members() {
        return members;
    }

    /**
     * The class of a weight format: a memwall precision name or alias ({@code q4_k_m}, {@code bf16}, {@code f16}) or
     * a GGUF type ({@code q5_1}, {@code iq4_xs}); {@code moe} puts every format of a mixture-of-experts model in
     * {@link #MOE}.
     *
     * @throws IllegalArgumentException when the format is neither
     */
    public static FormatClass of(String format, boolean moe) {
        Objects.requireNonNull(format, "format");
        String name = Precisions.weight(format).map(Precision::name)
                .orElse(format.trim().toLowerCase(Locale.ROOT).replace('-', '_'));
        FormatClass dense = dense(name);
        if (dense == null) {
            throw new IllegalArgumentException("unknown weight format '" + format + "'");
        }
        return moe ? MOE : dense;
    }

    private static FormatClass dense(String name) {
        if (name.equals("fp16") || name.equals("bf16")) {
            return SIXTEEN_BIT;
        }
        if (name.equals("q8_0") || name.equals("int8") || name.startsWith("fp8")) {
            return EIGHT_BIT;
        }
        if (K.matcher(name).matches()) {
            return K_QUANT;
        }
        if (LEGACY.matcher(name).matches()) {
            return LEGACY_QUANT;
        }
        if (I.matcher(name).matches()) {
            return I_QUANT;
        }
        return Precisions.weight(name).isPresent() ? OTHER : null;
    }

    @Override
    public String toString() {
        return label;
    }
}
