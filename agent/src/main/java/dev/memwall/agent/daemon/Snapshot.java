package dev.memwall.agent.daemon;

import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.agent.running.RunningNow;
import dev.memwall.agent.running.StopToFit;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.RoofChart;
import dev.memwall.estimator.fit.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One immutable picture of the host, swapped in whole after each sample; every reader (metrics, API, page)
 * reads a snapshot and never a driver.
 *
 * @param sequence    1 for the first sample, then counting up
 * @param sampledAt   when the readings were taken
 * @param report      devices, host and backends in the probe's shape
 * @param status      per device id: its state and its benchmark's
 * @param capacities  the devices as the estimator sees them, in report order
 * @param host        host memory and bandwidth for partial offload
 * @param watched     per device id: the watched models' verdicts at their best precision and the watch precisions
 * @param popular     per device id: the catalog's popular models at their best precision (the probe's {@code fits[]})
 * @param roofs       per device id: the roofline chart of the device with its watched models
 * @param errorsTotal device readings and benchmarks that failed since start
 * @param running     the models other processes hold now, with predictions (see {@link RunningNow})
 * @param stops       per device id and watched model (its {@code WatchedFit.model()}): the processes that would have
 *                    to stop for it to fit now, where some listed process holds memory there
 */
public record Snapshot(long sequence, Instant sampledAt, ProbeReport report, Map<String, DeviceStatus> status,
        List<Capacity> capacities, HostCapacity host, Map<String, List<WatchedFit>> watched,
        Map<String, List<Verdict>> popular, Map<String, RoofChart> roofs, long errorsTotal, RunningNow running,
        Map<String, Map<String, StopToFit>> stops) {

    public Snapshot {
        status = Map.copyOf(status);
        capacities = List.copyOf(capacities);
        watched = Map.copyOf(watched);
        popular = Map.copyOf(popular);
        stops = stops == null ? Map.of() : Map.copyOf(stops);
        roofs = Map.copyOf(roofs);
    }

    /**
     * @param failed     whether the last reading failed (the device is retried with backoff)
     * @param error      why, with when it is tried again, or null
     * @param benchState pending, running, idle, skipped or failed
     * @param benchNote  why a benchmark was skipped or failed, or null
     * @param measuredAt when bandwidth was last measured, or null
     */
    public record DeviceStatus(boolean failed, String error, String benchState, String benchNote, Instant measuredAt) {
    }

    /**
     * A watched model on one device at one precision.
     *
     * @param best whether this is the precision chosen for it (the best that fits now), as the page shows; the
     *             others are the watch precisions, exported as metrics
     */
    public record WatchedFit(String model, Verdict verdict, boolean best) {
    }
}
