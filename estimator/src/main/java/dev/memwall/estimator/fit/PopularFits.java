package dev.memwall.estimator.fit;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precisions;
import java.util.ArrayList;
import java.util.List;

/**
 * The catalog's popular models at their best precision on each device, at a common context and batch 1: the
 * default list that {@code memwall probe} prints and {@code /api/v1/probe} serves ({@code fits[]}), computed here
 * once for both.
 */
public final class PopularFits {

    /** Models people ask about most, small to large. */
    public static final List<String> MODELS = List.of("llama-3.2-3b", "llama-3.1-8b", "qwen2.5-7b",
            "mistral-7b-v0.1", "gemma-2-9b", "qwen3-30b-a3b", "gpt-oss-20b", "llama-3.1-70b", "gpt-oss-120b",
            "deepseek-v3");

    /** Tokens of context each is evaluated at (less where a model's own maximum is smaller). */
    public static final long CONTEXT_TOKENS = 8192;

    private PopularFits() {
    }

    /**
     * Loads and initialises what {@link #on} uses (the model catalog, the precisions, the planner and the decode
     * measurements) by answering for one made-up device, so a caller can do it beside other work (while drivers
     * load); the answer is thrown away. Done once: later calls return at once (or wait for the first).
     */
    public static void prepare() {
        Prepared.done();
    }

    private static final class Prepared {
        static {
            // Every popular model's spec, then one answer on a GPU and one on a CPU device whose memory is the
            // host's: the code paths a probe's answer takes, at a sixth of the work of answering them all.
            for (String id : MODELS) {
                ModelCatalog.builtIn().find(id).orElseThrow().spec();
            }
            Capacity gpu = new Capacity("prepare", "prepare", 24L << 30, 20L << 30, null, 900e9, null, null, null);
            Capacity cpu = new Capacity("prepare", "prepare", 24L << 30, null, null, 50e9, null, null, null, null,
                    null, null, true, new Capacity.Hardware(DeviceClass.CPU, null, 2));
            one(MODELS.get(0), gpu, HostCapacity.UNKNOWN);
            one(MODELS.get(0), cpu, new HostCapacity(20L << 30, 50e9));
        }

        static void done() {
            // the work is in the class's initialisation, which the JVM runs once
        }
    }

    /**
     * Each popular model on one device (generic runtime, fp16 KV cache, batch 1, the default precision floor), in
     * {@link #MODELS}' order. The models are answered in parallel: a probe waits for this list after its devices
     * are read, and each answer is independent of the others.
     */
    public static List<Verdict> on(Capacity device, HostCapacity host) {
        return MODELS.parallelStream().map(id -> one(id, device, host)).toList();
    }

    private static Verdict one(String id, Capacity device, HostCapacity host) {
        ModelSpec spec = ModelCatalog.builtIn().find(id).orElseThrow().spec();
        Workload w = new Workload(null, Precisions.kvCache("fp16").orElseThrow(),
                Math.min(CONTEXT_TOKENS, spec.maxContext()), 1, Mode.INFERENCE);
        return FitService.row(new FitPlanner(spec, null), w, device, 1, device.id(), host);
    }

    /** Each popular model on each device, device by device. */
    public static List<Verdict> on(List<Capacity> devices, HostCapacity host) {
        List<Verdict> out = new ArrayList<>();
        for (Capacity c : devices) {
            out.addAll(on(c, host));
        }
        return out;
    }
}
