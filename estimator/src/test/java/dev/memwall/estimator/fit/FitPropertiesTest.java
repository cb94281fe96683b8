package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.catalog.CatalogEntry;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Invariants over random models, precisions, contexts, batches and devices (fixed seed, 2000 cases each). */
class FitPropertiesTest {

    private static final int CASES = 2000;
    private final List<CatalogEntry> models = ModelCatalog.builtIn().all();
    private final List<Precision> precisions = Precisions.weights();
    private final List<Precision> kv = Precisions.kvCaches();

    private ModelSpec model(SplittableRandom r) {
        return models.get(r.nextInt(models.size())).spec();
    }

    /** Inference on any of the three runtimes (with a KV precision it offers), or training on the generic one. */
    private Workload workload(SplittableRandom r) {
        Precision p = precisions.get(r.nextInt(precisions.size()));
        long context = 1 + r.nextLong(200_000);
        int batch = 1 + r.nextInt(64);
        if (r.nextInt(4) == 0) {
            return new Workload(p, kv.get(r.nextInt(kv.size())), context, batch, Mode.TRAINING);
        }
        RuntimeProfile runtime = switch (r.nextInt(3)) {
            case 0 -> new RuntimeProfile.Generic();
            case 1 -> new RuntimeProfile.Vllm(0.05 + 0.95 * r.nextDouble(), 1 + r.nextInt(16_384), 1 + r.nextInt(1024));
            default -> new RuntimeProfile.LlamaCpp(1 + r.nextInt(4096), r.nextLong(2L << 30), r.nextBoolean());
        };
        List<Precision> offered = kv.stream().filter(runtime::offersKv).toList();
        return new Workload(p, offered.get(r.nextInt(offered.size())), context, batch, Mode.INFERENCE,
                Recompute.NONE, 16, 0, runtime);
    }

    private static long total(ModelSpec s, Workload w) {
        return MemoryAccounting.estimate(s, null, w, 1, null).totalBytes();
    }

    @Test
    void moreContextOrBatchNeverNeedsLessMemory() {
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < CASES; i++) {
            ModelSpec s = model(r);
            Workload w = workload(r);
            assertThat(total(s, w.withContext(w.contextTokens() + 1 + r.nextLong(10_000)))).isGreaterThanOrEqualTo(
                    total(s, w));
            assertThat(total(s, w.withBatch(w.batch() + 1))).isGreaterThanOrEqualTo(total(s, w));
        }
    }

    @Test
    void aLowerPrecisionNeverNeedsMore() {
        SplittableRandom r = new SplittableRandom(43);
        for (int i = 0; i < CASES; i++) {
            ModelSpec s = model(r);
            Workload w = workload(r);
            Precision a = precisions.get(r.nextInt(precisions.size()));
            Precision b = precisions.get(r.nextInt(precisions.size()));
            Precision lower = a.bitsPerWeight() <= b.bitsPerWeight() ? a : b;
            Precision higher = lower == a ? b : a;
            if (w.mode() == Mode.INFERENCE) {
                assertThat(total(s, w.withPrecision(lower))).isLessThanOrEqualTo(total(s, w.withPrecision(higher)));
            }
        }
    }

    @Test
    void fitsNowImpliesFitsWhenIdleAndTheDecodeBoundFallsWithBandwidth() {
        SplittableRandom r = new SplittableRandom(44);
        for (int i = 0; i < CASES / 4; i++) {
            ModelSpec s = model(r);
            Workload w = workload(r).withContext(1 + r.nextLong(32_768));
            long total = (1L << 30) * (1 + r.nextInt(256));
            long reserved = r.nextLong(1L << 30);
            long free = r.nextLong(total - reserved + 1);
            double bandwidth = 1e11 + r.nextDouble() * 8e12;
            long flops = (long) (1e13 + r.nextDouble() * 2e15);
            Capacity fast = new Capacity("d", "d", total, free, reserved, bandwidth, null, flops, null);
            Capacity slow = new Capacity("d", "d", total, free, reserved, bandwidth * r.nextDouble(), null, flops, null);
            Verdict fit = new FitPlanner(s, null).evaluate(w.withBatch(1), fast, 1);
            if (fit.fitsNow()) {
                assertThat(fit.fitsWhenIdle()).isTrue();
            }
            int batch = 1 + r.nextInt(64);
            double bytesPerParameter = w.precision().bitsPerWeight() / 8;
            assertThat(Roofline.of(s, bytesPerParameter, w, slow).tokensPerSecondPerSequence(batch))
                    .isLessThanOrEqualTo(Roofline.of(s, bytesPerParameter, w, fast).tokensPerSecondPerSequence(batch));
            assertThat(Roofline.of(s, bytesPerParameter, w, slow).expectedTokensPerSecondPerSequence(batch))
                    .isLessThanOrEqualTo(Roofline.of(s, bytesPerParameter, w, fast)
                            .expectedTokensPerSecondPerSequence(batch))
                    .isLessThanOrEqualTo(Roofline.of(s, bytesPerParameter, w, fast).tokensPerSecondPerSequence(batch));
        }
    }

    @Test
    void theOffloadBoundNeverRisesWhenHostBandwidthFalls() {
        SplittableRandom r = new SplittableRandom(45);
        int checked = 0;
        for (int i = 0; i < CASES / 4; i++) {
            ModelSpec s = model(r);
            Workload w = workload(r);
            if (w.mode().trains() || w.runtime() instanceof RuntimeProfile.Vllm) {
                continue;
            }
            long total = (1L << 30) * (1 + r.nextInt(48));
            Capacity gpu = new Capacity("d", "d", total, total, 0L, 1e11 + r.nextDouble() * 3e12, null, null, null);
            double host = 1e10 + r.nextDouble() * 2e11;
            FitPlanner planner = new FitPlanner(s, null);
            Offload fast = planner.evaluate(w, gpu, 1, new HostCapacity(null, host)).offload();
            Offload slow = planner.evaluate(w, gpu, 1, new HostCapacity(null, host * r.nextDouble())).offload();
            if (fast == null) {
                continue;
            }
            checked++;
            assertThat(slow.decodeTokensPerSecondBound()).isLessThanOrEqualTo(fast.decodeTokensPerSecondBound());
            assertThat(fast.deviceLayers() + fast.hostLayers()).isEqualTo(s.layers());
        }
        assertThat(checked).isGreaterThan(50);
    }
}
