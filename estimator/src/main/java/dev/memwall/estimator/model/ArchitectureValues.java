package dev.memwall.estimator.model;

import java.util.Locale;

/**
 * The rules an architecture's numbers keep, checked where a source is read (config.json, a GGUF file's metadata,
 * the model catalog) so that a refusal names the source's own key and value: {@code num_key_value_heads = 3 must
 * divide num_attention_heads = 32}. Each rule throws IllegalArgumentException with that text; the reader adds the
 * file.
 */
public final class ArchitectureValues {

    private ArchitectureValues() {
    }

    /** A count the estimator keeps in an int (layers, heads, head dimension, experts): 1 to 2^31 - 1. */
    public static int count(String key, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " = " + value + " must be >= 1");
        }
        return countOrZero(key, value);
    }

    /** A count that may be 0 (shared experts, leading dense layers, a query LoRA rank), at most 2^31 - 1. */
    public static int countOrZero(String key, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(key + " = " + value + " must be >= 0");
        }
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " = " + value + " is too large (at most " + Integer.MAX_VALUE
                    + ")");
        }
        return (int) value;
    }

    /** A width or a length kept in a long (hidden size, feed-forward width, vocabulary, context): >= 1. */
    public static long size(String key, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " = " + value + " must be >= 1");
        }
        return value;
    }

    /**
     * The head dimension where the source gives none: hidden / heads, which must be whole (a fractional head
     * dimension is no model) and fit an int.
     */
    public static int headDim(String hiddenKey, long hidden, String headsKey, int heads, String headDimKey) {
        if (hidden % heads != 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s = %d is not divisible by %s = %d: "
                    + "the head dimension would be %s; a model with such heads gives %s", hiddenKey, hidden,
                    headsKey, heads, fraction(hidden, heads), headDimKey));
        }
        return count(hiddenKey + " / " + headsKey, hidden / heads);
    }

    /** Key/value heads are shared by equal groups of query heads: they divide the query heads. */
    public static void kvHeads(String kvKey, int kvHeads, String headsKey, int heads) {
        if (kvHeads > heads || heads % kvHeads != 0) {
            throw new IllegalArgumentException(kvKey + " = " + kvHeads + " must divide " + headsKey + " = " + heads);
        }
    }

    /** A token is routed to some of the experts, never more than there are. */
    public static void expertsPerToken(String usedKey, int used, String expertsKey, int experts) {
        if (used > experts) {
            throw new IllegalArgumentException(usedKey + " = " + used + " must be at most " + expertsKey + " = "
                    + experts);
        }
    }

    private static String fraction(long a, long b) {
        return new java.math.BigDecimal(a).divide(new java.math.BigDecimal(b), 6, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString();
    }
}
