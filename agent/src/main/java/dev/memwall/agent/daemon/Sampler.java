package dev.memwall.agent.daemon;

import dev.memwall.agent.fit.DeviceCapacities;
import dev.memwall.agent.fit.FitRow;
import dev.memwall.agent.fit.FitRows;
import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.agent.probe.ProbeReport.BackendReport;
import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceFailure;
import dev.memwall.device.DeviceType;
import dev.memwall.device.host.HostMemory;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.Workload;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.LoadedModel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every device through its context-free path, the host, and the watched models' fits, into a new
 * {@link Snapshot}. Runs on one thread; a device that fails is retried with backoff while the others report.
 */
final class Sampler {

    private static final Logger LOG = LoggerFactory.getLogger(Sampler.class);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    static final long DEFAULT_CONTEXT = 8192;

    private final List<DeviceSlot> slots;
    private final List<BackendReport> backends;
    private final List<DeviceFailure> failedDevices;
    private final List<LoadedModel> watched;
    private final List<Precision> precisions;
    private final Supplier<HostMemory> hostReader;
    private final Duration interval;
    private final Clock clock;
    private final AtomicLong errors;
    private long sequence;
    /** The last sample's watched fits by device reading (sampler thread only). */
    private Map<Capacity, List<Snapshot.WatchedFit>> lastFits = Map.of();

    Sampler(List<DeviceSlot> slots, List<BackendReport> backends, List<DeviceFailure> failedDevices,
            List<LoadedModel> watched, List<Precision> precisions, Supplier<HostMemory> hostReader,
            Duration interval, Clock clock, AtomicLong errors) {
        this.slots = List.copyOf(slots);
        this.backends = List.copyOf(backends);
        this.failedDevices = List.copyOf(failedDevices);
        this.watched = List.copyOf(watched);
        this.precisions = List.copyOf(precisions);
        this.hostReader = hostReader;
        this.interval = interval;
        this.clock = clock;
        this.errors = errors;
    }

    Snapshot sample() {
        Instant now = clock.instant();
        List<DeviceReport> reports = new ArrayList<>();
        Map<String, Snapshot.DeviceStatus> status = new LinkedHashMap<>();
        for (DeviceSlot slot : slots) {
            read(slot, System.nanoTime());
            BandwidthResult b = slot.bandwidth != null ? slot.bandwidth
                    : BandwidthResult.notMeasured(slot.device.theoreticalBandwidthBytesPerSecond());
            reports.add(new DeviceReport(slot.device.identity(), slot.memoryError == null ? slot.memory : null,
                    slot.memoryError, b, slot.bandwidthError, slot.device.peakFp16FlopsPerSecond(), slot.attributes));
            status.put(slot.id(), new Snapshot.DeviceStatus(slot.memoryError != null, slot.memoryError,
                    slot.benchState.word, slot.benchNote, slot.measuredAt));
        }
        HostMemory host = null;
        String hostError = null;
        try {
            host = hostReader.get();
        } catch (RuntimeException | LinkageError e) {
            hostError = String.valueOf(e.getMessage());
            LOG.debug("host memory failed", e);
        }
        ProbeReport report = new ProbeReport(now, host, hostError, backends, reports, failedDevices,
                reports.stream().anyMatch(r -> r.bandwidth() != null && r.bandwidth().read() != null
                        && r.bandwidth().read().measured()));
        List<Capacity> capacities = new ArrayList<>();
        reports.forEach(r -> capacities.add(DeviceCapacities.of(r)));
        Double hostRead = reports.stream().filter(r -> r.identity().type() == DeviceType.CPU)
                .map(r -> DeviceCapacities.of(r).readBytesPerSecond()).filter(java.util.Objects::nonNull)
                .findFirst().orElse(null);
        HostCapacity hostCapacity = new HostCapacity(host == null ? null : host.availableBytes(), hostRead);
        Map<String, List<Snapshot.WatchedFit>> fits = new LinkedHashMap<>();
        Map<Capacity, List<Snapshot.WatchedFit>> evaluated = new HashMap<>();
        for (Capacity c : capacities) {
            // A device whose reading did not change since the last sample has the same answers: reuse them.
            List<Snapshot.WatchedFit> perDevice = lastFits.get(c);
            if (perDevice == null) {
                perDevice = watchedFits(c);
            }
            evaluated.put(c, perDevice);
            fits.put(c.id(), perDevice);
        }
        lastFits = evaluated;
        sequence++;
        return new Snapshot(sequence, now, report, status, capacities, hostCapacity, fits, errors.get());
    }

    /**
     * The watched models on one device, at their best precision and at each watch precision. Nothing shows a
     * partial-offload split for them, so the host does not enter (and the answers depend on the device alone).
     */
    private List<Snapshot.WatchedFit> watchedFits(Capacity c) {
        List<Snapshot.WatchedFit> perDevice = new ArrayList<>();
        for (LoadedModel m : watched) {
            FitRow best = fit(m, c, HostCapacity.UNKNOWN, null);
            perDevice.add(new Snapshot.WatchedFit(m.input(), best, true));
            for (Precision p : precisions) {
                if (!p.equals(best.precision())) {
                    perDevice.add(new Snapshot.WatchedFit(m.input(), fit(m, c, HostCapacity.UNKNOWN, p), false));
                }
            }
        }
        return List.copyOf(perDevice);
    }

    /** The watched model at inference, the default context, batch 1, at {@code p} or (null) its best precision now. */
    static FitRow fit(LoadedModel m, Capacity c, HostCapacity host, Precision p) {
        Workload w = new Workload(p, Precisions.kvCache("fp16").orElseThrow(),
                Math.min(DEFAULT_CONTEXT, m.spec().maxContext()), 1, Mode.INFERENCE);
        return FitRows.row(new FitPlanner(m.spec(), null), m, w, c, 1, c.id(), host);
    }

    private void read(DeviceSlot slot, long nowNanos) {
        if (slot.failures > 0 && nowNanos - slot.nextTryNanos < 0) {
            return;
        }
        try {
            slot.memory = slot.device.readMemoryWithoutContext();
            slot.attributes = slot.device.attributes();
            if (slot.failures > 0) {
                LOG.info("{}: reading again after {} failure(s)", slot.id(), slot.failures);
            }
            slot.failures = 0;
            slot.memoryError = null;
        } catch (DeviceException | RuntimeException | LinkageError e) {
            slot.failures++;
            errors.incrementAndGet();
            Duration wait = backoff(slot.failures);
            slot.nextTryNanos = nowNanos + wait.toNanos();
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            slot.memoryError = message + "; retrying in " + Durations.format(Duration.ofSeconds(
                    Math.max(1, wait.toSeconds())));
            LOG.warn("{}: reading failed ({} in a row): {}", slot.id(), slot.failures, slot.memoryError);
            LOG.debug("{}: reading failed", slot.id(), e);
        }
    }

    /** The interval, doubled for each failure in a row, at most {@link #MAX_BACKOFF}. */
    Duration backoff(int failures) {
        Duration d = interval;
        for (int i = 1; i < failures && d.compareTo(MAX_BACKOFF) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }
}
