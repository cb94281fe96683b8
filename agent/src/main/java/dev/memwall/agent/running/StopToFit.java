package dev.memwall.agent.running;

import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.FitService;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.Verdict;
import dev.memwall.estimator.fit.Workload;
import java.util.ArrayList;
import java.util.List;

/**
 * What would have to stop for a model that does not fit now to fit: the fewest of the processes the device's
 * driver lists, largest first, whose memory, once free, makes the same fit answer "fits now" (the verdict is
 * evaluated again with that much more free memory, so the runtime's own rules, e.g. vLLM's share of the total,
 * hold). Only processes whose memory the driver reports count.
 *
 * @param deviceId the device
 * @param stop     the processes to stop, largest first
 * @param freed    the device memory they hold together
 * @param enough   whether stopping them makes the model fit now; false: even stopping every listed process would
 *                 not (then {@code stop} lists them all)
 */
public record StopToFit(String deviceId, List<RunningNow.DeviceUser> stop, long freed, boolean enough) {

    public StopToFit {
        stop = List.copyOf(stop);
    }

    /**
     * For a verdict on one device that does not fit now, with free memory known and processes listed on it; null
     * otherwise (it fits now, the device's free memory is unknown, or no process with a known size is listed).
     */
    public static StopToFit of(Verdict row, FitPlanner planner, Workload workload, Capacity device, HostCapacity host,
            List<RunningNow.DeviceUser> onDevice) {
        if (row.fitsNow() || row.devices() != 1 || device.freeNowBytes() == null) {
            return null;
        }
        List<RunningNow.DeviceUser> sized = new ArrayList<>();
        for (RunningNow.DeviceUser u : onDevice) {
            if (u.deviceId().equals(device.id()) && u.usedBytes() != null && u.usedBytes() > 0) {
                sized.add(u);
            }
        }
        if (sized.isEmpty()) {
            return null;
        }
        sized.sort((a, b) -> Long.compare(b.usedBytes(), a.usedBytes()));
        long freed = 0;
        for (int k = 0; k < sized.size(); k++) {
            freed += sized.get(k).usedBytes();
            long free = Math.min(device.totalBytes(), device.freeNowBytes() + freed);
            Verdict after = FitService.row(planner, workload, device.withFreeBytes(free), 1, row.label(), host);
            if (after.fitsNow()) {
                return new StopToFit(device.id(), sized.subList(0, k + 1), freed, true);
            }
        }
        return new StopToFit(device.id(), sized, freed, false);
    }
}
