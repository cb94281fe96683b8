package dev.memwall.estimator.source;

import dev.memwall.estimator.gguf.GgufArray;
import dev.memwall.estimator.gguf.GgufFile;
import dev.memwall.estimator.gguf.GgufTensor;
import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.model.ArchitectureValues;
import dev.memwall.estimator.model.Mla;
import dev.memwall.estimator.model.MlpKind;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.model.Moe;
import dev.memwall.estimator.model.SlidingWindow;
import java.math.BigInteger;
import java.util.OptionalLong;

/**
 * The architecture stored in a GGUF file's metadata ({@code <arch>.block_count}, {@code .embedding_length},
 * {@code .attention.head_count_kv} as a number or per-layer array, {@code .expert_count}, ...).
 */
final class GgufArchitecture {

    private GgufArchitecture() {
    }

    static ModelSpec spec(GgufFile gguf, String file, String id) throws ModelFormatException {
        try {
            return read(gguf, file, id);
        } catch (IllegalArgumentException e) {
            // An architecture rule (ArchitectureValues) broken: the key, its value and the rule.
            throw new ModelFormatException(file, -1, e.getMessage());
        }
    }

    private static ModelSpec read(GgufFile gguf, String file, String id) throws ModelFormatException {
        String arch = gguf.architecture().orElseThrow(
                () -> new ModelFormatException(file, -1, "has no general.architecture key"));
        String layersKey = arch + ".block_count";
        String hiddenKey = arch + ".embedding_length";
        String headsKey = arch + ".attention.head_count";
        String kvKey = arch + ".attention.head_count_kv";
        String headDimKey = arch + ".attention.key_length";
        int layers = ArchitectureValues.count(layersKey, required(gguf, file, layersKey, Integer.MAX_VALUE));
        long hidden = ArchitectureValues.size(hiddenKey, required(gguf, file, hiddenKey, Long.MAX_VALUE));
        int heads = ArchitectureValues.count(headsKey, perLayerMax(gguf, file, headsKey, true));
        int kvHeads = gguf.metadata().containsKey(kvKey)
                ? ArchitectureValues.count(kvKey, perLayerMax(gguf, file, kvKey, true)) : heads;
        ArchitectureValues.kvHeads(kvKey, kvHeads, headsKey, heads);
        long context = ArchitectureValues.size(arch + ".context_length",
                required(gguf, file, arch + ".context_length", Long.MAX_VALUE));
        OptionalLong keyLengthValue = integer(gguf, file, headDimKey, Integer.MAX_VALUE);
        int headDim = keyLengthValue.isPresent() ? ArchitectureValues.count(headDimKey, keyLengthValue.getAsLong())
                : ArchitectureValues.headDim(hiddenKey, hidden, headsKey, heads, headDimKey);
        OptionalLong vocabSize = integer(gguf, file, arch + ".vocab_size", Long.MAX_VALUE);
        long vocab = vocabSize.isPresent() ? ArchitectureValues.size(arch + ".vocab_size", vocabSize.getAsLong())
                : gguf.array("tokenizer.ggml.tokens").map(a -> a.count()).orElse(0L);
        if (vocab <= 0) {
            GgufTensor embed = gguf.tensors().stream().filter(t -> t.name().equals("token_embd.weight")).findFirst()
                    .orElseThrow(() -> new ModelFormatException(file, -1, "has neither a vocabulary size, nor "
                            + "tokenizer.ggml.tokens, nor a token_embd.weight tensor"));
            vocab = embed.shape()[embed.shape().length - 1];
        }
        boolean tied = gguf.tensors().stream().noneMatch(t -> t.name().equals("output.weight"));
        long intermediate = perLayerMax(gguf, file, arch + ".feed_forward_length", false);
        Moe moe = null;
        String expertsKey = arch + ".expert_count";
        OptionalLong experts = integer(gguf, file, expertsKey, Integer.MAX_VALUE);
        if (experts.isPresent() && experts.getAsLong() > 0) {
            int n = ArchitectureValues.count(expertsKey, experts.getAsLong());
            String usedKey = arch + ".expert_used_count";
            int used = ArchitectureValues.count(usedKey, required(gguf, file, usedKey, Integer.MAX_VALUE));
            ArchitectureValues.expertsPerToken(usedKey, used, expertsKey, n);
            long expertWidth = ArchitectureValues.size(arch + ".expert_feed_forward_length",
                    integer(gguf, file, arch + ".expert_feed_forward_length", Long.MAX_VALUE).orElse(intermediate));
            int shared = ArchitectureValues.countOrZero(arch + ".expert_shared_count",
                    integer(gguf, file, arch + ".expert_shared_count", Integer.MAX_VALUE).orElse(0));
            moe = new Moe(n, used, shared, expertWidth,
                    integer(gguf, file, arch + ".expert_shared_feed_forward_length", Long.MAX_VALUE)
                            .orElse(expertWidth),
                    ArchitectureValues.countOrZero(arch + ".leading_dense_block_count",
                            integer(gguf, file, arch + ".leading_dense_block_count", Integer.MAX_VALUE).orElse(0)));
        }
        Mla mla = null;
        String kvLoraKey = arch + ".attention.kv_lora_rank";
        OptionalLong kvLora = integer(gguf, file, kvLoraKey, Integer.MAX_VALUE);
        if (kvLora.isPresent() && kvLora.getAsLong() > 0) {
            String ropeKey = arch + ".rope.dimension_count";
            int rope = ArchitectureValues.count(ropeKey, required(gguf, file, ropeKey, Integer.MAX_VALUE));
            String keyLengthKey = arch + ".attention.key_length_mla";
            long keyLength = integer(gguf, file, keyLengthKey, Integer.MAX_VALUE).orElse(headDim);
            String valueKey = gguf.metadata().containsKey(arch + ".attention.value_length_mla")
                    ? arch + ".attention.value_length_mla" : arch + ".attention.value_length";
            long valueLength = integer(gguf, file, valueKey, Integer.MAX_VALUE).orElse(headDim);
            mla = new Mla(ArchitectureValues.countOrZero(arch + ".attention.q_lora_rank",
                    integer(gguf, file, arch + ".attention.q_lora_rank", Integer.MAX_VALUE).orElse(0)),
                    ArchitectureValues.count(kvLoraKey, kvLora.getAsLong()),
                    ArchitectureValues.count(keyLengthKey + " - " + ropeKey, keyLength - rope), rope,
                    ArchitectureValues.count(valueKey, valueLength));
        }
        SlidingWindow window = null;
        OptionalLong sliding = integer(gguf, file, arch + ".attention.sliding_window", Long.MAX_VALUE);
        if (sliding.isPresent() && sliding.getAsLong() > 0) {
            int globalEvery = switch (arch) {
                case "gemma2", "gpt-oss" -> 2;
                case "gemma3" -> 6;
                default -> 0;
            };
            window = new SlidingWindow(sliding.getAsLong(), globalEvery);
        }
        try {
            return new ModelSpec(id, gguf.string("general.name").orElse(id), arch, layers, hidden, intermediate,
                    MlpKind.GATED, heads, kvHeads, headDim, vocab, tied, 0, context, moe, mla, window, null);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, -1, "its architecture is inconsistent: " + e.getMessage());
        }
    }

    private static long required(GgufFile gguf, String file, String key, long max) throws ModelFormatException {
        OptionalLong v = integer(gguf, file, key, max);
        if (v.isEmpty()) {
            throw new ModelFormatException(file, -1, "missing metadata key '" + key + "'");
        }
        return v.getAsLong();
    }

    /**
     * The integer under {@code key}, empty when the key is absent. A key present with another type is said to be
     * of the wrong type (not missing), and an unsigned 64-bit value past a long is too large, printed unsigned.
     */
    private static OptionalLong integer(GgufFile gguf, String file, String key, long max)
            throws ModelFormatException {
        Object v = gguf.metadata().get(key);
        if (v == null) {
            return OptionalLong.empty();
        }
        if (v instanceof Long l) {
            return OptionalLong.of(l);
        }
        if (v instanceof BigInteger b) {
            throw new ModelFormatException(file, -1, key + " = " + b + " is too large (at most " + max + ")");
        }
        throw new ModelFormatException(file, -1, key + " has the wrong type: expected an integer, found "
                + describe(v));
    }

    /** What a metadata value is, for a wrong-type message. */
    private static String describe(Object v) {
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Double) {
            return "a float";
        }
        if (v instanceof Boolean) {
            return "a bool";
        }
        if (v instanceof GgufArray a) {
            return "an array of " + a.count() + " " + a.elementType().name().toLowerCase(java.util.Locale.ROOT);
        }
        return v.getClass().getSimpleName();
    }

    /** A key that may be one number or one number per layer; the largest. */
    private static long perLayerMax(GgufFile gguf, String file, String key, boolean required)
            throws ModelFormatException {
        if (gguf.metadata().get(key) instanceof GgufArray a) {
            var array = gguf.integerArray(key);
            if (array.isEmpty()) {
                throw new ModelFormatException(file, -1, key + " has the wrong type: expected an integer or an "
                        + "array of integers, found " + describe(a));
            }
            long max = 0;
            for (long x : array.get()) {
                max = Math.max(max, x);
            }
            return max;
        }
        OptionalLong v = integer(gguf, file, key, Integer.MAX_VALUE);
        if (v.isPresent()) {
            return v.getAsLong();
        }
        if (required) {
            throw new ModelFormatException(file, -1, "missing metadata key '" + key + "'");
        }
        return 0;
    }
}
