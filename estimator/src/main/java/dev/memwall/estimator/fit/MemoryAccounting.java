package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.WeightInventory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Itemised memory for the {@code generic} profile: what a model needs for a workload, per device. */
public final class MemoryAccounting {

    private MemoryAccounting() {
    }

    /**
     * @param spec         the architecture
     * @param weights      exact bytes from files, used when the workload keeps the stored precision; or null
     * @param workload     precision, context, batch, mode
     * @param devices      devices the model is split over (tensor parallel); 1 for one device
     * @param contextBytes a measured CUDA context, or null for the profile's assumption
     */
    public static MemoryEstimate estimate(ModelSpec spec, WeightInventory weights, Workload workload, int devices,
            Long contextBytes) {
        if (workload.precision() == null && weights == null) {
            throw new IllegalArgumentException("a precision is needed when no weight file gives the bytes");
        }
        List<MemoryItem> items = new ArrayList<>();
        long params = spec.parameters();
        long weightBytes;
        String weightFormula;
        if (workload.precision() == null) {
            weightBytes = ceilDiv(weights.totalBytes(), devices);
            weightFormula = String.format(Locale.ROOT, "%,d bytes read from the weight files%s", weights.totalBytes(),
                    split(devices));
        } else {
            Precision p = workload.precision();
            weightBytes = ceilDiv(p.bytes(params), devices);
            weightFormula = String.format(Locale.ROOT, "%,d parameters x %s bits (%s) / 8%s", params,
                    bits(p.bitsPerWeight()), p.name(), split(devices));
        }
        items.add(new MemoryItem("weights", weightBytes, weightFormula));

        if (workload.mode().trains()) {
            if (workload.mode() == Mode.TRAINING) {
                // ZeRO (Rajbhandari et al. 2020) shards, over N data-parallel devices: stage 1 the optimizer
                // states (12 bytes per parameter), stage 2 also the gradients (2), stage 3 also the weights (2).
                int z = devices > 1 ? workload.zeroStage() : 0;
                long shardedWeights = z >= 3 ? ceilDiv(params * 2, devices) : params * 2;
                long gradients = z >= 2 ? ceilDiv(params * 2, devices) : params * 2;
                long optimizer = z >= 1 ? ceilDiv(params * 12, devices) : params * 12;
                String over = z > 0 ? String.format(Locale.ROOT, ", ZeRO stage %d over %d devices", z, devices)
                        : devices > 1 ? ", replicated on each of " + devices + " devices (ZeRO stage 0)" : "";
                items.set(0, new MemoryItem("weights", shardedWeights, String.format(Locale.ROOT,
                        "%,d parameters x 2 bytes (fp16 copy for the forward and backward passes)%s%s", params,
                        z >= 3 ? " / " + devices : "", over)));
                items.add(new MemoryItem("gradients", gradients, String.format(Locale.ROOT,
                        "%,d parameters x 2 bytes (fp16)%s", params, z >= 2 ? " / " + devices : "")));
                items.add(new MemoryItem("optimizer", optimizer, String.format(Locale.ROOT,
                        "%,d parameters x 12 bytes: fp32 master weights (4) and Adam's two moments (8)%s", params,
                        z >= 1 ? " / " + devices : "")));
            } else {
                if (workload.mode() == Mode.QLORA) {
                    Precision nf4 = Precisions.weight("nf4_dq").orElseThrow();
                    items.set(0, new MemoryItem("weights", nf4.bytes(params), String.format(Locale.ROOT,
                            "%,d parameters x %s bits (nf4 with double quantization, frozen) / 8", params,
                            bits(nf4.bitsPerWeight()))));
                }
                long adapters = loraParameters(spec, workload.loraRank());
                items.add(new MemoryItem("adapters_and_optimizer", Math.multiplyExact(adapters,
                        GenericProfile.ADAM_BYTES_PER_PARAMETER), String.format(Locale.ROOT,
                        "%,d adapter parameters (rank %d on every linear layer%s) x 16 bytes: bf16 weights and "
                                + "gradients, fp32 master weights and Adam moments", adapters, workload.loraRank(),
                        spec.moe() != null ? "; attention only in expert layers" : "")));
            }
            long s = workload.contextTokens();
            long b = workload.batch();
            long h = spec.hiddenSize();
            long a = spec.attentionHeads();
            long activations = (long) Math.ceil(workload.recompute().bytesPerLayer(s, b, h, a) * spec.layers());
            items.add(new MemoryItem("activations", activations, String.format(Locale.ROOT,
                    "%d layers x %s bytes with s=%d, b=%d, h=%d, a=%d, recomputation %s (Korthikanti et al. 2022, "
                            + "16-bit activations)", spec.layers(), switch (workload.recompute()) {
                                case NONE -> "s*b*h*(34 + 5*a*s/h)";
                                case SELECTIVE -> "s*b*h*34";
                                case FULL -> "s*b*h*2";
                            }, s, b, h, a, workload.recompute().word())));
        } else {
            long perSequence = Math.multiplyExact(spec.kvCacheElements(workload.contextTokens()), 1L);
            double kvBits = workload.kvPrecision().bitsPerWeight();
            boolean splitKv = spec.mla() == null;
            long kv = (long) Math.ceil(perSequence * (double) workload.batch() * kvBits / 8 / (splitKv ? devices : 1));
            items.add(new MemoryItem("kv_cache", kv, String.format(Locale.ROOT,
                    "%s per token per layer x %d layers%s x %,d tokens x batch %d x %s bits (%s) / 8%s",
                    spec.mla() != null ? "(kv_lora_rank " + spec.mla().kvLoraRank() + " + rope "
                            + spec.mla().qkRopeHeadDim() + ")" : "2 x " + spec.kvHeads() + " kv heads x "
                            + spec.headDim(), spec.layers(), spec.slidingWindow() == null ? ""
                            : " (" + spec.slidingWindow().localLayers(spec.layers()) + " local layers capped at "
                                    + spec.slidingWindow().windowTokens() + " tokens)", workload.contextTokens(),
                    workload.batch(), bits(kvBits), workload.kvPrecision().name(),
                    splitKv ? split(devices) : devices > 1 ? ", the latent cache replicated on each device" : "")));
            long tokens = Math.min(GenericProfile.UBATCH_TOKENS, workload.contextTokens() * workload.batch());
            long ffn = spec.moe() == null ? spec.intermediateSize()
                    : Math.max(spec.intermediateSize(), spec.moe().expertIntermediateSize());
            long workspace = tokens * (spec.vocabSize() * 4 + (4 * spec.hiddenSize() + 2 * ffn) * 2);
            items.add(new MemoryItem("workspace", workspace, String.format(Locale.ROOT,
                    "%d tokens per step x (vocabulary %d x 4 bytes of fp32 logits + (4 x hidden %d + 2 x ffn %d) x 2 "
                            + "bytes of fp16 activations); steps of %d tokens as llama.cpp's default n_ubatch",
                    tokens, spec.vocabSize(), spec.hiddenSize(), ffn, GenericProfile.UBATCH_TOKENS)));
        }
        long context = contextBytes != null ? contextBytes : GenericProfile.ASSUMED_CONTEXT_BYTES;
        items.add(new MemoryItem("cuda_context", context, contextBytes != null
                ? String.format(Locale.ROOT, "%,d bytes, measured on this device", contextBytes)
                : "512 MiB assumed per device (measured where NVML and CUDA both answer)"));
        double bytesPerParam = workload.precision() != null ? workload.precision().bitsPerWeight() / 8
                : weights.totalBytes() / (double) Math.max(1, params);
        return new MemoryEstimate(items, devices, ruleOfThumb(params, bytesPerParam, workload.mode()));
    }

