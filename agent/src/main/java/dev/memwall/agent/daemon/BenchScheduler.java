package dev.memwall.agent.daemon;

import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.agent.probe.ProbeRunner;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.DeviceException;
import dev.memwall.device.MemoryReading;
import dev.memwall.estimator.units.Quantities;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures bandwidth at start and every bench interval, one device at a time on one thread, never two at
 * once. A device that looks busy (little free memory, or other processes on it) is skipped and tried again
 * later; each benchmark keeps within the probe's memory bound ({@link BenchmarkSettings}).
 */
final class BenchScheduler {

    /** What a request for a benchmark got. */
    enum Request { ACCEPTED, RUNNING, TOO_SOON, DISABLED }

    private static final Logger LOG = LoggerFactory.getLogger(BenchScheduler.class);
    static final Duration RETRY_BUSY = Duration.ofMinutes(10);

    private final List<DeviceSlot> slots;
    private final Supplier<Snapshot> latest;
    private final AgentSettings settings;
    private final BenchmarkSettings benchmark;
    private final Clock clock;
    private final Ticker ticker;
    private final AtomicLong errors;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "memwall-bench");
        t.setDaemon(true);
        return t;
    });
    private boolean running;
    private boolean queued;
    /** When the last run started, on the monotonic clock; null before the first. */
    private Long lastStartNanos;
    private volatile boolean stopping;

    BenchScheduler(List<DeviceSlot> slots, Supplier<Snapshot> latest, AgentSettings settings,
            BenchmarkSettings benchmark, Clock clock, Ticker ticker, AtomicLong errors) {
        this.ticker = ticker;
        this.slots = List.copyOf(slots);
        this.latest = latest;
        this.settings = settings;
        this.benchmark = benchmark;
        this.clock = clock;
        this.errors = errors;
    }

    /**
     * The first run now, then one every bench interval; with a zero interval none is scheduled (benchmarks run
     * only when asked for over HTTP).
     */
    void start() {
        Duration every = settings.benchInterval();
        if (every.isZero()) {
            return;
        }
        synchronized (this) {
            queued = true;
        }
        thread.execute(this::runAll);
        thread.scheduleWithFixedDelay(this::runAll, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A run asked for over HTTP: refused while one runs or is queued, and within the minimum interval. */
    synchronized Request request() {
        if (running || queued) {
            return Request.RUNNING;
        }
        if (lastStartNanos != null && ticker.nanos() - lastStartNanos < settings.minBenchInterval().toNanos()) {
            return Request.TOO_SOON;
        }
        queued = true;
        thread.execute(this::runAll);
        return Request.ACCEPTED;
    }

    /** Seconds until a request would be accepted, at least 1. */
    synchronized long retryAfterSeconds() {
        if (lastStartNanos == null) {
            return 1;
        }
        long left = settings.minBenchInterval().toNanos() - (ticker.nanos() - lastStartNanos);
        return Math.max(1, (left + 999_999_999L) / 1_000_000_000L);
    }

    synchronized boolean running() {
        return running;
    }

    /** Whether a run is in progress or queued. */
    synchronized boolean busy() {
        return running || queued;
    }

    private void runAll() {
        synchronized (this) {
            running = true;
            queued = false;
            lastStartNanos = ticker.nanos();
        }
        boolean anySkipped = false;
        try {
            for (DeviceSlot slot : slots) {
                if (stopping) {
                    return;
                }
                anySkipped |= !runOne(slot);
            }
        } finally {
            synchronized (this) {
                running = false;
            }
        }
        if (anySkipped && !stopping) {
            Duration retry = settings.benchInterval().isZero() || settings.benchInterval().compareTo(RETRY_BUSY) > 0
                    ? RETRY_BUSY : settings.benchInterval();
            thread.schedule(this::retrySkipped, retry.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void retrySkipped() {
        for (DeviceSlot slot : slots) {
            if (stopping) {
                return;
            }
            if (slot.benchState == DeviceSlot.BenchState.SKIPPED) {
                runOne(slot);
            }
        }
    }

    /** Benchmarks one device unless it looks busy; false when skipped. */
    private boolean runOne(DeviceSlot slot) {
        String busy = busy(slot);
        if (busy != null) {
            slot.benchState = DeviceSlot.BenchState.SKIPPED;
            slot.benchNote = busy;
            LOG.info("{}: benchmark skipped, {}", slot.id(), busy);
            return false;
        }
        slot.benchState = DeviceSlot.BenchState.RUNNING;
        long started = ticker.nanos();
        try {
            BandwidthResult result = ProbeRunner.benchmark(slot.device, benchmark);
            slot.bandwidth = result;
            slot.bandwidthError = null;
            if (result.read() != null && result.read().measured()) {
                slot.measuredAt = clock.instant();
            }
            slot.contextBytes = contextBytes(slot);
            slot.benchState = DeviceSlot.BenchState.IDLE;
            slot.benchNote = null;
            LOG.info("{}: read {}, took {} ms", slot.id(), result.read() == null ? "-"
                    : Quantities.gbPerSecond(result.read().bytesPerSecond()), (ticker.nanos() - started) / 1_000_000);
        } catch (DeviceException | RuntimeException | LinkageError e) {
            errors.incrementAndGet();
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            slot.bandwidthError = message;
            slot.benchState = DeviceSlot.BenchState.FAILED;
            slot.benchNote = message;
            LOG.warn("{}: benchmark failed: {}", slot.id(), message);
            LOG.debug("{}: benchmark failed", slot.id(), e);
        }
        return true;
    }

    /**
     * What a context takes on the device, read once with one (the benchmark had one too), or the figure read before
     * where this reading fails or gives none.
     */
    private static Long contextBytes(DeviceSlot slot) {
        try {
            Long measured = slot.device.readMemory().queryContextBytes();
            return measured != null ? measured : slot.contextBytes;
        } catch (DeviceException | RuntimeException | LinkageError e) {
            LOG.debug("{}: reading memory through a context failed", slot.id(), e);
            return slot.contextBytes;
        }
    }

    /** Why the device should not be disturbed now, or null. */
    private String busy(DeviceSlot slot) {
        Snapshot s = latest.get();
        if (s == null) {
            return null;
        }
        DeviceReport report = s.report().devices().stream().filter(d -> d.identity().id().equals(slot.id()))
                .findFirst().orElse(null);
        if (report == null) {
            return null;
        }
        MemoryReading m = report.memory();
        if (m != null && m.freeBytes() != null && m.freeBytes() < settings.busyFreeFraction() * m.totalBytes()) {
            return String.format(Locale.ROOT, "busy: %s free of %s (under %.0f%%)", Quantities.gib(m.freeBytes()),
                    Quantities.gib(m.totalBytes()), settings.busyFreeFraction() * 100);
        }
        Object processes = report.attributes().get("compute_processes");
        if (processes instanceof Number n && n.intValue() > 0) {
            return "busy: " + n.intValue() + " other process" + (n.intValue() == 1 ? "" : "es") + " on it";
        }
        return null;
    }

    /**
     * Stops after the device being measured now (a benchmark takes about a second and always frees what it
     * took); true when it stopped within the timeout.
     */
    boolean stop(Duration timeout) throws InterruptedException {
        stopping = true;
        thread.shutdownNow();
        return thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
