package dev.memwall.agent.probe;

import dev.memwall.agent.probe.ProbeReport.BackendReport;
import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.device.Availability;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.Device;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.DeviceException;
import dev.memwall.device.DeviceProcess;
import dev.memwall.device.DeviceFailure;
import dev.memwall.device.DeviceMerge;
import dev.memwall.device.Discovery;
import dev.memwall.device.DeviceType;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.host.HostLoad;
import dev.memwall.device.host.HostMemory;
import dev.memwall.device.host.HostProbe;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one probe over the chosen backends: reads every device, benchmarks each in turn, and never lets one
 * device's failure stop the others.
 */
public final class ProbeRunner {

    /** Told before and after each device's benchmark, e.g. to draw progress on a terminal. */
    public interface Progress {
        void benchmarking(int index, int count, String deviceId, String name);

        void done();

        Progress NONE = new Progress() {
            @Override
            public void benchmarking(int index, int count, String deviceId, String name) {
            }

            @Override
            public void done() {
            }
        };
    }

    private static final Logger LOG = LoggerFactory.getLogger(ProbeRunner.class);

    private final Clock clock;
    private final Supplier<HostMemory> hostReader;

    public ProbeRunner() {
        this(Clock.systemUTC(), HostProbe::read);
    }

    /** The longest wait for the JVM's own threads to go quiet before a benchmark. */
    private static final long QUIET_WAIT_NANOS = 300_000_000L;
    /** The longest wait before the one retry of a benchmark that ran beside a busy host. */
    private static final long RETRY_WAIT_NANOS = 2_000_000_000L;

    ProbeRunner(Clock clock, Supplier<HostMemory> hostReader) {
        this.clock = clock;
        this.hostReader = hostReader;
    }

    /**
     * Probes with the given backends. Unavailable backends are reported with their reason; available ones
     * are asked for devices.
     *
     * @param settings benchmark settings, or null to skip the benchmark
     */
    public ProbeReport run(List<DeviceBackend> backends, BenchmarkSettings settings, Progress progress) {
        return run(backends, settings, progress, () -> { });
    }

    /**
     * Probes as {@link #run(List, BenchmarkSettings, Progress)}, doing {@code beside} on a thread of its own
     * while the drivers load (e.g. loading what the caller needs afterwards); it is finished before the
     * benchmark starts (without a benchmark it may still be running when this returns).
     */
    public ProbeReport run(List<DeviceBackend> backends, BenchmarkSettings settings, Progress progress,
            Runnable beside) {
        Instant started = clock.instant();
        // Host memory is read beside the devices (OSHI's first use costs tens of milliseconds).
        CompletableFuture<HostMemory> hostReading = CompletableFuture.supplyAsync(hostReader,
                daemon("memwall-host-memory"));
        CompletableFuture<Void> besideDone = CompletableFuture.runAsync(beside, daemon("memwall-beside"));
        Discovered discovered = discover(backends);
        if (settings != null) {
            // The benchmark has the CPUs to itself: on a CPU device a thread of ours would take a core from it.
            try {
                besideDone.join();
            } catch (CompletionException e) {
                LOG.debug("work beside the probe failed", e.getCause());
            }
            try {
                hostReading.join();
            } catch (CompletionException e) {
                // reported below
            }
        }
        List<BackendReport> backendReports = discovered.backends();
        List<Device> devices = discovered.devices();
        List<DeviceFailure> failures = discovered.failures();
        List<DeviceReport> reports = new ArrayList<>();
        try {
            for (int i = 0; i < devices.size(); i++) {
                reports.add(probeDevice(devices.get(i), settings, progress, i, devices.size()));
            }
        } finally {
            progress.done();
            devices.forEach(Device::close);
        }

        HostMemory host = null;
        String hostError = null;
        try {
            host = hostReading.join();
            LOG.debug("host: {}", host);
        } catch (CompletionException e) {
            LOG.debug("host memory failed", e.getCause());
            hostError = message(e.getCause());
        }
        return new ProbeReport(started, host, hostError, backendReports, reports, failures, settings != null);
    }

    /**
     * What discovery found: a line per backend, the devices (the same GPU seen by several backends merged into
     * one), open until the caller closes them, and the devices that could not be opened.
     */
    public record Discovered(List<BackendReport> backends, List<Device> devices, List<DeviceFailure> failures) {
    }

    /** Asks every backend for its devices, each backend on a thread of its own (drivers load independently). */
    public Discovered discover(List<DeviceBackend> backends) {
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
        for (DeviceBackend backend : backends) {
            outcomes.add(CompletableFuture.supplyAsync(() -> discover(backend), daemon("memwall-" + backend.id())));
        }
        List<BackendReport> backendReports = new ArrayList<>();
        List<Device> found = new ArrayList<>();
        List<DeviceFailure> failures = new ArrayList<>();
        for (CompletableFuture<Outcome> f : outcomes) {
            Outcome o = f.join();
            backendReports.add(o.report());
            found.addAll(o.devices());
            failures.addAll(o.failures());
        }
        // The same GPU seen through NVML, CUDA and OpenCL is reported once.
        return new Discovered(backendReports, DeviceMerge.merge(found), failures);
    }

    /** What one backend gave: its report line, its devices and the devices that failed. */
    private record Outcome(BackendReport report, List<Device> devices, List<DeviceFailure> failures) {
    }

