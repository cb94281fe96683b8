package dev.memwall.estimator.fit;

import dev.memwall.estimator.precision.Precision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The verdicts of a fit, the one path every surface takes (the {@code fit} command, the agent's watched models and
 * {@code /api/v1/fit}, the probe's default list): one row per device, plus one per group of identical devices.
 */
public final class FitService {

    private FitService() {
    }

    /** Every device alone, then each group of two or more identical devices together. */
    public static List<Verdict> rows(FitPlanner planner, Workload workload, List<Capacity> devices,
            HostCapacity host) {
        List<Verdict> rows = new ArrayList<>();
        for (Capacity c : devices) {
            rows.add(row(planner, workload, c, 1, c.id(), host));
        }
        for (List<Capacity> group : identicalGroups(devices)) {
            if (group.size() > 1) {
                String label = group.size() == 2 ? group.get(0).id() + "+" + group.get(1).id()
                        : group.get(0).id() + ".." + group.get(group.size() - 1).id();
                rows.add(row(planner, workload, group.get(0), group.size(), label, host));
            }
        }
        return rows;
    }

    /**
     * The model on {@code n} devices like {@code device}. With no precision given and no weight file: the best
     * precision offered that fits, else the one it starts from (its published format when the runtime serves it).
     */
    public static Verdict row(FitPlanner planner, Workload workload, Capacity device, int n, String label,
            HostCapacity host) {
        // vLLM's scheduler settings, where left to it, are picked for the device by the planner (FitPlanner.onDevice).
        if (workload.precision() != null || planner.weights() != null) {
            return planner.evaluate(workload, device, n, host, label);
        }
        Precision start = planner.policy().start();
        List<Precision> offered = planner.policy().offered(workload.runtime());
        if (!offered.isEmpty() && !offered.contains(start)) {
            start = offered.get(0);
        }
        // Choose first, then evaluate once: a whole verdict (context and batch searches) at a precision that is
        // then replaced would be work thrown away.
        Precision best = planner.bestPrecision(workload.withPrecision(start), device, n);
        return planner.evaluate(workload.withPrecision(best != null ? best : start), device, n, host, label);
    }

    /** Devices with the same name and total memory, in order: candidates for tensor parallel. */
    public static List<List<Capacity>> identicalGroups(List<Capacity> devices) {
        Map<String, List<Capacity>> groups = new LinkedHashMap<>();
        for (Capacity c : devices) {
            groups.computeIfAbsent(c.name() + "\u0000" + c.totalBytes(), k -> new ArrayList<>()).add(c);
        }
        return new ArrayList<>(groups.values());
    }
}
