package dev.memwall.estimator.config;

import dev.memwall.estimator.io.JsonTree;
import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.model.ArchitectureValues;
import dev.memwall.estimator.model.Mla;
import dev.memwall.estimator.model.MlpKind;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.model.Moe;
import dev.memwall.estimator.model.SlidingWindow;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Hugging Face {@code config.json} into a {@link ModelSpec}: the llama, mistral, mixtral, qwen2, qwen2_moe,
 * qwen3, qwen3_moe, gemma2, gemma3 (and gemma3_text), phi3, deepseek_v3 and gpt_oss families. A missing required
 * key is reported with the key and the file.
 */
public final class HfConfigReader {

    static final Set<String> TIED_BY_DEFAULT = Set.of("gemma", "gemma2", "gemma3", "gemma3_text");


    /**
     * The format the weights are published in: a quantized checkpoint's {@code quantization_config} wins over its
     * {@code torch_dtype} (which names the unquantized parts): {@code fp8} (DeepSeek-V3's block FP8), or
     * {@code mxfp4_experts} where MXFP4 leaves attention, router and embeddings out ({@code modules_to_not_convert},
     * as gpt-oss publishes it). Any other method is left to the dtype.
     */
    static String publishedFormat(Map<String, Object> root, String dtype) {
        if (!(root.get("quantization_config") instanceof Map<?, ?> q) || !(q.get("quant_method") instanceof String m)) {
            return dtype;
        }
        return switch (m.toLowerCase(java.util.Locale.ROOT)) {
            case "fp8" -> "fp8";
            case "mxfp4" -> q.get("modules_to_not_convert") instanceof List<?> keep && !keep.isEmpty()
                    ? "mxfp4" + dev.memwall.estimator.fit.PrecisionPolicy.EXPERTS_ONLY : "mxfp4";
            default -> dtype;
        };
    }

    private HfConfigReader() {
    }

    /**
     * @param file the config.json
     * @param id   the id to give the spec (e.g. the model folder's name)
     */
    public static ModelSpec read(Path file, String id) throws IOException, ModelFormatException {
        String name = file.toString();
        return fromMap(JsonTree.readObject(file, name), name, id);
    }

