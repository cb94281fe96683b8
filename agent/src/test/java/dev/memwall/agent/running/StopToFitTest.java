package dev.memwall.agent.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.FitService;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.Verdict;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precisions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which processes would have to stop for a model to fit now, and what that frees. */
class StopToFitTest {

    private static final long GIB = 1L << 30;

    private static StopToFit stop(String model, String precision, long freeGib, List<RunningNow.DeviceUser> users) {
        ModelSpec spec = ModelCatalog.builtIn().find(model).orElseThrow().spec();
        FitPlanner planner = new FitPlanner(spec, null);
        Workload w = new Workload(Precisions.weight(precision).orElseThrow(), Precisions.kvCache("fp16").orElseThrow(),
                8192, 1, Mode.INFERENCE);
        Capacity gpu = new Capacity("gpu:0", "GPU", 80 * GIB, freeGib * GIB, null, 2e12, null, null, null);
        Verdict row = FitService.row(planner, w, gpu, 1, "gpu:0", HostCapacity.UNKNOWN);
        return StopToFit.of(row, planner, w, gpu, HostCapacity.UNKNOWN, users);
    }

    private static RunningNow.DeviceUser user(long pid, Long gib) {
        return new RunningNow.DeviceUser("gpu:0", pid, gib == null ? null : gib * GIB, "compute", "p" + pid, null, null, null);
    }

    @Test
    void theFewestLargestProcessesWhoseMemoryMakesItFit() {
        // llama-3.1-8b in bf16 needs about 16 GiB of weights and 1 GiB of KV cache at 8192 tokens.
        StopToFit s = stop("llama-3.1-8b", "bf16", 5, List.of(user(1, 4L), user(2, 30L), user(3, 20L), user(4, null)));
        assertThat(s.enough()).isTrue();
        assertThat(s.stop()).extracting(RunningNow.DeviceUser::pid).containsExactly(2L);
        assertThat(s.freed()).isEqualTo(30 * GIB);

        // Two needed when no single one is enough: the two largest.
        StopToFit two = stop("llama-3.1-8b", "bf16", 5, List.of(user(1, 6L), user(2, 7L), user(3, 5L)));
        assertThat(two.enough()).isTrue();
        assertThat(two.stop()).extracting(RunningNow.DeviceUser::pid).containsExactly(2L, 1L);
        assertThat(two.freed()).isEqualTo(13 * GIB);
    }

    @Test
    void notEnoughEvenWithEveryProcessStopped() {
        StopToFit s = stop("llama-3.1-70b", "bf16", 5, List.of(user(1, 10L), user(2, 30L)));
        assertThat(s.enough()).isFalse();
        assertThat(s.freed()).isEqualTo(40 * GIB);
        assertThat(s.stop()).hasSize(2);
    }

    @Test
    void nothingToSayWhenItFitsOrNoSizeIsKnown() {
        assertThat(stop("llama-3.1-8b", "bf16", 60, List.of(user(1, 10L)))).isNull();
        assertThat(stop("llama-3.1-8b", "bf16", 5, List.of(user(1, null)))).isNull();
        assertThat(stop("llama-3.1-8b", "bf16", 5, List.of())).isNull();
    }
}
