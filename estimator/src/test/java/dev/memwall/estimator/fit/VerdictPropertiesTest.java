package dev.memwall.estimator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.catalog.CatalogEntry;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The rules every verdict keeps, over the catalog x devices (free memory known or not, with and without runtime
 * overheads and a working-set limit) x precisions (chosen or given) x contexts x the three runtimes.
 */
class VerdictPropertiesTest {

    static final long GIB = 1L << 30;
    static final Precision KV16 = Precisions.kvCache("fp16").orElseThrow();

    /** One case: a model, a device, a workload, and whether the precision is left to the planner. */
    record Case(ModelSpec spec, Capacity device, Workload workload, boolean auto) {
        Verdict verdict() {
            FitPlanner planner = new FitPlanner(spec, null);
            return FitService.row(planner, auto ? workload.withPrecision(null) : workload, device, 1, device.id(),
                    new HostCapacity(64 * GIB, 50e9));
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        List<CatalogEntry> models = ModelCatalog.builtIn().all();
        Arbitrary<ModelSpec> spec = Arbitraries.of(models).map(CatalogEntry::spec);
        Arbitrary<Capacity> device = Combinators.combine(Arbitraries.longs().between(2, 300),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(0, 3),
                Arbitraries.doubles().between(1e10, 8e12), Arbitraries.integers().between(0, 2),
                Arbitraries.of(true, false), Arbitraries.integers().between(0, 5))
                .as((gib, freeShare, overheadKind, bandwidth, flopsKind, limited, kind) -> {
                    long total = gib * GIB;
                    Long free = freeShare < 0.3 ? null : (long) (total * freeShare);
                    DeviceOverhead o = switch (overheadKind) {
                        case 0 -> null;
                        case 1 -> new DeviceOverhead("cuda_context", 547_608_330L, "test");
                        case 2 -> new DeviceOverhead("hip_runtime", 354_334_801L, "test");
                        default -> DeviceOverhead.measuredCudaContext(300L << 20);
                    };
                    Long flops = flopsKind == 0 ? null : (long) (bandwidth * 100 * flopsKind);
                    DeviceLimit limit = limited ? new DeviceLimit(total / 4 * 3, "a working set") : null;
                    Capacity.Hardware hw = switch (kind) {
                        case 0 -> null;
                        case 1 -> new Capacity.Hardware(DeviceClass.NVIDIA_GPU, "GDDR6X", 84);
                        case 2 -> new Capacity.Hardware(DeviceClass.NVIDIA_GPU, "HBM3", 132);
                        case 3 -> new Capacity.Hardware(DeviceClass.APPLE, "LPDDR5", null);
                        case 4 -> new Capacity.Hardware(DeviceClass.AMD_GPU, null, 96);
                        default -> new Capacity.Hardware(DeviceClass.CPU, null, 2);
                    };
                    // Half the devices know their peak bandwidth, at or above the measured read.
                    Long theoretical = gib % 2 == 0 ? (long) (bandwidth * 1.3) : null;
                    return new Capacity("d:0", "device", total, free, 0L, bandwidth, theoretical, flops, o, null,
                            limit, null, kind == 5, hw);
                });
        Arbitrary<RuntimeProfile> runtime = Arbitraries.of(0, 1, 2).map(k -> switch (k) {
            case 0 -> new RuntimeProfile.Generic();
            case 1 -> RuntimeProfile.LlamaCpp.defaults();
            default -> new RuntimeProfile.Vllm(0.9, 2048, 256);
        });
        Arbitrary<Precision> precision = Arbitraries.of(Precisions.weights());
        return Combinators.combine(spec, device, runtime, precision, Arbitraries.longs().between(1, 200_000),
                Arbitraries.integers().between(1, 16), Arbitraries.of(true, false))
                .as((s, d, r, p, context, batch, auto) -> new Case(s, d, new Workload(p, KV16, context, batch,
                        Mode.INFERENCE).withRuntime(r), auto));
    }

    @Property(tries = 400)
    void fitsNowImpliesFitsWhenIdle(@ForAll("cases") Case c) {
        Verdict v = c.verdict();
        if (v.fitsNow()) {
            assertThat(v.fitsWhenIdle()).isTrue();
            assertThat(v.state()).isEqualTo(Verdict.State.FITS_NOW);
        }
        assertThat(v.headroomBytes()).isEqualTo(v.availableBytes() - v.requiredBytes());
    }

    @Property(tries = 400)
    void unknownFreeMemoryNeverFitsNow(@ForAll("cases") Case c) {
        Capacity unknown = c.device().withFreeBytes(null);
        Verdict v = new Case(c.spec(), unknown, c.workload(), c.auto()).verdict();
        assertThat(v.fitsNow()).isFalse();
        assertThat(v.state()).isNotEqualTo(Verdict.State.FITS_NOW);
        assertThat(v.availableBasis()).isEqualTo("idle");
        if (v.state() == Verdict.State.FITS_WHEN_IDLE) {
            assertThat(v.reason()).contains("does not report free memory");
        }
    }

    @Property(tries = 400)
    void theExpectedRateNeverPassesTheBoundAndSaysHowOrWhyNot(@ForAll("cases") Case c) {
        Verdict.Decode d = c.verdict().decode();
        if (d == null) {
            return;
        }
        assertThat(d.expectedHow()).isNotBlank();
        if (d.expectedTokensPerSecond() != null) {
            assertThat(d.expectedTokensPerSecond()).isPositive().isLessThanOrEqualTo(d.boundTokensPerSecond());
            assertThat(d.source()).isEqualTo("device");
        }
        if (c.device().hardware() == null || c.workload().runtime() instanceof RuntimeProfile.Vllm) {
            // No vLLM decode measurements are fitted; a device of unknown kind gets the bound alone.
            assertThat(d.expectedTokensPerSecond()).isNull();
        }
    }

