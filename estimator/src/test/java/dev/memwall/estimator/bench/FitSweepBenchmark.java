package dev.memwall.estimator.bench;

import dev.memwall.estimator.catalog.CatalogEntry;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.MemoryAccounting;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.Roofline;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The estimator sweep: every catalog model x every weight precision x 8 contexts on 8 devices, each a memory
 * estimate, a fits-now verdict and a decode bound; and a single full fit evaluation. Run by
 * bench/estimator-sweep.sh; results in docs/BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FitSweepBenchmark {

    static final long[] CONTEXTS = {512, 2048, 4096, 8192, 16384, 32768, 65536, 131072};

    List<CatalogEntry> models;
    List<Precision> precisions;
    Precision kv;
    Capacity[] devices;

    @org.openjdk.jmh.annotations.Setup
    public void setUp() {
        models = ModelCatalog.builtIn().all();
        precisions = Precisions.weights();
        kv = Precisions.kvCache("fp16").orElseThrow();
        long gib = 1L << 30;
        long[] totals = {16 * gib, 24 * gib, 48 * gib, 80 * gib, 96 * gib, 141 * gib, 192 * gib, 288 * gib};
        devices = new Capacity[totals.length];
        for (int i = 0; i < totals.length; i++) {
            devices[i] = new Capacity("d" + i, "d" + i, totals[i], totals[i] * 9 / 10, null, 1e12 * (i + 1),
                    null, (long) 1e14 * (i + 1), null);
        }
    }

    /** One full sweep: models x precisions x contexts x devices. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void sweep(Blackhole bh) {
        for (CatalogEntry e : models) {
            for (Precision p : precisions) {
                for (long context : CONTEXTS) {
                    Workload w = new Workload(p, kv, context, 1, Mode.INFERENCE);
                    long need = MemoryAccounting.estimate(e.spec(), null, w, 1, null).totalBytes();
                    for (Capacity d : devices) {
                        bh.consume(need <= d.idleBytes());
                        bh.consume(Roofline.of(e.spec(), p.bitsPerWeight() / 8, w, d).tokensPerSecondPerSequence(1));
                    }
                }
            }
        }
    }

    /** One {@code fit} evaluation: verdicts, best precision, max context and batch, roofline. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object singleFit() {
        CatalogEntry e = models.get(5);
        return new FitPlanner(e.spec(), null).evaluate(new Workload(precisions.get(1), kv, 8192, 1, Mode.INFERENCE),
                devices[3], 1);
    }
}
