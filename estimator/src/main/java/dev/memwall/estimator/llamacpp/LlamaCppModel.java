package dev.memwall.estimator.llamacpp;

/**
 * What llama.cpp's graph of a model depends on ({@code llama_hparams} and the architecture's graph builder in
 * src/models/): its shape. Weight types do not change the graph's tensors (a {@code get_rows} of any type gives
 * f32 rows), only the weights' own buffers.
 *
 * @param arch               the graph builder
 * @param layers             {@code n_layer}
 * @param embedding          {@code n_embd}
 * @param heads              {@code n_head}
 * @param kvHeads            {@code n_head_kv}
 * @param headDimK           {@code n_embd_head_k}
 * @param headDimV           {@code n_embd_head_v}
 * @param feedForward        {@code n_ff}
 * @param vocabulary         {@code n_vocab}
 * @param slidingWindow      {@code n_swa}, 0 without sliding-window layers
 * @param swaPattern         every {@code swaPattern}-th layer attends globally, the others in the window
 *                           ({@code set_swa_pattern}, dense last)
 * @param experts            {@code n_expert}: routed experts per layer, 0 for a dense model
 * @param expertsUsed        {@code n_expert_used}
 * @param expertFeedForward  {@code n_ff_exp}: each expert's width
 */
public record LlamaCppModel(Arch arch, int layers, long embedding, int heads, int kvHeads, int headDimK, int headDimV,
        long feedForward, long vocabulary, long slidingWindow, int swaPattern, int experts, int expertsUsed,
        long expertFeedForward) {

    /** A dense model. */
    public LlamaCppModel(Arch arch, int layers, long embedding, int heads, int kvHeads, int headDimK, int headDimV,
            long feedForward, long vocabulary, long slidingWindow, int swaPattern) {
        this(arch, layers, embedding, heads, kvHeads, headDimK, headDimV, feedForward, vocabulary, slidingWindow,
                swaPattern, 0, 0, 0);
    }

    /** The graph builders memwall reproduces. */
    public enum Arch {
        /** {@code llm_build_llama}, src/models/llama.cpp. */
        LLAMA("llama"),
        /** src/models/qwen2.cpp: biased q, k, v projections. */
        QWEN2("qwen2"),
        /** src/models/qwen3.cpp: RMS norms on each query and key head. */
        QWEN3("qwen3"),
        /** src/models/gemma3.cpp: scaled embeddings, head norms, post-norms, GELU, sliding-window layers. */
        GEMMA3("gemma3"),
        /**
         * src/models/qwen3moe.cpp: qwen3's attention, and in every layer a routed mixture of experts
         * ({@code build_moe_ffn}, src/llama-graph.cpp: softmax gating, top-k, weights normalised to sum 1).
         */
        QWEN3MOE("qwen3moe");

        private final String ggufName;

        Arch(String ggufName) {
            this.ggufName = ggufName;
        }

        /** {@code general.architecture}. */
        public String ggufName() {
            return ggufName;
        }

        public static java.util.Optional<Arch> of(String architecture) {
            for (Arch a : values()) {
                if (a.ggufName.equals(architecture)) {
                    return java.util.Optional.of(a);
                }
            }
            return java.util.Optional.empty();
        }
    }

    /** {@code hparams.is_swa(il)}. */
    boolean slidingLayer(int il) {
        return slidingWindow > 0 && (swaPattern == 0 || il % swaPattern < swaPattern - 1);
    }

    boolean anySliding() {
        for (int il = 0; il < layers; il++) {
            if (slidingLayer(il)) {
                return true;
            }
        }
        return false;
    }
}
