package dev.memwall.estimator.model;

import java.util.Objects;

/**
 * What a model's memory and speed depend on: its transformer shape. Parameter counts are computed from it
 * ({@link #parameters()}, {@link #activeParameters()}), never taken on trust.
 *
 * @param id                 catalog id or a name derived from the source
 * @param name               human name
 * @param family             model family (llama, qwen3-moe, deepseek-v3, ...)
 * @param layers             transformer blocks
 * @param hiddenSize         model width
 * @param intermediateSize   dense feed-forward width (unused by MoE layers)
 * @param mlp                gated (3 matrices) or plain (2)
 * @param attentionHeads     query heads
 * @param kvHeads            key/value heads (equal to query heads for MHA)
 * @param headDim            per-head width
 * @param vocabSize          vocabulary
 * @param tiedEmbeddings     whether the output projection reuses the input embedding
 * @param positionEmbeddings learned absolute positions (GPT-3: 2048), 0 with rotary embeddings
 * @param maxContext         longest context the model was built for, in tokens
 * @param moe                mixture-of-experts layout, or null for a dense model
 * @param mla                latent attention, or null
 * @param slidingWindow      local-attention layout, or null
 * @param weightDtype        the dtype the weights were published in (bf16, fp16, fp8, ...), or null
 */
public record ModelSpec(
        String id,
        String name,
        String family,
        int layers,
        long hiddenSize,
        long intermediateSize,
        MlpKind mlp,
        int attentionHeads,
        int kvHeads,
        int headDim,
        long vocabSize,
        boolean tiedEmbeddings,
        long positionEmbeddings,
        long maxContext,
        Moe moe,
        Mla mla,
        SlidingWindow slidingWindow,
        String weightDtype) {

    public ModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(mlp, "mlp");
        positive("layers", layers);
        positive("hidden_size", hiddenSize);
        positive("attention heads", attentionHeads);
        positive("key/value heads", kvHeads);
        positive("head_dim", headDim);
        positive("vocab_size", vocabSize);
        positive("max context", maxContext);
        if (moe == null) {
            positive("intermediate_size", intermediateSize);
        }
        if (kvHeads > attentionHeads || attentionHeads % kvHeads != 0) {
            throw new IllegalArgumentException("key/value heads (" + kvHeads + ") must divide attention heads ("
                    + attentionHeads + ")");
        }
        if (positionEmbeddings < 0) {
            throw new IllegalArgumentException("position embeddings must be >= 0, was " + positionEmbeddings);
        }
        if (moe != null && moe.firstDenseLayers() > 0 && intermediateSize < 1) {
            throw new IllegalArgumentException("intermediate_size is needed for the " + moe.firstDenseLayers()
                    + " dense layers");
        }
    }

    private static void positive(String what, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, was " + value);
        }
    }

    public AttentionKind attention() {
        if (mla != null) {
            return AttentionKind.MLA;
        }
        if (kvHeads == attentionHeads) {
            return AttentionKind.MHA;
        }
        return kvHeads == 1 ? AttentionKind.MQA : AttentionKind.GQA;
    }

    /** Input embedding (and output projection when untied), learned positions and the final norm. */
    public long nonLayerParameters() {
        return vocabSize * hiddenSize * (tiedEmbeddings ? 1 : 2) + positionEmbeddings * hiddenSize + hiddenSize;
    }

    /** Attention weights of one layer. */
    public long attentionParameters() {
        long h = hiddenSize;
        if (mla != null) {
            long qk = mla.qkNopeHeadDim() + mla.qkRopeHeadDim();
            long q = mla.qLoraRank() > 0
                    ? h * mla.qLoraRank() + mla.qLoraRank() + (long) mla.qLoraRank() * attentionHeads * qk
                    : h * attentionHeads * qk;
            long kv = h * (mla.kvLoraRank() + mla.qkRopeHeadDim()) + mla.kvLoraRank()
                    + (long) mla.kvLoraRank() * attentionHeads * (mla.qkNopeHeadDim() + mla.vHeadDim());
            long o = (long) attentionHeads * mla.vHeadDim() * h;
            return q + kv + o;
        }
        return h * attentionHeads * headDim * 2 + h * kvHeads * headDim * 2;
    }

    /** Layers with routed experts (0 for dense models). */
    public int moeLayers() {
        return moe == null ? 0 : Math.max(0, layers - moe.firstDenseLayers());
    }

    /** Whether layer {@code index} (0-based) has experts. */
    public boolean isMoeLayer(int index) {
        return moe != null && index >= moe.firstDenseLayers();
    }

    /** Feed-forward weights of one layer; for an MoE layer all experts, the shared ones and the router. */
    public long mlpParameters(int index) {
        if (!isMoeLayer(index)) {
            return mlp.matrices() * hiddenSize * intermediateSize;
        }
        return hiddenSize * moe.experts() + routedExpertParameters() * moe.experts()
                + (long) moe.sharedExperts() * mlp.matrices() * hiddenSize * moe.sharedExpertIntermediateSize();
    }

    /** One routed expert's weights. */
    public long routedExpertParameters() {
        return moe == null ? 0 : mlp.matrices() * hiddenSize * moe.expertIntermediateSize();
    }

    /** Every routed expert's weights over all MoE layers (0 for dense models). */
    public long routedExpertParametersTotal() {
        return moe == null ? 0 : Math.multiplyExact(routedExpertParameters() * moe.experts(), moeLayers());
    }

    /** The routed experts one token uses, over all MoE layers (0 for dense models). */
    public long activeRoutedExpertParameters() {
        return moe == null ? 0 : routedExpertParameters() * moe.expertsPerToken() * moeLayers();
    }

    /** All weights of layer {@code index}: two norms, attention, feed-forward. */
    public long layerParameters(int index) {
        return 2 * hiddenSize + attentionParameters() + mlpParameters(index);
    }

    /** Every weight (biases are not counted: under 0.1% in these families). */
    public long parameters() {
        int moeLayers = moe == null ? 0 : Math.max(0, layers - moe.firstDenseLayers());
        int denseLayers = layers - moeLayers;
        long perLayer = Math.addExact(2 * hiddenSize, attentionParameters());
        long total = Math.addExact(nonLayerParameters(), Math.multiplyExact(perLayer, layers));
        if (denseLayers > 0) {
            total = Math.addExact(total, Math.multiplyExact((long) mlp.matrices() * hiddenSize * intermediateSize,
                    denseLayers));
        }
        if (moeLayers > 0) {
            total = Math.addExact(total, Math.multiplyExact(mlpParameters(layers - 1), moeLayers));
        }
        return total;
    }

    /** Weights one token uses: all but the routed experts it is not sent to. Equal to the total for dense models. */
    public long activeParameters() {
        if (moe == null) {
            return parameters();
        }
        long idle = (long) (moe.experts() - moe.expertsPerToken()) * routedExpertParameters();
        return parameters() - idle * Math.max(0, layers - moe.firstDenseLayers());
    }

    /**
     * Active parameters without the input embedding table when it is not shared with the output projection: a
     * token reads one row of it, not the table. Publishers differ on which count they print as "active"
     * (Mixtral counts the table, DeepSeek and gpt-oss do not); this is also what decoding streams per token.
     */
    public long activeParametersWithoutInputEmbedding() {
        return activeParameters() - (tiedEmbeddings ? 0 : vocabSize * hiddenSize);
    }

    /**
     * KV cache elements per token, over all layers, before precision: 2 x kv heads x head dim per layer for
     * standard attention, kv_lora_rank + rope dim per layer for MLA (no factor 2). Windowed layers are counted
     * here like the others; {@link #kvCacheElements(long)} caps them.
     */
    public long kvElementsPerTokenPerLayer() {
        if (mla != null) {
            return mla.kvLoraRank() + mla.qkRopeHeadDim();
        }
        return 2L * kvHeads * headDim;
    }

    /** KV cache elements for one sequence of {@code tokens}, local layers capped at the window. */
    public long kvCacheElements(long tokens) {
        long perLayer = kvElementsPerTokenPerLayer();
        if (slidingWindow == null) {
            return Math.multiplyExact(Math.multiplyExact(perLayer, tokens), layers);
        }
        int local = slidingWindow.localLayers(layers);
        long localTokens = Math.min(tokens, slidingWindow.windowTokens());
        return Math.addExact(Math.multiplyExact(Math.multiplyExact(perLayer, localTokens), local),
                Math.multiplyExact(Math.multiplyExact(perLayer, tokens), layers - local));
    }
}
