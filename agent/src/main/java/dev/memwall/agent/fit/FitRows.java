package dev.memwall.agent.fit;

import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.FitResult;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.RuntimeProfile;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.LoadedModel;
import java.util.ArrayList;
import java.util.List;

/** The rows of a fit: one per device, plus one per group of identical devices (tensor parallel). */
public final class FitRows {

    private FitRows() {
    }

    public static List<FitRow> of(LoadedModel model, Workload workload, List<Capacity> capacities, HostCapacity host) {
        FitPlanner planner = new FitPlanner(model.spec(), model.weights());
        List<FitRow> rows = new ArrayList<>();
        for (Capacity c : capacities) {
            rows.add(row(planner, model, workload, c, 1, c.id(), host));
        }
        for (List<Capacity> group : DeviceCapacities.identicalGroups(capacities)) {
            if (group.size() > 1) {
                String label = group.size() == 2 ? group.get(0).id() + "+" + group.get(1).id()
                        : group.get(0).id() + ".." + group.get(group.size() - 1).id();
                rows.add(row(planner, model, workload, group.get(0), group.size(), label, host));
            }
        }
        return rows;
    }

    /**
     * The model on {@code n} devices like {@code device}. With no precision given and no weight file: the best
     * precision that fits now, else the model's own dtype.
     */
    public static FitRow row(FitPlanner planner, LoadedModel model, Workload given, Capacity device, int n,
            String label, HostCapacity host) {
        // vLLM's scheduler defaults, and so its profiling run, depend on the device.
        Workload workload = given.runtime() instanceof RuntimeProfile.Vllm v ? given.withRuntime(
                RuntimeProfile.Vllm.defaults(v.gpuMemoryUtilization(), device.totalBytes(), device.name())) : given;
        if (workload.precision() != null || model.weights() != null) {
            return new FitRow(label, planner.evaluate(workload, device, n, host), workload.precision());
        }
        Precision published = model.spec().weightDtype() == null ? null
                : Precisions.weight(model.spec().weightDtype()).orElse(null);
        Precision start = published != null ? published : Precisions.weight("bf16").orElseThrow();
        FitResult first = planner.evaluate(workload.withPrecision(start), device, n, host);
        Precision chosen = first.bestPrecision() != null ? first.bestPrecision() : start;
        return new FitRow(label, chosen == start ? first
                : planner.evaluate(workload.withPrecision(chosen), device, n, host), chosen);
    }
}
