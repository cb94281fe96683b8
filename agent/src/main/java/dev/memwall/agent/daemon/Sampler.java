package dev.memwall.agent.daemon;

import dev.memwall.agent.fit.DeviceCapacities;
import dev.memwall.agent.probe.ProbeReport.BackendReport;
import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.agent.probe.ProbeRunner;
import dev.memwall.agent.running.RunningNow;
import dev.memwall.agent.running.RuntimeApis;
import dev.memwall.agent.running.RuntimeReading;
import dev.memwall.agent.running.RuntimesNow;
import dev.memwall.agent.running.StopToFit;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.DeviceException;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.DeviceFailure;
import dev.memwall.device.host.HostMemory;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.FitPlanner;
import dev.memwall.estimator.fit.FitService;
import dev.memwall.estimator.fit.HostCapacity;
import dev.memwall.estimator.fit.Mode;
import dev.memwall.estimator.fit.PopularFits;
import dev.memwall.estimator.fit.PrecisionPolicy;
import dev.memwall.estimator.fit.RoofChart;
import dev.memwall.estimator.fit.RooflineFigures;
import dev.memwall.estimator.fit.RuntimeProfile;
import dev.memwall.estimator.fit.Verdict;
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
    private final int minPrecisionBits;
    private final Supplier<HostMemory> hostReader;
    private final Duration interval;
    private final Clock clock;
    private final Ticker ticker;
    private final AtomicLong errors;
    private long sequence;
    /** The last sample's answers by device reading (sampler thread only). */
    private Map<Capacity, Answers> last = Map.of();

    /** What a device's reading gives: the watched models, the popular ones and the roofline chart. */
    private record Answers(List<Snapshot.WatchedFit> watched, List<Verdict> popular, RoofChart roof) {
    }

    /**
     * @param minPrecisionBits the quality floor for the watched models' best precision
     * @param clock            wall-clock time for the snapshot's timestamp
     * @param ticker           the monotonic clock the retries keep to
     */
    Sampler(List<DeviceSlot> slots, List<BackendReport> backends, List<DeviceFailure> failedDevices,
            List<LoadedModel> watched, List<Precision> precisions, int minPrecisionBits,
            Supplier<HostMemory> hostReader, Duration interval, Clock clock, Ticker ticker, AtomicLong errors) {
        this.slots = List.copyOf(slots);
        this.backends = List.copyOf(backends);
        this.failedDevices = List.copyOf(failedDevices);
        this.watched = List.copyOf(watched);
        this.precisions = List.copyOf(precisions);
        this.minPrecisionBits = minPrecisionBits;
        this.hostReader = hostReader;
        this.interval = interval;
        this.clock = clock;
        this.ticker = ticker;
        this.errors = errors;
    }

    Snapshot sample() {
        Instant now = clock.instant();
        List<DeviceReport> reports = new ArrayList<>();
        Map<String, Snapshot.DeviceStatus> status = new LinkedHashMap<>();
        for (DeviceSlot slot : slots) {
            read(slot, ticker.nanos());
            BandwidthResult b = slot.bandwidth != null ? slot.bandwidth
                    : BandwidthResult.notMeasured(slot.device.theoreticalBandwidthBytesPerSecond());
            reports.add(new DeviceReport(slot.device.identity(), slot.memoryError == null ? slot.memory : null,
                    slot.memoryError, b, slot.bandwidthError, slot.device.peakFp16FlopsPerSecond(), slot.attributes,
                    slot.memoryError == null ? slot.processes : null));
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
        HostCapacity hostCapacity = DeviceCapacities.host(host == null ? null : host.availableBytes(), null, reports);
        Map<String, List<Snapshot.WatchedFit>> fits = new LinkedHashMap<>();
        Map<String, List<Verdict>> popular = new LinkedHashMap<>();
        Map<String, RoofChart> roofs = new LinkedHashMap<>();
        Map<Capacity, Answers> evaluated = new HashMap<>();
        for (Capacity c : capacities) {
            // A device whose reading did not change since the last sample has the same answers: reuse them.
            Answers a = last.get(c);
            if (a == null) {
                a = answers(c);
            }
            evaluated.put(c, a);
            fits.put(c.id(), a.watched());
            popular.put(c.id(), a.popular());
            roofs.put(c.id(), a.roof());
        }
        last = evaluated;
        sequence++;
        // What other processes hold: read from /proc, bounded; nothing on hosts other than Linux. Then what the
        // runtimes' local APIs say, where one listens.
        RunningNow running = RunningNow.scan(RunningNow.byDevice(reports));
        if (runtimes != null) {
            running = running.withRuntimes(withRates(runtimes.read(runtimeUrls), ticker.nanos()));
        }
        running = running.withDevices(capacities);
        return new Snapshot(sequence, now, report, status, capacities, hostCapacity, fits, popular, roofs,
                errors.get(), running, stops(capacities, fits, running));
    }

    private RuntimesNow runtimes;
    private List<String> runtimeUrls = List.of();
    /** A runtime's token counter and when it was read. */
    private record Counter(double total, long nanos) {
    }

    /** Each runtime URL's last token counter, for a rate between two samples. */
    private final Map<String, Counter> lastCounters = new HashMap<>();

    /** Asks the runtimes' local APIs at every sample: the default addresses and these URLs (checked already). */
    void askRuntimes(List<String> urls) {
        runtimes = RuntimesNow.with(new RuntimeApis());
        runtimeUrls = List.copyOf(urls);
    }

    /**
     * A runtime that does not measure its generation rate itself (vLLM) gets the rate of its token counter between
     * this sample and the last.
     */
    private List<RuntimeReading> withRates(List<RuntimeReading> readings, long nowNanos) {
        List<RuntimeReading> out = new ArrayList<>();
        for (RuntimeReading r : readings) {
            Counter last = lastCounters.get(r.url());
            if (r.generationTokensTotal() != null) {
                lastCounters.put(r.url(), new Counter(r.generationTokensTotal(), nowNanos));
            }
            Double rate = last == null ? null : RuntimeReading.tokensPerSecond(last.total(), r.generationTokensTotal(),
                    nowNanos - last.nanos());
            if (r.generationTokensPerSecond() == null && rate != null) {
                List<String> notes = new ArrayList<>(r.notes());
                notes.add(String.format(java.util.Locale.ROOT, "generation rate from its token counter over the last "
                        + "%.1f s", (nowNanos - last.nanos()) / 1e9));
                out.add(new RuntimeReading(r.url(), r.runtime(), r.models(), r.requestsRunning(), rate,
                        r.promptTokensPerSecond(), r.generationTokensTotal(), r.kvCache(), notes, r.error()));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** For each watched model that does not fit now where processes hold memory: what would have to stop. */
    private Map<String, Map<String, StopToFit>> stops(List<Capacity> capacities,
            Map<String, List<Snapshot.WatchedFit>> fits, RunningNow running) {
        Map<String, Map<String, StopToFit>> out = new LinkedHashMap<>();
        if (running.deviceProcesses().isEmpty()) {
            return out;
        }
        for (Capacity c : capacities) {
            Map<String, StopToFit> perModel = new LinkedHashMap<>();
            for (Snapshot.WatchedFit w : fits.getOrDefault(c.id(), List.of())) {
                if (!w.best() || w.verdict().fitsNow()) {
                    continue;
                }
                for (LoadedModel m : watched) {
                    if (m.input().equals(w.model())) {
                        StopToFit stop = StopToFit.of(w.verdict(), planner(m, minPrecisionBits), workload(m, null), c,
                                HostCapacity.UNKNOWN, running.deviceProcesses());
                        if (stop != null) {
                            perModel.put(w.model(), stop);
                        }
                    }
                }
            }
            if (!perModel.isEmpty()) {
                out.put(c.id(), perModel);
            }
        }
        return out;
    }

    /**
     * The watched models on one device, at their best precision and at each watch precision offered for them, the
     * popular models, and the roofline chart. Nothing shows a partial-offload split for them, so the host does not
     * enter (and the answers depend on the device alone).
     */
    private Answers answers(Capacity c) {
        List<Snapshot.WatchedFit> perDevice = new ArrayList<>();
        List<RooflineFigures> figures = new ArrayList<>();
        for (LoadedModel m : watched) {
            Verdict best = fit(m, c, null, minPrecisionBits);
            perDevice.add(new Snapshot.WatchedFit(m.input(), best, true));
            figures.add(best.roofline());
            PrecisionPolicy policy = PrecisionPolicy.of(m.spec(), minPrecisionBits);
            for (Precision p : precisions) {
                Precision offered;
                try {
                    offered = policy.resolve(p, new RuntimeProfile.Generic(), m.input());
                } catch (IllegalArgumentException notOffered) {
                    continue; // above what the model is published in: no series rather than a false one
                }
                if (!offered.equals(best.precision())) {
                    perDevice.add(new Snapshot.WatchedFit(m.input(), fit(m, c, offered, minPrecisionBits), false));
                }
            }
        }
        return new Answers(List.copyOf(perDevice), PopularFits.on(c, HostCapacity.UNKNOWN),
                RoofChart.of(c, figures));
    }

    /** The watched model at inference, the default context, batch 1, at {@code p} or (null) its best precision. */
    static Verdict fit(LoadedModel m, Capacity c, Precision p, int minPrecisionBits) {
        return FitService.row(planner(m, minPrecisionBits), workload(m, p), c, 1, c.id(), HostCapacity.UNKNOWN);
    }

    private static Workload workload(LoadedModel m, Precision p) {
        return new Workload(p, Precisions.kvCache("fp16").orElseThrow(), Math.min(DEFAULT_CONTEXT,
                m.spec().maxContext()), 1, Mode.INFERENCE);
    }

    private static FitPlanner planner(LoadedModel m, int minPrecisionBits) {
        return new FitPlanner(m.spec(), null, PrecisionPolicy.of(m.spec(), minPrecisionBits));
    }

    private void read(DeviceSlot slot, long nowNanos) {
        if (slot.failures > 0 && nowNanos - slot.nextTryNanos < 0) {
            return;
        }
        try {
            MemoryReading reading = slot.device.readMemoryWithoutContext();
            Long context = slot.contextBytes;
            slot.memory = context != null && reading != null && reading.queryContextBytes() == null
                    ? reading.withQueryContextBytes(context) : reading;
            slot.attributes = slot.device.attributes();
            slot.processes = ProbeRunner.processes(slot.device);
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
