package dev.memwall.estimator.fit;

import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.model.SlidingWindow;
import dev.memwall.estimator.precision.Precision;
import java.util.Locale;

/**
 * How vLLM lays out a model's KV cache on one device (vllm/v1/core/kv_cache_utils.py and
 * vllm/v1/kv_cache_interface.py at vllm-project/vllm@2a69949bdadf0e8942b7a1619b229cb475beef20, v0.19.0): pages of
 * {@value VllmProfile#BLOCK_TOKENS} tokens of one layer, layers gathered in groups of equal size that share one
 * block table each. A model whose layers all attend alike has one group of every layer; a hybrid model (Gemma 2
 * and 3, gpt-oss: full and sliding-window layers) has groups of one attention type each, the last of a type padded
 * to the group size, and every group holds its own blocks.
 *
 * @param pageBytes      one block of one layer: 16 x 2 (K and V) x KV heads on the device x head dim x bytes, or for
 *                       latent attention 16 x (kv_lora_rank + rope dim) x bytes (one latent, not split by tensor
 *                       parallelism)
 * @param layersPerGroup layers in each group ({@code group_size}); the pool is {@code group_size} tensors of
 *                       {@code num_blocks} pages
 * @param fullGroups     groups of full-attention layers
 * @param slidingGroups  groups of sliding-window layers
 * @param windowTokens   the sliding window, 0 when there is none
 */
public record VllmKvLayout(long pageBytes, int layersPerGroup, int fullGroups, int slidingGroups, long windowTokens) {

    public VllmKvLayout {
        if (pageBytes < 1 || layersPerGroup < 1 || fullGroups < 0 || slidingGroups < 0
                || fullGroups + slidingGroups < 1) {
            throw new IllegalArgumentException("a KV layout needs a page, layers and at least one group");
        }
    }

    /**
     * The layout of {@code spec} with a {@code kv} cache on each of {@code devices} tensor-parallel devices. KV heads
     * are split over the devices and replicated when there are more devices than heads
     * ({@code max(1, heads // tp)}); a latent cache is not split. Groups follow {@code get_kv_cache_groups}: the
     * group size is the smallest layer count among attention types, or the largest when it is under 1.5 times the
     * smallest.
     *
     * @param hybrid whether sliding-window layers get their own groups (the V1 engine's hybrid KV cache manager, on
     *               by default on CUDA); without it every layer keeps every token, as in the V0 engine
     */
    public static VllmKvLayout of(ModelSpec spec, Precision kv, int devices, boolean hybrid) {
        double bytes = kv.bitsPerWeight() / 8;
        long page;
        if (spec.mla() != null) {
            page = (long) Math.ceil(VllmProfile.BLOCK_TOKENS * (spec.mla().kvLoraRank() + spec.mla().qkRopeHeadDim())
                    * bytes);
        } else {
            long heads = Math.max(1, spec.kvHeads() / devices);
            page = (long) Math.ceil(VllmProfile.BLOCK_TOKENS * 2 * heads * spec.headDim() * bytes);
        }
        int layers = spec.layers();
        SlidingWindow w = spec.slidingWindow();
        if (w == null || !hybrid) {
            return new VllmKvLayout(page, layers, 1, 0, 0);
        }
        int sliding = w.localLayers(layers);
        int full = layers - sliding;
        if (full == 0) {
            return new VllmKvLayout(page, layers, 0, 1, w.windowTokens());
        }
        int min = Math.min(full, sliding);
        int max = Math.max(full, sliding);
        int size = max < min * 1.5 ? max : min;
        return new VllmKvLayout(page, size, ceilDiv(full, size), ceilDiv(sliding, size), w.windowTokens());
    }

    /** Groups with their own blocks. */
    public int groups() {
        return fullGroups + slidingGroups;
    }

    /** Bytes of one block over the layers of a group: what each block of the pool costs. */
    public long blockBytes() {
        return pageBytes * layersPerGroup;
    }

    /** {@code num_blocks = available // page_size // group_size}. */
    public long blocks(long poolBytes) {
        return Math.max(0, poolBytes) / pageBytes / layersPerGroup;
    }

    /** "GPU KV cache size: N tokens": {@code num_blocks // num_groups x block_size}. */
    public long tokens(long blocks) {
        return blocks / groups() * VllmProfile.BLOCK_TOKENS;
    }

    /**
     * Blocks one request of {@code contextTokens} needs over all groups: every token in a full-attention group;
     * in a sliding one the window less one plus a scheduler step's tokens, capped at the context, and one block
     * more ({@code max_memory_usage_bytes} of FullAttentionSpec and SlidingWindowSpec).
     */
    public long blocksPerRequest(long contextTokens, int maxNumBatchedTokens) {
        long full = ceilDiv(contextTokens, VllmProfile.BLOCK_TOKENS);
        long sliding = slidingGroups == 0 ? 0
                : ceilDiv(Math.min(windowTokens - 1 + maxNumBatchedTokens, contextTokens), VllmProfile.BLOCK_TOKENS) + 1;
        return fullGroups * full + slidingGroups * sliding;
    }

    /** Bytes one request of {@code contextTokens} takes: its blocks x the layers of a group x the page. */
    public long bytesPerRequest(long contextTokens, int maxNumBatchedTokens) {
        return Math.multiplyExact(blocksPerRequest(contextTokens, maxNumBatchedTokens), blockBytes());
    }

    /** The layout in words, for an item's formula. */
    String describe(ModelSpec spec, Precision kv, int devices) {
        String page = spec.mla() != null
                ? String.format(Locale.ROOT, "16 x (kv_lora_rank %d + rope %d) x %s bytes, the latent not split over "
                        + "devices", spec.mla().kvLoraRank(), spec.mla().qkRopeHeadDim(), bits(kv.bitsPerWeight() / 8))
                : String.format(Locale.ROOT, "16 x 2 x %d KV heads%s x %d x %s bytes", Math.max(1, spec.kvHeads()
                        / devices), devices > 1 ? " per device" : "", spec.headDim(), bits(kv.bitsPerWeight() / 8));
        String groups = groups() == 1 ? String.format(Locale.ROOT, "one group of %d layers", layersPerGroup)
                : String.format(Locale.ROOT, "%d groups of %d layers (%d full attention, %d sliding window of %,d "
                        + "tokens%s)", groups(), layersPerGroup, fullGroups, slidingGroups, windowTokens,
                        groups() * layersPerGroup > spec.layers() ? ", " + (groups() * layersPerGroup - spec.layers())
                                + " padding layers" : "");
        return String.format(Locale.ROOT, "pages of %s = %,d bytes; %s", page, pageBytes, groups);
    }

    private static String bits(double b) {
        return b == Math.rint(b) ? String.valueOf((long) b) : String.format(Locale.ROOT, "%.4g", b);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
