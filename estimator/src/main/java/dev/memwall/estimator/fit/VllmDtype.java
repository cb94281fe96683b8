package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.util.Locale;

/**
 * vLLM's {@code --dtype}: the dtype of activations, of unquantized weights and, with {@code --kv-cache-dtype auto}
 * (its default), of the KV cache. Its words are {@code ModelDType} in vllm/config/model.py
 * (vllm-project/vllm@2a69949bdadf0e8942b7a1619b229cb475beef20): auto, half, float16, bfloat16, float, float32.
 */
public enum VllmDtype {
    /** The checkpoint's {@code torch_dtype}, a float32 one downcast to 16 bits (see {@link #resolve}). */
    AUTO("auto"),
    FLOAT16("float16"),
    BFLOAT16("bfloat16"),
    FLOAT32("float32");

    private final String word;

    VllmDtype(String word) {
        this.word = word;
    }

    /** The word vLLM prints for it. */
    public String word() {
        return word;
    }

    /** One of vLLM's words for {@code --dtype}, or an {@link IllegalArgumentException} naming {@code field}. */
    public static VllmDtype parse(String text, String field) {
        return switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "half", "float16" -> FLOAT16;
            case "bfloat16" -> BFLOAT16;
            case "float", "float32" -> FLOAT32;
            default -> throw new IllegalArgumentException("unknown dtype '" + text + "' for " + field
                    + "; choose auto, half, float16, bfloat16, float or float32");
        };
    }

    /**
     * The dtype vLLM runs {@code spec} in, as a 16- or 32-bit precision. {@code auto} keeps a float16 checkpoint
     * in float16 and downcasts a float32 one to the platform's first supported dtype, bfloat16 on compute
     * capability 8.0 and later ("Downcast for float32 models", {@code _resolve_auto_dtype} in vllm/config/model.py;
     * {@code supported_dtypes} in vllm/platforms/cuda.py); every other checkpoint (bfloat16, or quantized with
     * bfloat16 activations) runs in bfloat16. Older GPUs would get float16: the same two bytes.
     */
    public Precision resolve(ModelSpec spec) {
        String name = switch (this) {
            case FLOAT16 -> "fp16";
            case BFLOAT16 -> "bf16";
            case FLOAT32 -> "fp32";
            case AUTO -> {
                String published = spec.weightDtype() == null ? "" : spec.weightDtype().trim();
                yield Precisions.weight(published).map(Precision::name).filter(n -> n.equals("fp16")).orElse("bf16");
            }
        };
        return Precisions.weight(name).orElseThrow();
    }

    /** The KV cache precision {@code --kv-cache-dtype auto} gives: the runtime dtype. */
    public Precision autoKv(ModelSpec spec) {
        return Precisions.kvCache(resolve(spec).name()).orElseThrow();
    }
}
