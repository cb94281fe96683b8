package dev.memwall.estimator.catalog;

import dev.memwall.estimator.io.Csv;
import dev.memwall.estimator.model.ArchitectureValues;
import dev.memwall.estimator.model.Mla;
import dev.memwall.estimator.model.MlpKind;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.model.Moe;
import dev.memwall.estimator.model.SlidingWindow;
import dev.memwall.estimator.units.AsciiNumbers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The models users ask about, from {@code models.csv} beside this class; every row names its source. */
public final class ModelCatalog {

    static final String RESOURCE = "models.csv";
    static final List<String> HEADER = List.of("id", "name", "family", "hf_model_type", "layers", "hidden_size",
            "intermediate_size", "mlp", "attention_heads", "kv_heads", "head_dim", "vocab_size", "tied_embeddings",
            "position_embeddings", "max_context", "experts", "experts_per_token", "shared_experts",
            "moe_intermediate_size", "shared_expert_intermediate_size", "first_dense_layers", "q_lora_rank",
            "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "sliding_window", "global_every",
            "torch_dtype", "published_total", "published_active", "source", "notes");
    private static final Pattern ID = Pattern.compile("[a-z0-9]+([.-][a-z0-9]+)*");

    private final Map<String, CatalogEntry> byId;

    private ModelCatalog(Map<String, CatalogEntry> byId) {
        this.byId = byId;
    }

    public static ModelCatalog builtIn() {
        return Holder.BUILT_IN;
    }

    private static final class Holder {
        static final ModelCatalog BUILT_IN = load();

        private static ModelCatalog load() {
            try (InputStream in = ModelCatalog.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the jar");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * A catalog read from text in {@code models.csv}'s format (a test fixture's models, a user's own list); errors
     * name {@code name} and the line.
     */
    public static ModelCatalog parse(String text, String name) {
        Map<String, CatalogEntry> entries = new LinkedHashMap<>();
        for (Csv.Row r : Csv.rows(text, name, HEADER)) {
            try {
                CatalogEntry entry = entry(r.fields());
                if (entries.putIfAbsent(entry.spec().id(), entry) != null) {
                    throw new IllegalArgumentException("duplicate id " + entry.spec().id());
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(r.where() + ": " + e.getMessage(), e);
            }
        }
        return new ModelCatalog(entries);
    }

    private static CatalogEntry entry(Map<String, String> r) {
        String id = r.get("id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id must be lowercase with dashes, was '" + id + "'");
        }
        if (r.get("source").isEmpty()) {
            throw new IllegalArgumentException("no source for " + id);
        }
        long hidden = ArchitectureValues.size("hidden_size", number(r, "hidden_size"));
        int heads = ArchitectureValues.count("attention_heads", number(r, "attention_heads"));
        int kvHeads = ArchitectureValues.count("kv_heads", optional(r, "kv_heads", heads));
        ArchitectureValues.kvHeads("kv_heads", kvHeads, "attention_heads", heads);
        int headDim = r.get("head_dim").isEmpty()
                ? ArchitectureValues.headDim("hidden_size", hidden, "attention_heads", heads, "head_dim")
                : ArchitectureValues.count("head_dim", number(r, "head_dim"));
        Moe moe = null;
        if (!r.get("experts").isEmpty()) {
            long expertWidth = number(r, "moe_intermediate_size");
            int experts = ArchitectureValues.count("experts", number(r, "experts"));
            int perToken = ArchitectureValues.count("experts_per_token", number(r, "experts_per_token"));
            ArchitectureValues.expertsPerToken("experts_per_token", perToken, "experts", experts);
            moe = new Moe(experts, perToken,
                    (int) optional(r, "shared_experts", 0), expertWidth,
                    optional(r, "shared_expert_intermediate_size", expertWidth),
                    (int) optional(r, "first_dense_layers", 0));
        }
        Mla mla = null;
        if (!r.get("kv_lora_rank").isEmpty()) {
            mla = new Mla((int) optional(r, "q_lora_rank", 0), (int) number(r, "kv_lora_rank"),
                    (int) number(r, "qk_nope_head_dim"), (int) number(r, "qk_rope_head_dim"),
                    (int) number(r, "v_head_dim"));
        }
        SlidingWindow window = r.get("sliding_window").isEmpty() ? null
                : new SlidingWindow(number(r, "sliding_window"), (int) optional(r, "global_every", 0));
        ModelSpec spec = new ModelSpec(id, r.get("name"), r.get("family"),
                ArchitectureValues.count("layers", number(r, "layers")), hidden, optional(r, "intermediate_size", 0),
                mlp(r.get("mlp")), heads, kvHeads, headDim, ArchitectureValues.size("vocab_size",
                number(r, "vocab_size")), bool(r.get("tied_embeddings")), optional(r, "position_embeddings", 0),
                number(r, "max_context"), moe, mla, window, r.get("torch_dtype").isEmpty() ? null : r.get("torch_dtype"));
        return new CatalogEntry(spec, r.get("hf_model_type"),
                r.get("published_total").isEmpty() ? null : PublishedCount.parse(r.get("published_total")),
                r.get("published_active").isEmpty() ? null : PublishedCount.parse(r.get("published_active")),
                r.get("source"), r.get("notes").isEmpty() ? null : r.get("notes"));
    }

    private static MlpKind mlp(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "gated", "" -> MlpKind.GATED;
            case "plain" -> MlpKind.PLAIN;
            default -> throw new IllegalArgumentException("mlp must be gated or plain, was '" + s + "'");
        };
    }

    private static boolean bool(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false", "" -> false;
            default -> throw new IllegalArgumentException("expected true or false, was '" + s + "'");
        };
    }

    private static long number(Map<String, String> r, String key) {
        String v = r.get(key);
        if (v.isEmpty()) {
            throw new IllegalArgumentException(key + " is required");
        }
        try {
            return AsciiNumbers.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not a whole number: '" + v + "'");
        }
    }

    private static long optional(Map<String, String> r, String key, long fallback) {
        return r.get(key).isEmpty() ? fallback : number(r, key);
    }

    public Optional<CatalogEntry> find(String id) {
        return Optional.ofNullable(byId.get(id.toLowerCase(Locale.ROOT)));
    }

    public List<CatalogEntry> all() {
        return new ArrayList<>(byId.values());
    }

    /** Ids close to an unknown one, for "did you mean" messages. */
    public List<String> suggestions(String unknown) {
        String u = unknown.toLowerCase(Locale.ROOT);
        String[] parts = u.split("[-.]");
        // "..", "-" and the like have no stem; an empty one would match every id.
        String stem = parts.length == 0 ? "" : parts[0];
        List<String> out = new ArrayList<>();
        if (u.isBlank()) {
            return out;
        }
        for (String id : byId.keySet()) {
            if (id.contains(u) || u.contains(id) || (!stem.isEmpty() && id.startsWith(stem))) {
                out.add(id);
            }
        }
        return out.size() > 8 ? out.subList(0, 8) : out;
    }
}
