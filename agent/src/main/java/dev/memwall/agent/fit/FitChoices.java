package dev.memwall.agent.fit;

import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The choices a fit takes as text, read the same way for the command line and for HTTP. Each method throws an
 * {@link IllegalArgumentException} whose message names the input as {@code field} ({@code --mode} or
 * {@code parameter 'mode'}); the caller turns it into exit 2 or HTTP 400.
 */
public final class FitChoices {

    public static final String GENERIC = "generic";
    public static final String VLLM = "vllm";
    public static final String LLAMA_CPP = "llama.cpp";

    private FitChoices() {
    }

    public static Mode mode(String text, String field) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "inference" -> Mode.INFERENCE;
            case "training" -> Mode.TRAINING;
            case "lora" -> Mode.LORA;
            case "qlora" -> Mode.QLORA;
            default -> throw new IllegalArgumentException("unknown mode '" + text + "' for " + field
                    + "; choose inference, training, lora or qlora");
        };
    }

    /** A weight precision, or null for {@code auto}. */
    public static Precision weightOrAuto(String text, String field) {
        if (text.equalsIgnoreCase("auto")) {
            return null;
        }
        return Precisions.weight(text).orElseThrow(() -> new IllegalArgumentException("unknown precision '" + text
                + "' for " + field + "; known: auto, "
                + Precisions.weights().stream().map(Precision::name).collect(Collectors.joining(", "))));
    }

    /** A KV cache precision, or null for {@code auto}: the runtime's own choice ({@code RuntimeProfile.autoKv}). */
    public static Precision kvOrAuto(String text, String field) {
        if (text.equalsIgnoreCase("auto")) {
            return null;
        }
        return Precisions.kvCache(text).orElseThrow(() -> new IllegalArgumentException("unknown KV cache precision '"
                + text + "' for " + field + "; known: auto, "
                + Precisions.kvCaches().stream().map(Precision::name).collect(Collectors.joining(", "))));
    }

    /**
     * The quality floor for the precisions offered: a class ({@code 4bit}, {@code 3-bit}, {@code 2}) or a weight
     * precision's name, meaning its class.
     */
    public static int minPrecision(String text, String field) {
        return Precisions.classBits(text).orElseThrow(() -> new IllegalArgumentException("unknown precision class '"
                + text + "' for " + field + "; choose one of " + Precisions.CLASSES.stream().map(b -> b + "bit")
                        .collect(Collectors.joining(", ")) + ", or a precision's name"));
    }

    /** {@link #GENERIC}, {@link #VLLM} or {@link #LLAMA_CPP}. */
    public static String runtime(String text, String field) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case GENERIC -> GENERIC;
            case VLLM -> VLLM;
            case LLAMA_CPP, "llamacpp", "llama-cpp" -> LLAMA_CPP;
            default -> throw new IllegalArgumentException("unknown runtime '" + text + "' for " + field
                    + "; choose generic, vllm or llama.cpp");
        };
    }

    /**
     * The precision a workload runs at when none was given: training keeps bf16 weights and QLoRA an NF4 base
     * (neither has a precision to choose); otherwise {@code given} (null: the best that fits).
     */
    public static Precision forMode(Mode mode, Precision given) {
        if (given == null && (mode == Mode.TRAINING || mode == Mode.QLORA)) {
            return Precisions.weight(mode == Mode.TRAINING ? "bf16" : "nf4_dq").orElseThrow();
        }
        return given;
    }
}