    /**
     * LoRA adapter parameters: rank x (inputs + outputs) for every linear layer of attention and of dense
     * feed-forward blocks (expert layers get adapters on attention only).
     */
    public static long loraParameters(ModelSpec spec, int rank) {
        long h = spec.hiddenSize();
        long attention;
        if (spec.mla() != null) {
            var m = spec.mla();
            long heads = spec.attentionHeads();
            attention = (h + heads * (m.qkNopeHeadDim() + m.qkRopeHeadDim())) + (h + m.kvLoraRank() + m.qkRopeHeadDim())
                    + (m.kvLoraRank() + heads * (m.qkNopeHeadDim() + m.vHeadDim())) + (heads * m.vHeadDim() + h);
        } else {
            long q = (long) spec.attentionHeads() * spec.headDim();
            long kv = (long) spec.kvHeads() * spec.headDim();
            attention = (h + q) + 2 * (h + kv) + (q + h);
        }
        long total = 0;
        for (int i = 0; i < spec.layers(); i++) {
            long mlp = spec.isMoeLayer(i) ? 0 : spec.mlp().matrices() * (h + spec.intermediateSize());
            total += rank * (attention + mlp);
        }
        return total;
    }

    /** The quick rule users quote: parameters x bytes per parameter x 1.2 (inference) or x 2 (training). */
    public static long ruleOfThumb(long parameters, double bytesPerParameter, Mode mode) {
        return (long) (parameters * bytesPerParameter * (mode.trains()
                ? GenericProfile.RULE_OF_THUMB_TRAINING : GenericProfile.RULE_OF_THUMB_INFERENCE));
    }

    private static String split(int devices) {
        return devices > 1 ? ", split over " + devices + " devices" : "";
    }

    private static String bits(double b) {
        return b == Math.rint(b) ? String.valueOf((long) b) : String.format(Locale.ROOT, "%.4g", b);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
