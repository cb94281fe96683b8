package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which weight precisions a model is offered at: its published format and the quantizations that exist for it,
 * never above what it was published in (upcasting costs memory and gains nothing), never below a quality floor
 * unless asked, and only formats the runtime serves.
 *
 * <p>A checkpoint that quantizes only its experts (gpt-oss: MXFP4 experts, bf16 for the rest) is offered at that
 * format alone: its publisher trained it so ("post-trained ... with quantization of the MoE weights to MXFP4",
 * gpt-oss model card, arXiv 2508.10925, section 2.1), and lower GGUF types keep the experts in MXFP4 and gain
 * nothing ("the f16 gguf of the 20b model is around 12.5 GB all other smaller quantizations are around 11 GB",
 * github.com/ggml-org/llama.cpp/issues/15117).
 *
 * @param published    the format the model was published in (null when unknown: bf16 is assumed as the ceiling)
 * @param minClassBits the quality floor: precisions of a smaller class (3-bit, 2-bit) are offered only when asked
 */
public record PrecisionPolicy(Precision published, int minClassBits) {

    /** The default floor: the 4-bit class. 2- and 3-bit formats lose too much to be proposed unasked. */
    public static final int DEFAULT_MIN_CLASS_BITS = 4;

    /** The suffix of a published dtype that quantizes only the routed experts, e.g. {@code mxfp4_experts}. */
    public static final String EXPERTS_ONLY = "_experts";

    public PrecisionPolicy {
        if (!Precisions.CLASSES.contains(minClassBits)) {
            throw new IllegalArgumentException("the precision floor must be one of " + Precisions.CLASSES
                    + " bits, was " + minClassBits);
        }
    }

    /** The policy for a model, with the default floor. */
    public static PrecisionPolicy of(ModelSpec spec) {
        return of(spec, DEFAULT_MIN_CLASS_BITS);
    }

    public static PrecisionPolicy of(ModelSpec spec, int minClassBits) {
        return new PrecisionPolicy(published(spec), minClassBits);
    }

    /**
     * The format a model was published in, from its dtype ({@code bfloat16}, {@code fp8}) or an experts-only
     * quantization ({@code mxfp4_experts}: those experts, bf16 for the rest); null when unknown.
     */
    public static Precision published(ModelSpec spec) {
        String dtype = spec.weightDtype();
        if (dtype == null) {
            return null;
        }
        String d = dtype.trim().toLowerCase(Locale.ROOT);
        if (d.endsWith(EXPERTS_ONLY) && spec.moe() != null) {
            return Precisions.weight(d.substring(0, d.length() - EXPERTS_ONLY.length()))
                    .map(e -> Precisions.expertsOnly(e, Precisions.weight("bf16").orElseThrow())).orElse(null);
        }
        return Precisions.weight(d.endsWith(EXPERTS_ONLY) ? d.substring(0, d.length() - EXPERTS_ONLY.length()) : d)
                .orElse(null);
    }

    /** The most bits a weight may take: the published format's (bf16 when unknown). */
    private double ceilingBits() {
        return published == null ? 16 : published.bitsPerWeight();
    }

    /** The precision to start from when nothing fits: the published one, else bf16. */
    public Precision start() {
        return published != null ? published : Precisions.weight("bf16").orElseThrow();
    }

    /** What the model is offered at on {@code runtime}, best quality first; may be empty. */
    public List<Precision> offered(RuntimeProfile runtime) {
        List<Precision> out = new ArrayList<>();
        if (published != null && published.expertsOnly()) {
            if (runtime.serves(published)) {
                out.add(published);
            }
            return out;
        }
        for (Precision p : Precisions.weights()) {
            boolean isPublished = published != null && p.name().equals(published.name());
            if (!runtime.serves(p) || p.bitsPerWeight() > ceilingBits() + 1e-9) {
                continue;
            }
            if (p.classBits() >= minClassBits || isPublished) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The precision a user asked for, as this model has it (an experts-only checkpoint's own format by its name),
     * or an {@link IllegalArgumentException} naming why it is not offered: above the published format, or not
     * served by the runtime. A format below the floor is allowed when asked for by name.
     */
    public Precision resolve(Precision asked, RuntimeProfile runtime, String modelId) {
        Precision p = asked;
        if (published != null && published.expertsOnly()) {
            if (!asked.name().equals(published.name())) {
                throw new IllegalArgumentException(modelId + " is published with " + published.name() + " experts and "
                        + "bf16 for the rest; it is offered at " + published.name() + " only, not " + asked.name());
            }
            p = published;
        } else if (asked.bitsPerWeight() > ceilingBits() + 1e-9) {
            throw new IllegalArgumentException(modelId + " is published in " + (published == null ? "bf16 (assumed)"
                    : published.name()) + "; " + asked.name() + " would be above it (more memory, no more quality)");
        }
        if (!runtime.serves(p)) {
            throw new IllegalArgumentException(runtime.word() + " does not serve " + p.name() + " weights; it serves "
                    + String.join(", ", runtime.weightPrecisions()));
        }
        return p;
    }
}
