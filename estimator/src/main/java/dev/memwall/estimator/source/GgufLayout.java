package dev.memwall.estimator.source;

import dev.memwall.estimator.gguf.GgufFile;
import dev.memwall.estimator.gguf.GgufTensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a GGUF file's tensors lie, as llama.cpp's loader uses them.
 *
 * @param tensors             every tensor's place in the file's data, in file order
 * @param tokenEmbeddingBytes bytes of {@code token_embd.weight} as stored
 * @param outputBytes         bytes of {@code output.weight}, 0 when the output layer is tied to the embedding
 * @param tiedOutput          the token embedding, when it is also the output layer (llama.cpp then loads it a
 *                            second time for the output's matrix multiplication), else null
 */
public record GgufLayout(List<Extent> tensors, long tokenEmbeddingBytes, long outputBytes, Extent tiedOutput) {

    /**
     * One tensor's data.
     *
     * @param offset     from the start of the data section
     * @param bytes      as stored
     * @param type       its ggml type's name ({@code Q4_0})
     * @param multiplied a weight llama.cpp multiplies by ({@code mul_mat}, or {@code mul_mat_id} for a 3-D expert
     *                   tensor) whose row count is a multiple of 8: what ggml's CPU backend may repack into a
     *                   {@code CPU_REPACK} buffer (ggml-cpu/repack.cpp, {@code ggml_repack_get_optimal_repack_type})
     */
    public record Extent(long offset, long bytes, String type, boolean multiplied) {
    }

    public GgufLayout {
        tensors = List.copyOf(tensors);
    }

    static GgufLayout of(GgufFile gguf) {
        List<Extent> extents = new ArrayList<>(gguf.tensors().size());
        long embedding = 0;
        long output = 0;
        Extent tokenEmbedding = null;
        for (GgufTensor t : gguf.tensors()) {
            boolean weight = t.name().equals("output.weight") || t.name().startsWith("blk.");
            Extent e = new Extent(t.offset(), t.bytes(), t.type().name(), weight && multipliable(t));
            extents.add(e);
            if (t.name().equals("token_embd.weight")) {
                embedding = t.bytes();
                // Looked up by row (get_rows) where it is the input: never repacked there.
                tokenEmbedding = new Extent(t.offset(), t.bytes(), t.type().name(), multipliable(t));
            } else if (t.name().equals("output.weight")) {
                output = t.bytes();
            }
        }
        return new GgufLayout(extents, embedding, output, output == 0 ? tokenEmbedding : null);
    }

    private static boolean multipliable(GgufTensor t) {
        return t.shape().length >= 2 && t.shape()[1] % 8 == 0;
    }

    /**
     * The span from the first data byte of the tensors that stay in the mapped file to the end of the last one:
     * what llama.cpp maps as its {@code CPU_Mapped} model buffer ({@code llama_model_loader} maps each buffer's file
     * range, src/llama-model-loader.cpp), padding and repacked tensors between them included.
     *
     * @param repacked the ggml types the CPU backend repacks (none off x86-64)
     */
    public long mappedBytes(Collection<String> repacked) {
        long first = Long.MAX_VALUE;
        long last = 0;
        for (Extent e : tensors) {
            if (e.multiplied() && repacked.contains(e.type())) {
                continue;
            }
            first = Math.min(first, e.offset());
            last = Math.max(last, e.offset() + e.bytes());
        }
        return first == Long.MAX_VALUE ? 0 : last - first;
    }

    /** Bytes the CPU backend copies into its {@code CPU_REPACK} buffer, by type: the repacked weights and a tied output. */
    public Map<String, Long> repackBytes(Collection<String> repacked) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Extent e : tensors) {
            if (e.multiplied() && repacked.contains(e.type())) {
                out.merge(e.type(), e.bytes(), Long::sum);
            }
        }
        if (tiedOutput != null && tiedOutput.multiplied() && repacked.contains(tiedOutput.type())) {
            out.merge(tiedOutput.type(), tiedOutput.bytes(), Long::sum);
        }
        return out;
    }
}
