package dev.memwall.estimator.fit;

import dev.memwall.estimator.precision.Precision;
import java.util.Objects;

/**
 * What the model is asked to do.
 *
 * @param precision     weight precision, or null to use the weights as stored in the file
 * @param kvPrecision   KV cache precision
 * @param contextTokens tokens per sequence (prompt and output)
 * @param batch         concurrent sequences
 * @param mode          inference, training, lora or qlora
 * @param recompute     activation recomputation when training
 * @param loraRank      adapter rank for lora and qlora
 * @param zeroStage     ZeRO stage (0-3) when full training is spread over several devices
 * @param runtime       the engine's memory profile (generic, vllm, llama.cpp); inference only
 */
public record Workload(Precision precision, Precision kvPrecision, long contextTokens, int batch, Mode mode,
        Recompute recompute, int loraRank, int zeroStage, RuntimeProfile runtime) {

    /** Longer contexts are refused as input errors: no model is built for them. */
    public static final long MAX_CONTEXT_TOKENS = 10_000_000L;
    public static final int MAX_BATCH = 100_000;

    public Workload {
        Objects.requireNonNull(kvPrecision, "kvPrecision");
        Objects.requireNonNull(mode, "mode");
        if (contextTokens < 1 || contextTokens > MAX_CONTEXT_TOKENS) {
            throw new IllegalArgumentException("context must be between 1 and " + MAX_CONTEXT_TOKENS + " tokens, was "
                    + contextTokens);
        }
        Objects.requireNonNull(recompute, "recompute");
        if (zeroStage < 0 || zeroStage > 3) {
            throw new IllegalArgumentException("ZeRO stage must be 0, 1, 2 or 3, was " + zeroStage);
        }
        if (loraRank < 1 || loraRank > 65_536) {
            throw new IllegalArgumentException("LoRA rank must be between 1 and 65536, was " + loraRank);
        }
        if (batch < 1 || batch > MAX_BATCH) {
            throw new IllegalArgumentException("batch must be between 1 and " + MAX_BATCH + ", was " + batch);
        }
        Objects.requireNonNull(runtime, "runtime");
        if (mode.trains() && !(runtime instanceof RuntimeProfile.Generic)) {
            throw new IllegalArgumentException(runtime.word() + " is an inference engine; " + mode.word()
                    + " needs the generic profile");
        }
        if (!runtime.offersKv(kvPrecision)) {
            throw new IllegalArgumentException(runtime.word() + " offers no " + kvPrecision.name() + " KV cache; it "
                    + "offers " + String.join(", ", runtime.kvPrecisions()));
        }
    }

    /** A workload on the generic profile. */
    public Workload(Precision precision, Precision kvPrecision, long contextTokens, int batch, Mode mode,
            Recompute recompute, int loraRank, int zeroStage) {
        this(precision, kvPrecision, contextTokens, batch, mode, recompute, loraRank, zeroStage,
                new RuntimeProfile.Generic());
    }

    /** An inference workload. */
    public Workload(Precision precision, Precision kvPrecision, long contextTokens, int batch, Mode mode) {
        this(precision, kvPrecision, contextTokens, batch, mode, Recompute.NONE, 16, 0);
    }

    public Workload withPrecision(Precision p) {
        return new Workload(p, kvPrecision, contextTokens, batch, mode, recompute, loraRank, zeroStage, runtime);
    }

    public Workload withContext(long tokens) {
        return new Workload(precision, kvPrecision, tokens, batch, mode, recompute, loraRank, zeroStage, runtime);
    }

    /** Training with recomputation, LoRA rank and ZeRO stage. */
    public Workload(Precision precision, Precision kvPrecision, long contextTokens, int batch, Mode mode,
            Recompute recompute, int loraRank) {
        this(precision, kvPrecision, contextTokens, batch, mode, recompute, loraRank, 0);
    }

    public Workload withBatch(int n) {
        return new Workload(precision, kvPrecision, contextTokens, n, mode, recompute, loraRank, zeroStage, runtime);
    }

    public Workload withRuntime(RuntimeProfile r) {
        return new Workload(precision, kvPrecision, contextTokens, batch, mode, recompute, loraRank, zeroStage, r);
    }
}
