package dev.memwall.agent.render;

import dev.memwall.estimator.catalog.CatalogEntry;
import dev.memwall.estimator.model.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The model catalog as a table or as JSON. */
public final class ModelCatalogView {

    public static final String SCHEMA = "memwall.models.v1";

    private ModelCatalogView() {
    }

    /** Parameters as people write them: 8.03B, 494M; exact below a million. */
    public static String count(long n) {
        if (n >= 999_500_000L) {
            double b = n / 1e9;
            return String.format(Locale.ROOT, b >= 100 ? "%.0fB" : b >= 10 ? "%.1fB" : "%.2fB", b);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.0fM", n / 1e6);
        }
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** The attention kind with its head counts: {@code gqa 32/8}, {@code mla}, {@code mha 32}. */
    public static String attention(ModelSpec s) {
        return switch (s.attention()) {
            case MLA -> "mla " + s.attentionHeads();
            case MHA -> "mha " + s.attentionHeads();
            default -> s.attention().word() + " " + s.attentionHeads() + "/" + s.kvHeads();
        } + (s.slidingWindow() == null ? "" : ", window " + s.slidingWindow().windowTokens());
    }

    public static String table(List<CatalogEntry> entries) {
        TextTable t = new TextTable("ID", "FAMILY", "PARAMETERS", "ACTIVE", "LAYERS", "CONTEXT", "ATTENTION");
        for (CatalogEntry e : entries) {
            ModelSpec s = e.spec();
            t.row(s.id(), s.family(), count(s.parameters()), s.moe() == null ? ProbeTable.UNKNOWN
                    : count(s.activeParameters()), String.valueOf(s.layers()), String.valueOf(s.maxContext()),
                    attention(s));
        }
        return t.render() + "\nParameters are computed from each architecture; 'memwall models --json' adds the "
                + "published counts and the source of every number.\n";
    }

    public static Map<String, Object> document(List<CatalogEntry> entries) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        List<Object> models = new ArrayList<>();
        for (CatalogEntry e : entries) {
            Map<String, Object> m = spec(e.spec());
            m.put("hf_model_type", e.hfModelType());
            m.put("published_parameters", e.publishedTotal() == null ? null : e.publishedTotal().printed());
            m.put("published_active_parameters", e.publishedActive() == null ? null : e.publishedActive().printed());
            m.put("source", e.source());
            m.put("notes", e.notes());
            models.add(m);
        }
        doc.put("models", models);
        return doc;
    }

    /** A spec's fields in JSON form (shared by models and inspect). */
    public static Map<String, Object> spec(ModelSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("family", s.family());
        m.put("parameters", s.parameters());
        m.put("active_parameters", s.activeParameters());
        m.put("layers", s.layers());
        m.put("hidden_size", s.hiddenSize());
        m.put("intermediate_size", s.intermediateSize() > 0 ? s.intermediateSize() : null);
        m.put("attention", s.attention().word());
        m.put("attention_heads", s.attentionHeads());
        m.put("kv_heads", s.kvHeads());
        m.put("head_dim", s.headDim());
        m.put("vocab_size", s.vocabSize());
        m.put("tied_embeddings", s.tiedEmbeddings());
        m.put("max_context_tokens", s.maxContext());
        m.put("kv_elements_per_token_per_layer", s.kvElementsPerTokenPerLayer());
        if (s.moe() != null) {
            Map<String, Object> moe = new LinkedHashMap<>();
            moe.put("experts", s.moe().experts());
            moe.put("experts_per_token", s.moe().expertsPerToken());
            moe.put("shared_experts", s.moe().sharedExperts());
            moe.put("expert_intermediate_size", s.moe().expertIntermediateSize());
            moe.put("first_dense_layers", s.moe().firstDenseLayers());
            m.put("moe", moe);
        } else {
            m.put("moe", null);
        }
        if (s.mla() != null) {
            Map<String, Object> mla = new LinkedHashMap<>();
            mla.put("q_lora_rank", s.mla().qLoraRank());
            mla.put("kv_lora_rank", s.mla().kvLoraRank());
            mla.put("qk_nope_head_dim", s.mla().qkNopeHeadDim());
            mla.put("qk_rope_head_dim", s.mla().qkRopeHeadDim());
            mla.put("v_head_dim", s.mla().vHeadDim());
            m.put("mla", mla);
        } else {
            m.put("mla", null);
        }
        if (s.slidingWindow() != null) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("window_tokens", s.slidingWindow().windowTokens());
            w.put("global_every", s.slidingWindow().globalEvery());
            w.put("local_layers", s.slidingWindow().localLayers(s.layers()));
            m.put("sliding_window", w);
        } else {
            m.put("sliding_window", null);
        }
        m.put("weight_dtype", s.weightDtype());
        return m;
    }
}
