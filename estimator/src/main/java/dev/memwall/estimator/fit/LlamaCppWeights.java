package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.source.GgufLayout;
import dev.memwall.estimator.source.WeightInventory;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Where llama.cpp keeps a model's weights: all in host memory on a CPU, the input embedding only on a GPU. */
final class LlamaCppWeights {

    private LlamaCppWeights() {
    }

    static void add(ModelSpec spec, WeightInventory weights, Workload workload, int devices, boolean hostDevice,
            String weightFormula, List<MemoryItem> items) {
        GgufLayout gguf = weights != null && workload.precision() == null ? weights.gguf() : null;
        if (hostDevice) {
            if (gguf != null) {
                List<String> repacked = LlamaCppProfile.cpuRepackTypes(System.getProperty("os.arch", ""));
                long mapped = gguf.mappedBytes(repacked);
                items.set(0, new MemoryItem("weights", mapped, String.format(Locale.ROOT,
                        "%,d bytes from the first mapped tensor's data to the end of the last, the file range llama.cpp "
                                + "maps (CPU_Mapped); a tied embedding is also the output layer, read in place",
                        mapped)));
                long repack = 0;
                StringBuilder types = new StringBuilder();
                for (Map.Entry<String, Long> e : gguf.repackBytes(repacked).entrySet()) {
                    repack += e.getValue();
                    types.append(types.length() > 0 ? ", " : "").append(String.format(Locale.ROOT, "%s %,d",
                            e.getKey(), e.getValue()));
                }
                if (repack > 0) {
                    items.add(new MemoryItem("cpu_repack", repack, String.format(Locale.ROOT, "weight "
                            + "matrices and expert tensors (the output layer's too, a tied embedding's copy) copied "
                            + "into interleaved blocks for the CPU's kernels (CPU_REPACK, ggml-cpu/repack.cpp on "
                            + "x86-64 with AVX2), no longer mapped: %s bytes", types)));
                }
            } else {
                items.set(0, new MemoryItem("weights", items.get(0).bytes(), weightFormula
                        + "; on a CPU a tied embedding is also the output layer, counted once"));
            }
            return;
        }
        // llama.cpp keeps the input layer in host memory ("there is very little benefit to offloading the input
        // layer, so always keep it on the CPU", src/llama-model.cpp); a tied table is duplicated for the output
        // layer on the device.
        long embedding;
        String how;
        if (gguf != null) {
            embedding = gguf.tokenEmbeddingBytes();
            how = String.format(Locale.ROOT, "token_embd.weight, %,d bytes as stored, in host memory", embedding);
        } else {
            double perWeight = WeightBytes.of(weights, spec, workload).perWeight();
            embedding = (long) Math.ceil(spec.vocabSize() * spec.hiddenSize() * perWeight);
            how = String.format(Locale.ROOT, "vocabulary %d x hidden %d x %.4g bytes, in host memory",
                    spec.vocabSize(), spec.hiddenSize(), perWeight);
        }
        long weightBytes = items.get(0).bytes();
        if (!spec.tiedEmbeddings()) {
            items.set(0, new MemoryItem("weights", ceilDiv(Math.max(0, weightBytes * devices - embedding), devices),
                    weightFormula + String.format(Locale.ROOT, ", less the input embedding (%,d bytes) that "
                            + "llama.cpp keeps in host memory", embedding)));
        }
        items.add(new MemoryItem("input_embedding", embedding, how + (spec.tiedEmbeddings()
                ? " (tied: the device holds a copy as the output layer)" : ""), true));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
