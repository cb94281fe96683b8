package dev.memwall.agent.cli;

import dev.memwall.agent.logging.CliLogConfigurator;
import dev.memwall.device.Backends;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.opencl.OpenClBackend;
import dev.memwall.device.opencl.OpenClRuntime;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Start-up work begun on daemon threads before the command line is parsed, so that it overlaps the rest of the
 * start instead of following it: for {@code probe} and {@code fit} on real devices, the OpenCL runtime's own
 * initialisation (begun even before logging is set up, as it does not log) and then the drivers' loading through
 * their backends (the OpenCL loader and its platforms, NVML, CUDA), and for {@code probe} what its "fits now"
 * answer computes with. A driver's first answer is kept by its backend, so the probe that follows finds it ready.
 * Nothing here prints, and nothing changes what a command answers: where the arguments turn out to be bad, the
 * work is simply unused.
 */
final class EarlyStart {

    private EarlyStart() {
    }

    static void begin(String[] args) {
        String command = null;
        String backend = "auto";
        boolean simulated = false;
        boolean verbose = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
                return;
            }
            if (a.equals("--verbose")) {
                verbose = true;
            } else if (a.startsWith("--simulate")) {
                simulated = true;
            } else if (a.equals("--backend") && i + 1 < args.length) {
                backend = args[i + 1].trim().toLowerCase(Locale.ROOT);
            } else if (a.startsWith("--backend=")) {
                backend = a.substring("--backend=".length()).trim().toLowerCase(Locale.ROOT);
            } else if (command == null && !a.startsWith("-")) {
                command = a;
            }
        }
        if (simulated || !("probe".equals(command) || "fit".equals(command))) {
            return;
        }
        // Work that does not log starts before logging is set up, and shares its time: the OpenCL runtime's own
        // initialisation and, for probe, the estimator's.
        if (backend.equals("auto") || backend.equals(OpenClBackend.ID)) {
            start("memwall-early-opencl-runtime", new OpenClRuntimeStart());
        }
        if ("probe".equals(command)) {
            start("memwall-early-fits", new ProbeCommand.PreparePopularFits());
        }
        // Logging before the drivers, on this thread: a logger asked for while another thread sets logging up is a stand-in
        // whose calls SLF4J replays with a warning on stderr.
        LoggerFactory.getILoggerFactory();
        if (verbose) {
            // What the drivers say while loading is part of --verbose's output; picocli sets it again later.
            CliLogConfigurator.setVerbose(true);
        }
        for (DeviceBackend b : Backends.hardware()) {
            if (backend.equals("auto") || backend.equals(b.id())) {
                start("memwall-early-" + b.id(), new Driver(b));
            }
        }
    }

    // Classes rather than lambdas or method references: the launcher's class-data archive is dumped from a
    // probe, and JDK 17 crashed archiving some lambda proxies (see Main's converters).

    /** {@link OpenClRuntime#start}. */
    private static final class OpenClRuntimeStart implements Runnable {
        @Override
        public void run() {
            OpenClRuntime.start();
        }
    }

    /** Loads a backend's driver and keeps its answer. */
    private static final class Driver implements Runnable {
        private final DeviceBackend backend;

        Driver(DeviceBackend backend) {
            this.backend = backend;
        }

        @Override
        public void run() {
            backend.availability();
        }
    }

    private static void start(String name, Runnable work) {
        Thread t = new Thread(new Guarded(work), name);
        t.setDaemon(true);
        t.start();
    }

    /** Runs the work; whatever goes wrong, the command meets it again and reports it there. */
    private static final class Guarded implements Runnable {
        private final Runnable work;

        Guarded(Runnable work) {
            this.work = work;
        }

        @Override
        public void run() {
            try {
                work.run();
            } catch (RuntimeException | LinkageError e) {
                // reported by the command
            }
        }
    }
}
