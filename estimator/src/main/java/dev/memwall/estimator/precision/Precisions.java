package dev.memwall.estimator.precision;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The weight and KV-cache precisions memwall knows, by name. Block formats count their scales:
 * bits = 8 x bytes per block / weights per block.
 */
public final class Precisions {

    private static final String QUANTIZE_TABLE =
            "llama.cpp tools/quantize/quantize.cpp (github:ggml-org/llama.cpp@42ea59bcf104ce81f167a66020a5eeafa428ecb2)";
    /** Llama-3-8B, the model the quantize table's file sizes are for: 8,030,261,248 parameters. */
    static final double LLAMA3_8B_PARAMETERS = 8_030_261_248.0;

    private static final Map<String, Precision> WEIGHTS = new LinkedHashMap<>();
    private static final Map<String, Precision> KV = new LinkedHashMap<>();
    private static final Map<String, String> ALIASES = new LinkedHashMap<>();

    /** The classes there are, largest first. */
    public static final List<Integer> CLASSES = List.of(32, 16, 8, 6, 5, 4, 3, 2);

    static {
        weight("fp32", 32, 32, 100, "IEEE float32");
        weight("fp16", 16, 16, 95, "IEEE float16");
        weight("bf16", 16, 16, 96, "bfloat16 (ranked above fp16: the dtype most models are published in)");
        weight("fp8", 8, 8, 80, "FP8 E4M3 (per-tensor scale, negligible)");
        weight("fp8_e5m2", 8, 8, 78, "FP8 E5M2 (per-tensor scale, negligible)");
        weight("int8", 8, 8, 79, "8-bit integers, per-channel scales (one fp16 per row, negligible)");
        // GGUF mixes: average over Llama-3-8B from the quantize table's file size (GiB) x 2^33 / parameters.
        mix("q8_0", 8, 7.96, 78);
        mix("q6_k", 6, 6.14, 70);
        mix("q5_k_m", 5, 5.33, 62);
        mix("q5_k_s", 5, 5.21, 61);
        mix("q4_k_m", 4, 4.58, 55);
        mix("q4_k_s", 4, 4.37, 54);
        mix("q4_0", 4, 4.34, 50);
        mix("q3_k_l", 3, 4.03, 42);
        mix("q3_k_m", 3, 3.74, 40);
        mix("q3_k_s", 3, 3.41, 38);
        mix("q2_k", 2, 2.96, 25);
        weight("int4", 4, 4 + (16 + 4) / 128.0, 52, "4-bit integers, groups of 128 with an fp16 scale and a 4-bit zero "
                + "point (GPTQ/AWQ): 4 + 20/128 bits");
        weight("nf4", 4, 4 + 32 / 64.0, 51, "bitsandbytes NF4, blocks of 64 with an fp32 absmax: 4 + 32/64 bits");
        weight("nf4_dq", 4, 4 + 8 / 64.0 + 32 / (64.0 * 256), 51, "bitsandbytes NF4 with double quantization: 8-bit "
                + "absmax per 64 weights, fp32 per 256 absmax blocks");
        weight("mxfp4", 4, 4 + 8 / 32.0, 53, "OCP MXFP4: E2M1 in blocks of 32 with an E8M0 scale: 4 + 8/32 bits");
        weight("nvfp4", 4, 4 + 8 / 16.0, 54, "NVFP4: E2M1 in blocks of 16 with an FP8 E4M3 scale: 4 + 8/16 bits "
                + "(plus one fp32 per tensor)");
        weight("int2", 2, 2 + (16 + 2) / 128.0, 20, "2-bit integers, groups of 128 with an fp16 scale and a 2-bit zero "
                + "point: 2 + 18/128 bits");
        alias("float32", "fp32");
        alias("f32", "fp32");
        alias("float16", "fp16");
        alias("f16", "fp16");
        alias("half", "fp16");
        alias("bfloat16", "bf16");
        alias("fp8_e4m3", "fp8");
        alias("float8_e4m3fn", "fp8");
        alias("e4m3", "fp8");
        alias("float8_e5m2", "fp8_e5m2");
        alias("e5m2", "fp8_e5m2");
        alias("q4_k", "q4_k_m");
        alias("q5_k", "q5_k_m");
        alias("q3_k", "q3_k_m");
        alias("gptq", "int4");
        alias("awq", "int4");
        alias("int4_g128", "int4");
        alias("fp4", "mxfp4");

        kv("fp32", 32, "float32 keys and values");
        kv("fp16", 16, "float16 keys and values");
        kv("bf16", 16, "bfloat16 keys and values");
        kv("fp8", 8, "FP8 E4M3 keys and values (vLLM --kv-cache-dtype fp8)");
        kv("fp8_e5m2", 8, "FP8 E5M2 keys and values (vLLM --kv-cache-dtype fp8_e5m2)");
        kv("q8_0", 34 * 8 / 32.0, "llama.cpp q8_0: 34 bytes per 32 values (an fp16 scale each)");
        kv("q4_0", 18 * 8 / 32.0, "llama.cpp q4_0: 18 bytes per 32 values (an fp16 scale each)");
        kv("q4_1", 20 * 8 / 32.0, "llama.cpp q4_1: 20 bytes per 32 values (fp16 scale and minimum)");
        kv("q5_0", 22 * 8 / 32.0, "llama.cpp q5_0: 22 bytes per 32 values (an fp16 scale, 4 bytes of high bits)");
        kv("q5_1", 24 * 8 / 32.0, "llama.cpp q5_1: 24 bytes per 32 values (fp16 scale and minimum, high bits)");
        kv("iq4_nl", 18 * 8 / 32.0, "llama.cpp iq4_nl: 18 bytes per 32 values (non-linear 4-bit, an fp16 scale)");
    }