    @Property(tries = 400)
    void aRowThatDoesNotFitShowsNoDecodeFigureButItsOffloadOne(@ForAll("cases") Case c) {
        Verdict v = c.verdict();
        boolean fits = v.state() == Verdict.State.FITS_NOW || v.state() == Verdict.State.FITS_WHEN_IDLE;
        if (fits) {
            assertThat(v.decode()).isNotNull();
            assertThat(v.decode().source()).isEqualTo("device");
            assertThat(v.offload()).isNull();
        } else {
            // Nor a point on the roofline: it decodes nothing on the device.
            assertThat(v.roofline().points()).isEmpty();
        }
        if (!fits && v.decode() != null) {
            assertThat(v.offload()).isNotNull();
            assertThat(v.decode().source()).isEqualTo("offload");
            assertThat(v.decode().boundTokensPerSecond()).isEqualTo(v.offload().decodeTokensPerSecondBound());
        }
    }

    @Property(tries = 300)
    void aBestPrecisionIsPresentExactlyWhenSomethingFits(@ForAll("cases") Case c) {
        Verdict v = c.verdict();
        PrecisionPolicy policy = PrecisionPolicy.of(c.spec());
        RuntimeProfile runtime = v.workload().runtime();
        List<Precision> candidates = new ArrayList<>(policy.offered(runtime));
        if (!c.auto()) {
            candidates.add(c.workload().precision());
        }
        Capacity d = c.device();
        Long free = d.freeNowBytes();
        long base = free == null ? d.idleBytes() : free;
        boolean starts = runtime.starts(d.totalBytes(), base, d.overheadBytes());
        boolean somethingFits = starts && candidates.stream().anyMatch(p -> MemoryAccounting.estimate(c.spec(), null,
                v.workload().withPrecision(p), 1, d.overhead(), d.hostMemory()).totalBytes() <= v.availableBytes());
        assertThat(v.bestPrecision() != null).as(v.reason()).isEqualTo(somethingFits);
        // What fits now has a best precision, and left to the planner, it is the one evaluated.
        if (v.state() == Verdict.State.FITS_NOW) {
            assertThat(v.bestPrecision()).isNotNull();
            if (c.auto()) {
                assertThat(v.precision()).isEqualTo(v.bestPrecision());
            }
        }
        // Never above what the model is published in, unless asked for.
        if (c.auto() && v.bestPrecision() != null && policy.published() != null) {
            assertThat(v.bestPrecision().bitsPerWeight()).isLessThanOrEqualTo(policy.published().bitsPerWeight());
        }
        // The 2-bit class is never proposed unasked.
        if (c.auto() && v.bestPrecision() != null) {
            assertThat(v.bestPrecision().classBits()).isGreaterThanOrEqualTo(PrecisionPolicy.DEFAULT_MIN_CLASS_BITS);
        }
    }

    @Property(tries = 300)
    void moreContextNeverNeedsLessMemoryAndMaxContextIsNullOnlyWhenNothingFits(@ForAll("cases") Case c,
            @ForAll("more") long more) {
        Workload w = c.workload();
        Capacity d = c.device();
        long at = MemoryAccounting.estimate(c.spec(), null, w, 1, d.overhead(), d.hostMemory()).totalBytes();
        long longer = MemoryAccounting.estimate(c.spec(), null, w.withContext(Math.min(Workload.MAX_CONTEXT_TOKENS,
                w.contextTokens() + more)), 1, d.overhead(), d.hostMemory()).totalBytes();
        assertThat(longer).isGreaterThanOrEqualTo(at);
        Verdict v = new FitPlanner(c.spec(), null).evaluate(w, d, 1);
        // as the planner estimates on this device (a CPU keeps every buffer, ggml's work buffer too, in host memory)
        long shortest = MemoryAccounting.estimate(c.spec(), null, w.withContext(1), 1, d.overhead(), d.hostMemory())
                .totalBytes();
        Long free = d.freeNowBytes();
        boolean starts = w.runtime().starts(d.totalBytes(), free == null ? d.idleBytes() : free, d.overheadBytes());
        // null exactly when not even one token of context fits (or the runtime does not start).
        assertThat(v.maxContextTokens() == null).isEqualTo(!starts || shortest > v.availableBytes());
        if (v.maxContextTokens() != null) {
            assertThat(MemoryAccounting.estimate(c.spec(), null, w.withContext(v.maxContextTokens()), 1, d.overhead(),
                    d.hostMemory()).totalBytes()).isLessThanOrEqualTo(v.availableBytes());
            // and it is the largest: one token more does not fit, or the model's maximum is reached.
            long limit = Math.min(c.spec().maxContext(), Workload.MAX_CONTEXT_TOKENS);
            if (v.maxContextTokens() < limit) {
                assertThat(MemoryAccounting.estimate(c.spec(), null, w.withContext(v.maxContextTokens() + 1), 1,
                        d.overhead(), d.hostMemory()).totalBytes()).isGreaterThan(v.availableBytes());
            } else {
                assertThat(v.maxContextTokens()).isEqualTo(limit);
            }
        }
        if (v.maxBatch() != null && v.maxBatch() < 4096) {
            assertThat(MemoryAccounting.estimate(c.spec(), null, w.withBatch(v.maxBatch() + 1), 1, d.overhead(),
                    d.hostMemory()).totalBytes()).isGreaterThan(v.availableBytes());
        }
    }

    @Provide
    Arbitrary<Long> more() {
        return Arbitraries.longs().between(1, 100_000);
    }
}
