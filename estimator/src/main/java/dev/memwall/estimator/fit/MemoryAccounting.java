package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.WeightInventory;
import dev.memwall.estimator.units.Saturating;
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
     * @param overhead     what the device's runtime stack takes before a model loads (a CUDA context), or null
     *                     where there is none (a CPU device)
     */
    public static MemoryEstimate estimate(ModelSpec spec, WeightInventory weights, Workload workload, int devices,
            DeviceOverhead overhead) {
        return estimate(spec, weights, workload, devices, overhead, false);
    }

    /**
     * As above; {@code hostDevice} when the device computes in host memory (a CPU): llama.cpp then keeps every
     * buffer there, the tied embedding once, and repacks some weight types for the CPU's kernels.
     */
    public static MemoryEstimate estimate(ModelSpec spec, WeightInventory weights, Workload workload, int devices,
            DeviceOverhead overhead, boolean hostDevice) {
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
            long experts = spec.routedExpertParametersTotal();
            weightBytes = ceilDiv(p.bytes(params, experts), devices);
            weightFormula = p.expertsOnly() ? String.format(Locale.ROOT, "%,d routed-expert parameters x %s bits "
                    + "(%s) / 8 + %,d others x %s bits / 8%s", experts, bits(p.expertBitsPerWeight()), p.name(),
                    params - experts, bits(p.bitsPerWeight()), split(devices))
                    : String.format(Locale.ROOT, "%,d parameters x %s bits (%s) / 8%s", params,
                            bits(p.bitsPerWeight()), p.name(), split(devices));
        }
        if (workload.runtime() instanceof RuntimeProfile.Vllm v && !workload.mode().trains()
                && workload.precision() != null) {
            MemoryItem quantized = VllmMemory.quantizedWeights(spec, workload.precision(), v, devices);
            if (quantized != null) {
                weightBytes = quantized.bytes();
                weightFormula = quantized.formula();
            }
        }
        items.add(new MemoryItem("weights", weightBytes, weightFormula));
        if (workload.runtime() instanceof RuntimeProfile.LlamaCpp && !workload.mode().trains()) {
            LlamaCppWeights.add(spec, weights, workload, devices, hostDevice, weightFormula, items);
        }

        if (workload.mode().trains()) {
            if (workload.mode() == Mode.TRAINING) {
                // ZeRO (Rajbhandari et al. 2020) shards, over N data-parallel devices: stage 1 the optimizer
                // states (12 bytes per parameter), stage 2 also the gradients (2), stage 3 also the weights (2).
                int z = devices > 1 ? workload.zeroStage() : 0;
                long two = Saturating.multiply(params, 2);
                long twelve = Saturating.multiply(params, 12);
                long shardedWeights = z >= 3 ? ceilDiv(two, devices) : two;
                long gradients = z >= 2 ? ceilDiv(two, devices) : two;
                long optimizer = z >= 1 ? ceilDiv(twelve, devices) : twelve;
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
                items.add(new MemoryItem("adapters_and_optimizer", Saturating.multiply(adapters,
                        GenericProfile.ADAM_BYTES_PER_PARAMETER), String.format(Locale.ROOT,
                        "%,d adapter parameters (rank %d on every linear layer%s) x 16 bytes: bf16 weights and "
                                + "gradients, fp32 master weights and Adam moments", adapters, workload.loraRank(),
                        spec.moe() != null ? "; attention only in expert layers" : "")));
            }
            items.add(activations(spec, workload));
        } else {
            inference(spec, weights, workload, devices, items, hostDevice);
        }
        if (overhead != null) {
            items.add(new MemoryItem(overhead.name(), overhead.bytes(), overhead.how()
                    + (workload.runtime() instanceof RuntimeProfile.Vllm && overhead.name().equals("cuda_context")
                            ? "; created before vLLM measures free memory, so outside its gpu_memory_utilization budget"
                            : "")));
        }
        return new MemoryEstimate(items, devices, ruleOfThumb(params, WeightBytes.of(weights, spec, workload)
                .average(spec), workload.mode()));
    }

    /**
     * Activations kept for the backward pass (Korthikanti et al. 2022, 16-bit activations): every layer's share
     * by recomputation, the one layer a full recomputation rebuilds at a time, and the output layer's fp32 logits
     * that the cross-entropy loss keeps, 4 x s x b x vocabulary bytes (section 4.3 of the paper).
     */
    private static MemoryItem activations(ModelSpec spec, Workload workload) {
        long s = workload.contextTokens();
        long b = workload.batch();
        long h = spec.hiddenSize();
        long a = spec.attentionHeads();
        Recompute r = workload.recompute();
        boolean flash = !(workload.runtime() instanceof RuntimeProfile.Generic g) || g.flashAttention();
        double layers = r.bytesPerLayer(s, b, h, a, flash) * spec.layers();
        double rebuilt = r.recomputedLayerBytes(s, b, h, a, flash);
        double logits = 4.0 * s * b * spec.vocabSize();
        double total = layers + rebuilt + logits;
        String perLayer = switch (r) {
            case NONE -> flash ? "s*b*h*34" : "s*b*h*(34 + 5*a*s/h)";
            case SELECTIVE -> "s*b*h*34";
            case FULL -> "s*b*h*2";
        };
        return new MemoryItem("activations", saturate(total), String.format(Locale.ROOT,
                "%d layers x %s bytes%s + fp32 logits 4*s*b*vocabulary (%,d) with s=%d, b=%d, h=%d, a=%d, "
                        + "recomputation %s, %s (Korthikanti et al. 2022, 16-bit activations)", spec.layers(),
                perLayer, rebuilt > 0 ? " + the layer being recomputed, " + (flash ? "s*b*h*34"
                        : "s*b*h*(34 + 5*a*s/h)") : "", spec.vocabSize(), s, b, h, a, r.word(),
                flash ? "flash attention (no s x s scores kept)" : "without flash attention (s x s scores kept)"));
    }

    /**
     * A size beyond what a long holds is no less "does not fit" than one that just misses: clamp, never throw; the
     * planner refuses a workload whose own estimate saturated ({@link MemoryEstimate#beyondRepresentable}).
     */
    static long saturate(double bytes) {
        return Saturating.ofDouble(bytes);
    }

    /** KV cache, workspace and runtime items for inference, by runtime profile. */
    private static void inference(ModelSpec spec, WeightInventory weights, Workload workload, int devices,
            List<MemoryItem> items, boolean hostDevice) {
        RuntimeProfile runtime = workload.runtime();
        if (runtime instanceof RuntimeProfile.LlamaCpp l && spec.mla() == null && devices == 1) {
            LlamaCppBuffers.add(spec, weights, workload, l, hostDevice, items);
            return;
        }
        if (runtime instanceof RuntimeProfile.Vllm v) {
            VllmMemory.add(spec, workload, v, devices, items);
            return;
        }
        long tokens = workload.contextTokens();
        String rounding = "";
        int round = runtime instanceof RuntimeProfile.LlamaCpp l
                ? (l.flashAttention() ? LlamaCppProfile.KV_PADDING_FLASH : LlamaCppProfile.KV_PADDING) : 1;
        if (round > 1 && tokens % round != 0) {
            tokens = ceilDiv(tokens, round) * round;
            rounding = String.format(Locale.ROOT, " (%,d rounded up to a multiple of %d)", workload.contextTokens(),
                    round);
        }
        double kvBits = workload.kvPrecision().bitsPerWeight();
        boolean splitKv = spec.mla() == null;
        long kv = Saturating.ofDouble(spec.kvCacheElements(tokens) * (double) workload.batch() * kvBits / 8
                / (splitKv ? devices : 1));
        items.add(new MemoryItem("kv_cache", kv, String.format(Locale.ROOT,
                "%s per token per layer x %d layers%s x %,d tokens%s x batch %d x %s bits (%s) / 8%s",
                spec.mla() != null ? "(kv_lora_rank " + spec.mla().kvLoraRank() + " + rope "
                        + spec.mla().qkRopeHeadDim() + ")" : "2 x " + spec.kvHeads() + " kv heads x "
                        + spec.headDim(), spec.layers(), spec.slidingWindow() == null ? ""
                        : " (" + spec.slidingWindow().localLayers(spec.layers()) + " local layers capped at "
                                + spec.slidingWindow().windowTokens() + " tokens)", tokens, rounding,
                workload.batch(), bits(kvBits), workload.kvPrecision().name(),
                splitKv ? split(devices) : devices > 1 ? ", the latent cache replicated on each device" : "")));
        long h = spec.hiddenSize();
        long vocab = spec.vocabSize();
        if (runtime instanceof RuntimeProfile.Generic) {
                long step = Math.min(GenericProfile.UBATCH_TOKENS, workload.contextTokens() * workload.batch());
                long ffn = spec.moe() == null ? spec.intermediateSize()
                        : Math.max(spec.intermediateSize(), spec.moe().expertIntermediateSize());
                long workspace = step * (vocab * 4 + (4 * h + 2 * ffn) * 2);
                items.add(new MemoryItem("workspace", workspace, String.format(Locale.ROOT,
                        "%d tokens per step x (vocabulary %d x 4 bytes of fp32 logits + (4 x hidden %d + 2 x ffn %d) "
                                + "x 2 bytes of fp16 activations); steps of %d tokens as llama.cpp's default n_ubatch",
                        step, vocab, h, ffn, GenericProfile.UBATCH_TOKENS)));
        } else if (runtime instanceof RuntimeProfile.LlamaCpp l) {
            items.add(approximateLlamaCppCompute(spec, tokens * workload.batch(), l));
        }
    }

    /**
     * llama.cpp's compute buffer where memwall does not rebuild its graph (MoE, latent attention, several
     * devices): the largest of the logits, the feed-forward rows and the attention scores or mask of a micro-batch,
     * checked against published logs (see {@link LlamaCppProfile}).
     */
    static MemoryItem approximateLlamaCppCompute(ModelSpec spec, long nCtx, RuntimeProfile.LlamaCpp l) {
        long h = spec.hiddenSize();
        long vocab = spec.vocabSize();
        long ub = Math.min(l.ubatchTokens(), nCtx);
        long logits = (vocab + h) * ub * 4;
        long ffnRows = (3 * activeFfnWidth(spec) + h) * ub * 4;
        long attention = l.flashAttention() ? logits + nCtx * ub * LlamaCppProfile.FLASH_MASK_BYTES_PER_CELL
                : nCtx * ub * spec.attentionHeads() * 4 + LlamaCppProfile.ATTENTION_EXTRA_ROWS * h * ub * 4;
        long compute = Math.max(logits, Math.max(ffnRows, attention));
        return new MemoryItem("compute_buffer", compute, String.format(Locale.ROOT,
                "approximate (llama.cpp's graph for %s is not rebuilt): largest of fp32 logits and hidden rows of a "
                        + "%d-token micro-batch, (vocabulary %d + hidden %d) x %d x 4 = %,d; feed-forward rows (3 x "
                        + "ffn %d + hidden) x %d x 4 = %,d; %s", spec.family(), ub, vocab, h, ub, logits,
                activeFfnWidth(spec), ub, ffnRows, l.flashAttention()
                        ? String.format(Locale.ROOT, "with flash attention, the logits and the mask, n_ctx %,d x "
                                + "%d x %d bytes = %,d", nCtx, ub, LlamaCppProfile.FLASH_MASK_BYTES_PER_CELL, attention)
                        : String.format(Locale.ROOT, "without flash attention, the scores, n_ctx %,d x %d x %d heads x "
                                + "4 + %d hidden rows = %,d", nCtx, ub, spec.attentionHeads(),
                                LlamaCppProfile.ATTENTION_EXTRA_ROWS, attention)));
    }

    /** Feed-forward width one token activates: dense, or k routed experts plus the shared ones. */
    private static long activeFfnWidth(ModelSpec spec) {
        if (spec.moe() == null) {
            return spec.intermediateSize();
        }
        return spec.moe().expertsPerToken() * spec.moe().expertIntermediateSize()
                + spec.moe().sharedExperts() * spec.moe().sharedExpertIntermediateSize();
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

    /** {@code a / b} rounded up; a saturated size stays saturated. */
    private static long ceilDiv(long a, long b) {
        return Saturating.isBeyond(a) ? a : Math.floorDiv(a, b) + (Math.floorMod(a, b) == 0 ? 0 : 1);
    }
}
