package dev.memwall.estimator.source;

import dev.memwall.estimator.gguf.GgufFile;
import dev.memwall.estimator.gguf.GgufTensor;
import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.model.Mla;
import dev.memwall.estimator.model.MlpKind;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.model.Moe;
import dev.memwall.estimator.model.SlidingWindow;
import java.util.OptionalLong;

/**
 * The architecture stored in a GGUF file's metadata ({@code <arch>.block_count}, {@code .embedding_length},
 * {@code .attention.head_count_kv} as a number or per-layer array, {@code .expert_count}, ...).
 */
final class GgufArchitecture {

    private GgufArchitecture() {
    }

    static ModelSpec spec(GgufFile gguf, String file, String id) throws ModelFormatException {
        String arch = gguf.architecture().orElseThrow(
                () -> new ModelFormatException(file, -1, "has no general.architecture key"));
        int layers = (int) required(gguf, file, arch + ".block_count");
        long hidden = required(gguf, file, arch + ".embedding_length");
        int heads = (int) perLayerMax(gguf, file, arch + ".attention.head_count", true);
        int kvHeads = gguf.integer(arch + ".attention.head_count_kv").isPresent()
                || gguf.integerArray(arch + ".attention.head_count_kv").isPresent()
                ? (int) perLayerMax(gguf, file, arch + ".attention.head_count_kv", true) : heads;
        long context = required(gguf, file, arch + ".context_length");
        int headDim = (int) gguf.integer(arch + ".attention.key_length").orElse(hidden / heads);
        long vocab = gguf.integer(arch + ".vocab_size").orElse(gguf.array("tokenizer.ggml.tokens")
                .map(a -> a.count()).orElse(0L));
        if (vocab <= 0) {
            GgufTensor embed = gguf.tensors().stream().filter(t -> t.name().equals("token_embd.weight")).findFirst()
                    .orElseThrow(() -> new ModelFormatException(file, -1, "has neither a vocabulary size, nor "
                            + "tokenizer.ggml.tokens, nor a token_embd.weight tensor"));
            vocab = embed.shape()[embed.shape().length - 1];
        }
        boolean tied = gguf.tensors().stream().noneMatch(t -> t.name().equals("output.weight"));
        long intermediate = perLayerMax(gguf, file, arch + ".feed_forward_length", false);
        Moe moe = null;
        OptionalLong experts = gguf.integer(arch + ".expert_count");
        if (experts.isPresent() && experts.getAsLong() > 0) {
            long expertWidth = gguf.integer(arch + ".expert_feed_forward_length").orElse(intermediate);
            long shared = gguf.integer(arch + ".expert_shared_count").orElse(0);
            moe = new Moe((int) experts.getAsLong(), (int) required(gguf, file, arch + ".expert_used_count"),
                    (int) shared, expertWidth,
                    gguf.integer(arch + ".expert_shared_feed_forward_length").orElse(expertWidth),
                    (int) gguf.integer(arch + ".leading_dense_block_count").orElse(0));
        }
        Mla mla = null;
        OptionalLong kvLora = gguf.integer(arch + ".attention.kv_lora_rank");
        if (kvLora.isPresent() && kvLora.getAsLong() > 0) {
            long rope = required(gguf, file, arch + ".rope.dimension_count");
            long keyLength = gguf.integer(arch + ".attention.key_length_mla").orElse(headDim);
            long valueLength = gguf.integer(arch + ".attention.value_length_mla")
                    .orElse(gguf.integer(arch + ".attention.value_length").orElse(headDim));
            mla = new Mla((int) gguf.integer(arch + ".attention.q_lora_rank").orElse(0), (int) kvLora.getAsLong(),
                    (int) (keyLength - rope), (int) rope, (int) valueLength);
        }
        SlidingWindow window = null;
        OptionalLong sliding = gguf.integer(arch + ".attention.sliding_window");
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

    private static long required(GgufFile gguf, String file, String key) throws ModelFormatException {
        OptionalLong v = gguf.integer(key);
        if (v.isEmpty()) {
            throw new ModelFormatException(file, -1, "missing metadata key '" + key + "'");
        }
        return v.getAsLong();
    }

    /** A key that may be one number or one number per layer; the largest. */
    private static long perLayerMax(GgufFile gguf, String file, String key, boolean required)
            throws ModelFormatException {
        OptionalLong v = gguf.integer(key);
        if (v.isPresent()) {
            return v.getAsLong();
        }
        var array = gguf.integerArray(key);
        if (array.isPresent() && array.get().length > 0) {
            long max = 0;
            for (long x : array.get()) {
                max = Math.max(max, x);
            }
            return max;
        }
        if (required) {
            throw new ModelFormatException(file, -1, "missing metadata key '" + key + "'");
        }
        return 0;
    }
}
