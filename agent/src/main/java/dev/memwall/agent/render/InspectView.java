package dev.memwall.agent.render;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.LoadedModel;
import dev.memwall.estimator.source.WeightInventory;
import dev.memwall.estimator.units.Quantities;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What memwall read from a model: architecture, computed parameters, and exact weight bytes where files exist. */
public final class InspectView {

    public static final String SCHEMA = "memwall.inspect.v1";

    private InspectView() {
    }

    public static String text(LoadedModel m) {
        StringBuilder out = new StringBuilder();
        out.append("Model: ").append(m.input()).append(" (").append(m.kind()).append(")\n");
        ModelSpec s = m.spec();
        if (s != null) {
            out.append("Architecture: ").append(s.family()).append(", ").append(s.layers()).append(" layers, hidden ")
                    .append(s.hiddenSize()).append(", ").append(ModelCatalogView.attention(s))
                    .append(s.mla() == null ? ", head dim " + s.headDim() : "").append(", vocabulary ").append(s.vocabSize()).append(", context ")
                    .append(s.maxContext()).append(" tokens").append(s.tiedEmbeddings() ? ", tied embeddings" : "")
                    .append('\n');
            if (s.moe() != null) {
                out.append("Experts: ").append(s.moe().experts()).append(" routed, ").append(s.moe().expertsPerToken())
                        .append(" per token, ").append(s.moe().sharedExperts()).append(" shared, width ")
                        .append(s.moe().expertIntermediateSize());
                if (s.moe().firstDenseLayers() > 0) {
                    out.append(", first ").append(s.moe().firstDenseLayers()).append(" layers dense");
                }
                out.append('\n');
            }
            if (s.mla() != null) {
                out.append("Latent attention: kv_lora_rank ").append(s.mla().kvLoraRank()).append(", rope head dim ")
                        .append(s.mla().qkRopeHeadDim()).append(", q_lora_rank ").append(s.mla().qLoraRank())
                        .append(", head dims ").append(s.mla().qkNopeHeadDim()).append('+')
                        .append(s.mla().qkRopeHeadDim()).append(" (query/key), ").append(s.mla().vHeadDim())
                        .append(" (value)\n");
            }
            out.append("Parameters: ").append(ModelCatalogView.count(s.parameters()))
                    .append(" (computed from the architecture)");
            if (s.moe() != null) {
                out.append(", ").append(ModelCatalogView.count(s.activeParameters())).append(" active per token");
            }
            out.append('\n');
            long kvBytes = Precisions.kvCache("fp16").orElseThrow().bytes(s.kvElementsPerTokenPerLayer() * s.layers());
            out.append("KV cache: ").append(String.format(Locale.ROOT, "%,d", kvBytes))
                    .append(" bytes per token at fp16 over all layers");
            if (s.slidingWindow() != null) {
                out.append(" (").append(s.slidingWindow().localLayers(s.layers())).append(" local layers keep at most ")
                        .append(s.slidingWindow().windowTokens()).append(" tokens)");
            }
            out.append('\n');
        }
        WeightInventory w = m.weights();
        if (w != null) {
            out.append(String.format(Locale.ROOT, "Weights (exact, from %d file%s): %s (%,d bytes) in %d tensors, "
                    + "%s parameters, %.2f bits per parameter%s%n", w.files().size(), w.files().size() == 1 ? "" : "s",
                    Quantities.gib(w.totalBytes()), w.totalBytes(), w.tensors(), ModelCatalogView.count(w.parameters()),
                    w.bitsPerParameter(), w.quantization() == null ? "" : ", " + w.quantization()));
            TextTable t = new TextTable("  TYPE", "BYTES", "", "ELEMENTS");
            w.bytesByType().forEach((type, bytes) -> t.row("  " + type, String.format(Locale.ROOT, "%,d", bytes),
                    Quantities.gib(bytes), String.format(Locale.ROOT, "%,d", w.parametersByType().getOrDefault(type, 0L))));
            out.append(t.render());
            if (w.overheadBytes() > 0) {
                out.append(String.format(Locale.ROOT, "  of which quantisation scales and zero points: %,d bytes%n",
                        w.overheadBytes()));
            }
        }
        for (String n : m.notes()) {
            out.append("Note: ").append(n).append('\n');
        }
        return out.toString();
    }

    public static Map<String, Object> document(LoadedModel m) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        doc.put("input", m.input());
        doc.put("kind", m.kind());
        doc.put("model", m.spec() == null ? null : ModelCatalogView.spec(m.spec()));
        WeightInventory w = m.weights();
        if (w != null) {
            Map<String, Object> weights = new LinkedHashMap<>();
            weights.put("total_bytes", w.totalBytes());
            weights.put("parameters", w.parameters());
            weights.put("overhead_bytes", w.overheadBytes());
            weights.put("bits_per_parameter", w.bitsPerParameter());
            weights.put("tensors", w.tensors());
            weights.put("quantization", w.quantization());
            Map<String, Object> byType = new LinkedHashMap<>();
            w.bytesByType().forEach((type, bytes) -> {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("bytes", bytes);
                e.put("elements", w.parametersByType().get(type));
                byType.put(type, e);
            });
            weights.put("by_type", byType);
            weights.put("files", w.files());
            doc.put("weights", weights);
        } else {
            doc.put("weights", null);
        }
        doc.put("notes", m.notes());
        return doc;
    }
}