    private static Outcome discover(DeviceBackend backend) {
        try {
            Availability availability = backend.availability();
            LOG.debug("backend {}: available={}{}", backend.id(), availability.available(),
                    availability.available() ? "" : " (" + availability.reason() + ")");
            if (!availability.available()) {
                return new Outcome(new BackendReport(backend.id(), false, availability.reason(), null, 0), List.of(),
                        List.of());
            }
            Discovery discovery = backend.discover();
            LOG.debug("backend {}: {} device(s), {} failed", backend.id(), discovery.devices().size(),
                    discovery.failures().size());
            return new Outcome(new BackendReport(backend.id(), true, null, null,
                    discovery.devices().size() + discovery.failures().size()), discovery.devices(),
                    discovery.failures());
        } catch (DeviceException | RuntimeException | LinkageError e) {
            LOG.debug("backend {} failed", backend.id(), e);
            return new Outcome(new BackendReport(backend.id(), true, null, message(e), 0), List.of(), List.of());
        }
    }

    private static java.util.concurrent.Executor daemon(String name) {
        return runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            t.start();
        };
    }

    private DeviceReport probeDevice(Device device, BenchmarkSettings settings, Progress progress, int index,
            int count) {
        MemoryReading memory = null;
        String memoryError = null;
        LOG.debug("{}: {}", device.identity().id(), device.identity());
        try {
            memory = device.readMemory();
            LOG.debug("{}: {}", device.identity().id(), memory);
        } catch (DeviceException | RuntimeException | LinkageError e) {
            LOG.debug("memory of {} failed", device.identity().id(), e);
            memoryError = message(e);
        }
        BandwidthResult bandwidth;
        String bandwidthError = null;
        if (settings == null) {
            bandwidth = BandwidthResult.notMeasured(device.theoreticalBandwidthBytesPerSecond());
        } else {
            progress.benchmarking(index, count, device.identity().id(), device.identity().name());
            try {
                bandwidth = benchmark(device, settings);
            } catch (DeviceException | RuntimeException | LinkageError e) {
                LOG.debug("bandwidth of {} failed", device.identity().id(), e);
                bandwidthError = message(e);
                bandwidth = BandwidthResult.notMeasured(device.theoreticalBandwidthBytesPerSecond());
            }
        }
        Map<String, Object> attributes;
        try {
            attributes = device.attributes();
        } catch (RuntimeException e) {
            LOG.debug("attributes of {} failed", device.identity().id(), e);
            attributes = Map.of();
        }
        return new DeviceReport(device.identity(), memory, memoryError, bandwidth, bandwidthError,
                device.peakFp16FlopsPerSecond(), attributes, processes(device));
    }

    /** The processes on a device as its driver lists them; null where it cannot tell or the listing failed. */
    public static List<DeviceProcess> processes(Device device) {
        try {
            return device.processes();
        } catch (DeviceException | RuntimeException | LinkageError e) {
            LOG.debug("processes on {} could not be listed", device.identity().id(), e);
            return null;
        }
    }

    /**
     * Benchmarks a device, with what else the host's CPUs did meanwhile. On a CPU device, whose benchmark needs
     * every core: first waits (at most 0.3 s) for this JVM's compiler and collector to go quiet, and when the host
     * was busy anyway (often this JVM's compiler, early in its life), measures once more after up to 2 s and
     * keeps the quieter of the two. The probe and the agent's scheduler both benchmark through here.
     */
    public static BandwidthResult benchmark(Device device, BenchmarkSettings settings) throws DeviceException {
        boolean cpu = device.identity().type() == DeviceType.CPU;
        BandwidthResult result = measure(device, settings, cpu ? QUIET_WAIT_NANOS : 0);
        if (cpu && result.load() != null && result.load().busy()) {
            LOG.debug("{}: the benchmark ran beside {} cores of other processes and {} of memwall's own threads; "
                    + "measuring once more", device.identity().id(), result.load().otherCores(),
                    result.load().jvmCores());
            BandwidthResult again = measure(device, settings, RETRY_WAIT_NANOS);
            if (busyCores(again.load()) <= busyCores(result.load())) {
                result = again;
            }
        }
        return result;
    }

    /** A benchmark once the JVM's own threads are quiet (or {@code maxWaitNanos} passed), with the host's load. */
    private static BandwidthResult measure(Device device, BenchmarkSettings settings, long maxWaitNanos)
            throws DeviceException {
        // Not while the JVM is still compiling what ran before (it takes a core a benchmark needs).
        if (maxWaitNanos > 0) {
            long waited = HostLoad.awaitQuietJvm(maxWaitNanos);
            LOG.debug("{}: waited {} ms for the JVM's compiler and collector to go quiet", device.identity().id(),
                    waited / 1_000_000);
        }
        HostLoad.Mark mark = HostLoad.mark();
        BandwidthResult result = device.measureBandwidth(settings);
        return result.withLoad(HostLoad.since(mark));
    }

    /** Cores others and the JVM's own threads kept busy; unknown counts as none. */
    private static double busyCores(HostLoad load) {
        if (load == null) {
            return 0;
        }
        return (load.otherCores() == null ? 0 : load.otherCores()) + (load.jvmCores() == null ? 0 : load.jvmCores());
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
