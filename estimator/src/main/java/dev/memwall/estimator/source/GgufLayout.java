package dev.memwall.estimator.source;

import dev.memwall.estimator.gguf.GgufFile;
import dev.memwall.estimator.gguf.GgufTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a GGUF file's tensors lie, as llama.cpp's loader uses them.
 *
 * @param mappedBytes          the span from the first tensor's data to the end of the last one: what llama.cpp
 *                             maps as its {@code CPU_Mapped} model buffer ({@code llama_model_loader} maps each
 *                             buffer's file range, src/llama-model-loader.cpp), padding between tensors included
 * @param tokenEmbeddingBytes  bytes of {@code token_embd.weight} as stored
 * @param outputBytes          bytes of {@code output.weight}, 0 when the output layer is tied to the embedding
 * @param matrixBytesByType    bytes of the 2-D weight matrices llama.cpp multiplies by (the layers' and the output
 *                             layer's, which is the token embedding when tied) whose row count is a multiple of 8,
 *                             by ggml type: the tensors ggml's CPU backend may repack into a {@code CPU_REPACK}
 *                             buffer
 */
public record GgufLayout(long mappedBytes, long tokenEmbeddingBytes, long outputBytes,
        Map<String, Long> matrixBytesByType) {

    public GgufLayout {
        matrixBytesByType = Map.copyOf(matrixBytesByType);
    }

    static GgufLayout of(GgufFile gguf) {
        long first = Long.MAX_VALUE;
        long last = 0;
        long embedding = 0;
        long output = 0;
        Map<String, Long> matrices = new LinkedHashMap<>();
        GgufTensor tokenEmbedding = null;
        boolean tied = true;
        for (GgufTensor t : gguf.tensors()) {
            first = Math.min(first, t.offset());
            last = Math.max(last, t.offset() + t.bytes());
            if (t.name().equals("token_embd.weight")) {
                embedding = t.bytes();
                tokenEmbedding = t;
            } else if (t.name().equals("output.weight")) {
                output = t.bytes();
                tied = false;
                matrix(t, matrices);
            } else if (t.name().startsWith("blk.")) {
                matrix(t, matrices);
            }
        }
        if (tied && tokenEmbedding != null) {
            matrix(tokenEmbedding, matrices);
        }
        return new GgufLayout(first == Long.MAX_VALUE ? 0 : last - first, embedding, output, matrices);
    }

    private static void matrix(GgufTensor t, Map<String, Long> matrices) {
        if (t.shape().length == 2 && t.shape()[1] % 8 == 0) {
            matrices.merge(t.type().name(), t.bytes(), Long::sum);
        }
    }
}
