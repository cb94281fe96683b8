package dev.memwall.agent.daemon;

import dev.memwall.agent.probe.ProbeRunner;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.host.HostMemory;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.LoadedModel;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon: an HTTP server that answers from the latest snapshot, a sampler that makes a new snapshot every
 * sample interval, and a benchmark thread. Started once, stopped once.
 */
public final class Agent implements AgentHttp.Backend {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final AgentSettings settings;
    private final List<DeviceBackend> backends;
    private final List<LoadedModel> watched;
    private final Supplier<HostMemory> hostReader;
    private final BenchmarkSettings benchmark;
    private final String version;
    private final Clock clock;
    private final Ticker ticker;
    private final AtomicReference<Snapshot> latest = new AtomicReference<>();
    private final AtomicLong errors = new AtomicLong();
    private final ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "memwall-sampler");
        t.setDaemon(true);
        return t;
    });
    private volatile AgentHttp http;
    private BenchScheduler bench;
    private final List<Device> devices = new ArrayList<>();

    /**
     * @param benchmark how bandwidth is measured, or null never to measure it
     */
    public Agent(AgentSettings settings, List<DeviceBackend> backends, List<LoadedModel> watched,
            Supplier<HostMemory> hostReader, BenchmarkSettings benchmark, String version) {
        this(settings, backends, watched, hostReader, benchmark, version, Clock.systemUTC(), Ticker.SYSTEM);
    }

    /**
     * @param clock  wall-clock time for snapshots and measurement times
     * @param ticker the monotonic clock for retries, the benchmark's minimum interval and the scrape cache
     */
    Agent(AgentSettings settings, List<DeviceBackend> backends, List<LoadedModel> watched,
            Supplier<HostMemory> hostReader, BenchmarkSettings benchmark, String version, Clock clock, Ticker ticker) {
        this.clock = clock;
        this.ticker = ticker;
        this.settings = settings;
        this.backends = List.copyOf(backends);
        this.watched = List.copyOf(watched);
        this.hostReader = hostReader;
        this.benchmark = benchmark;
        this.version = version;
    }

    /**
     * Binds the server first (health answers at once, readiness once the first snapshot exists), then finds the
     * devices, takes the first reading and schedules the rest.
     *
     * @throws IOException when the address cannot be bound
     */
    public void start() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        registry.register(new AgentMetrics(latest::get, settings.node(),
                () -> backends.stream().mapToLong(DeviceBackend::releaseFailures).sum()));
        http = new AgentHttp(settings, this, registry, version, ticker);
        http.start();

        ProbeRunner.Discovered found = new ProbeRunner().discover(backends);
        devices.addAll(found.devices());
        List<DeviceSlot> slots = new ArrayList<>();
        for (Device d : found.devices()) {
            slots.add(new DeviceSlot(d));
        }
        found.backends().forEach(b -> LOG.info("backend {}: {}", b.id(), b.available()
                ? b.error() != null ? "failed: " + b.error() : b.deviceCount() + " device(s)" : "unavailable: "
                + b.reason()));
        slots.forEach(s -> LOG.info("device {}: {}", s.id(), s.device.identity().name()));
        List<Precision> precisions = settings.watchPrecisions().stream()
                .map(p -> Precisions.weight(p).orElseThrow(() -> new IllegalArgumentException("unknown precision " + p)))
                .toList();
        Sampler sampler = new Sampler(slots, found.backends(), found.failures(), watched, precisions,
                settings.minPrecisionBits(), hostReader, settings.sampleInterval(), clock, ticker, errors);
        sampler.askRuntimes(settings.runtimeUrls());
        latest.set(sampler.sample());
        LOG.info("ready: {} device(s), {} watched model(s)", slots.size(), watched.size());
        long every = settings.sampleInterval().toMillis();
        sampling.scheduleAtFixedRate(() -> {
            try {
                latest.set(sampler.sample());
            } catch (RuntimeException | LinkageError e) {
                // A sample that fails keeps the last snapshot; the next one tries again.
                errors.incrementAndGet();
                LOG.error("sampling failed: {}", e.toString());
                LOG.debug("sampling failed", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
        if (benchmark != null) {
            bench = new BenchScheduler(slots, latest::get, settings, benchmark, clock, ticker, errors);
            bench.start();
        }
    }

    /** The port the server is bound to (useful when the settings asked for port 0). */
    public int port() {
        AgentHttp h = http;
        if (h == null) {
            throw new IllegalStateException("not listening yet");
        }
        return h.port();
    }

    /**
     * Stops accepting requests, lets the benchmark in progress finish (each takes about a second) or abandons
     * the rest, stops sampling and releases every device.
     */
    public void stop(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        if (http != null) {
            http.stop(0);
        }
        sampling.shutdownNow();
        boolean benchStopped = true;
        try {
            if (bench != null) {
                benchStopped = bench.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime() - 500_000_000L)));
            }
            sampling.awaitTermination(Math.max(0, deadline - System.nanoTime()) / 2, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (benchStopped) {
            devices.forEach(Device::close);
            LOG.info("stopped; devices released");
        } else {
            // Closing a device under a running kernel is unsafe; the process exit releases it instead.
            LOG.warn("a benchmark did not finish in time; its device is released by the process exit");
        }
    }

    @Override
    public Snapshot snapshot() {
        return latest.get();
    }

    @Override
    public BenchScheduler.Request requestBench() {
        return bench == null ? BenchScheduler.Request.DISABLED : bench.request();
    }

    /** For tests: whether a benchmark run is in progress or queued. */
    boolean requestBenchRunning() {
        return bench != null && bench.busy();
    }

    @Override
    public long benchRetryAfterSeconds() {
        return bench == null ? 1 : bench.retryAfterSeconds();
    }

    /** For tests: the sample interval in effect. */
    Duration sampleInterval() {
        return settings.sampleInterval();
    }
}