    static ModelSpec fromMap(Map<String, Object> root, String file, String id) throws ModelFormatException {
        ModelSpec spec;
        try {
            spec = build(root, file, id);
            // Sizes that overflow 64-bit arithmetic are refused here, not left for fit to trip over.
            spec.parameters();
            spec.activeParametersWithoutInputEmbedding();
            spec.kvCacheElements(Math.max(1, spec.maxContext()));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, -1, e.getMessage());
        } catch (ArithmeticException e) {
            throw new ModelFormatException(file, -1, "the sizes given overflow 64-bit arithmetic (" + e.getMessage()
                    + ")");
        }
        return spec;
    }

    private static ModelSpec build(Map<String, Object> root, String file, String id) throws ModelFormatException {
        Config c = new Config(root, file);
        // Multimodal configs (gemma3) keep the language model under text_config.
        if (root.get("text_config") instanceof Map<?, ?> text && !root.containsKey("num_hidden_layers")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> t = (Map<String, Object>) text;
            c = new Config(t, file + " (text_config)");
            if (!t.containsKey("model_type") && root.get("model_type") instanceof String outer) {
                t.put("model_type", outer + "_text");
            }
        }
        String type = c.string("model_type");
        int layers = c.count("num_hidden_layers");
        long hidden = c.count("hidden_size");
        int heads = c.count("num_attention_heads");
        int kvHeads = c.has("num_key_value_heads") ? c.count("num_key_value_heads") : heads;
        int headDim;
        try {
            ArchitectureValues.kvHeads("num_key_value_heads", kvHeads, "num_attention_heads", heads);
            headDim = c.has("head_dim") && c.raw("head_dim") != null ? c.count("head_dim")
                    : ArchitectureValues.headDim("hidden_size", hidden, "num_attention_heads", heads, "head_dim");
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, -1, e.getMessage());
        }
        boolean tied = c.has("tie_word_embeddings") ? c.bool("tie_word_embeddings") : TIED_BY_DEFAULT.contains(type);
        String dtype = c.has("torch_dtype") ? c.string("torch_dtype") : c.has("dtype") ? c.string("dtype") : null;
        dtype = publishedFormat(root, dtype);

        Moe moe = null;
        Mla mla = null;
        long intermediate = c.has("intermediate_size") ? c.integer("intermediate_size") : 0;
        switch (type) {
            case "mixtral", "gpt_oss" -> moe = new Moe(c.count("num_local_experts"),
                    c.perToken("num_experts_per_tok", "num_local_experts"), 0, c.integer("intermediate_size"), 0, 0);
            case "qwen2_moe" -> moe = new Moe(c.count("num_experts"),
                    c.perToken("num_experts_per_tok", "num_experts"), c.has("shared_expert_intermediate_size") ? 1 : 0,
                    c.integer("moe_intermediate_size"),
                    c.has("shared_expert_intermediate_size") ? c.integer("shared_expert_intermediate_size") : 0, 0);
            case "qwen3_moe" -> moe = new Moe(c.count("num_experts"),
                    c.perToken("num_experts_per_tok", "num_experts"), 0, c.integer("moe_intermediate_size"), 0, 0);
            case "deepseek_v3", "deepseek_v2" -> {
                long expertWidth = c.integer("moe_intermediate_size");
                moe = new Moe(c.count("n_routed_experts"), c.perToken("num_experts_per_tok", "n_routed_experts"),
                        c.has("n_shared_experts") ? c.integer("n_shared_experts") : 0, expertWidth, expertWidth,
                        c.has("first_k_dense_replace") ? c.integer("first_k_dense_replace") : 0);
                mla = new Mla(c.has("q_lora_rank") && c.raw("q_lora_rank") != null ? c.integer("q_lora_rank") : 0,
                        c.integer("kv_lora_rank"), c.integer("qk_nope_head_dim"), c.integer("qk_rope_head_dim"),
                        c.integer("v_head_dim"));
            }
            case "llama", "mistral", "qwen2", "qwen3", "phi3", "gemma", "gemma2", "gemma3", "gemma3_text" -> {
                if (intermediate < 1) {
                    intermediate = c.integer("intermediate_size");
                }
            }
            default -> throw new ModelFormatException(file, -1, "model_type '" + type + "' is not one memwall reads "
                    + "(llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, gemma2, gemma3, phi3, deepseek_v3, "
                    + "gpt_oss)");
        }
        try {
            return new ModelSpec(id, c.has("_name_or_path") ? c.string("_name_or_path") : id, type, layers, hidden,
                    intermediate, MlpKind.GATED, heads, kvHeads, headDim, c.count("vocab_size"), tied, 0,
                    c.count("max_position_embeddings"), moe, mla, slidingWindow(c, type, layers), dtype);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, -1, e.getMessage());
        }
    }

    /** The local-attention layout from sliding_window and the family's pattern (or an explicit layer_types list). */
    static SlidingWindow slidingWindow(Config c, String type, int layers) throws ModelFormatException {
        if (!c.has("sliding_window") || c.raw("sliding_window") == null) {
            return null;
        }
        if (c.has("use_sliding_window") && !c.bool("use_sliding_window")) {
            return null;
        }
        long window = c.integer("sliding_window");
        if (c.raw("layer_types") instanceof List<?> types) {
            return fromLayerTypes(c, window, types, layers);
        }
        return switch (type) {
            case "gemma2" -> new SlidingWindow(window, 2);
            case "gemma3", "gemma3_text" -> new SlidingWindow(window,
                    c.has("sliding_window_pattern") ? c.integer("sliding_window_pattern") : 6);
            case "gpt_oss" -> new SlidingWindow(window, 2);
            // Qwen applies its window only to the layers above max_window_layers, which no repeating pattern
            // describes; counting those layers in full overstates the cache a little, never understates it.
            case "qwen2", "qwen2_moe", "qwen3", "qwen3_moe" -> null;
            default -> new SlidingWindow(window, 0);
        };
    }

    private static SlidingWindow fromLayerTypes(Config c, long window, List<?> types, int layers)
            throws ModelFormatException {
        if (types.size() != layers) {
            throw new ModelFormatException(c.file, -1, "layer_types has " + types.size() + " entries for " + layers
                    + " layers");
        }
        int firstFull = -1;
        for (int i = 0; i < types.size(); i++) {
            if ("full_attention".equals(types.get(i))) {
                firstFull = i;
                break;
            }
        }
        if (firstFull < 0) {
            return new SlidingWindow(window, 0);
        }
        SlidingWindow w = new SlidingWindow(window, firstFull + 1);
        for (int i = 0; i < types.size(); i++) {
            String expected = w.isLocal(i) ? "sliding_attention" : "full_attention";
            if (!expected.equals(types.get(i))) {
                throw new ModelFormatException(c.file, -1, "layer_types is not a repeating pattern of local and global "
                        + "layers (layer " + i + " is " + types.get(i) + ")");
            }
        }
        return w;
    }

    /** Typed access to the keys of one config object; errors name the key and the file. */
    static final class Config {
        final Map<String, Object> map;
        final String file;

        Config(Map<String, Object> map, String file) {
            this.map = map;
            this.file = file;
        }

        boolean has(String key) {
            return map.containsKey(key);
        }

        Object raw(String key) {
            return map.get(key);
        }

        private Object required(String key) throws ModelFormatException {
            if (!map.containsKey(key) || map.get(key) == null) {
                throw new ModelFormatException(file, -1, "missing required key '" + key + "'");
            }
            return map.get(key);
        }

        String string(String key) throws ModelFormatException {
            if (required(key) instanceof String s) {
                return s;
            }
            throw new ModelFormatException(file, -1, "key '" + key + "' must be a string, was " + map.get(key));
        }

        /** A whole number from 0 to 2^31 - 1; a value of another type is said to be of the wrong type. */
        int integer(String key) throws ModelFormatException {
            Object v = required(key);
            if (!(v instanceof Long l)) {
                throw new ModelFormatException(file, -1, "key '" + key + "' has the wrong type: expected a whole "
                        + "number, found " + describe(v));
            }
            try {
                return ArchitectureValues.countOrZero(key, l);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, -1, e.getMessage());
            }
        }

        /** Experts per token, at most the experts. */
        int perToken(String usedKey, String expertsKey) throws ModelFormatException {
            int used = count(usedKey);
            try {
                ArchitectureValues.expertsPerToken(usedKey, used, expertsKey, count(expertsKey));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, -1, e.getMessage());
            }
            return used;
        }

        /** A whole number from 1 to 2^31 - 1: layers, heads, widths. */
        int count(String key) throws ModelFormatException {
            int v = integer(key);
            try {
                return ArchitectureValues.count(key, v);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, -1, e.getMessage());
            }
        }

        private static String describe(Object v) {
            if (v instanceof String t) {
                return "a string (\"" + t + "\")";
            }
            if (v instanceof Double d) {
                return "a number with a fraction or an exponent (" + d + ")";
            }
            if (v instanceof Boolean b) {
                return "a boolean (" + b + ")";
            }
            if (v instanceof List<?>) {
                return "an array";
            }
            if (v instanceof Map<?, ?>) {
                return "an object";
            }
            return String.valueOf(v);
        }

        boolean bool(String key) throws ModelFormatException {
            if (required(key) instanceof Boolean b) {
                return b;
            }
            throw new ModelFormatException(file, -1, "key '" + key + "' must be true or false, was " + map.get(key));
        }
    }
}