    private Precisions() {
    }

    private static void weight(String name, int classBits, double bits, int quality, String how) {
        WEIGHTS.put(name, new Precision(name, bits, bits, classBits, quality, how));
    }

    private static void mix(String name, int classBits, double gib, int quality) {
        double bits = gib * (1L << 30) * 8 / LLAMA3_8B_PARAMETERS;
        weight(name, classBits, bits, quality, String.format(Locale.ROOT, "GGUF %s mix: %.2f GiB for Llama-3-8B in %s, "
                + "%.3f bits per weight on average; a real file's own tensor types replace this", name.toUpperCase(
                        Locale.ROOT), gib, QUANTIZE_TABLE, bits));
    }

    private static void kv(String name, double bits, String how) {
        KV.put(name, new Precision(name, bits, 0, how));
    }

    private static void alias(String alias, String name) {
        ALIASES.put(alias, name);
    }

    private static String canonical(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        return ALIASES.getOrDefault(n, n);
    }

    /** A weight precision by name or alias (case-insensitive). */
    public static Optional<Precision> weight(String name) {
        return Optional.ofNullable(WEIGHTS.get(canonical(name)));
    }

    /** A KV cache precision by name or alias. */
    public static Optional<Precision> kvCache(String name) {
        return Optional.ofNullable(KV.get(canonical(name)));
    }

    /**
     * A checkpoint that stores its routed experts at {@code experts} and everything else (attention, router,
     * embeddings) at {@code rest}: gpt-oss as published (MXFP4 experts, bf16 for the rest). It keeps the experts'
     * name, class and quality.
     */
    public static Precision expertsOnly(Precision experts, Precision rest) {
        return new Precision(experts.name(), rest.bitsPerWeight(), experts.bitsPerWeight(), experts.classBits(),
                experts.quality(), experts.name().toUpperCase(Locale.ROOT) + " routed experts (" + experts.how()
                        + "); " + rest.name() + " for attention, router and embeddings");
    }

    /**
     * The class a {@code --min-precision} value names: {@code 4bit} (or {@code 4-bit}, {@code 4}), or a weight
     * precision's name for its class; empty when it names neither.
     */
    public static java.util.OptionalInt classBits(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        if (t.endsWith("bit")) {
            t = t.substring(0, t.length() - 3);
        }
        if (t.matches("[0-9]{1,2}")) {
            int bits = Integer.parseInt(t);
            return CLASSES.contains(bits) ? java.util.OptionalInt.of(bits) : java.util.OptionalInt.empty();
        }
        return weight(text).map(p -> java.util.OptionalInt.of(p.classBits())).orElse(java.util.OptionalInt.empty());
    }

    /** Every weight precision, best quality first. */
    public static List<Precision> weights() {
        List<Precision> all = new ArrayList<>(WEIGHTS.values());
        all.sort((a, b) -> Integer.compare(b.quality(), a.quality()));
        return all;
    }

    public static List<Precision> kvCaches() {
        return new ArrayList<>(KV.values());
    }
}
