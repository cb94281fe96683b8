package dev.memwall.agent.cli;

import dev.memwall.agent.spec.SpecParser;
import dev.memwall.device.Availability;
import dev.memwall.device.Backends;
import dev.memwall.device.DeviceBackend;
import dev.memwall.device.simulated.HardwareCatalog;
import dev.memwall.device.simulated.SimulatedBackend;
import dev.memwall.device.simulated.SimulatedDeviceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Device selection shared by the commands that look at devices: {@code --backend} and {@code --simulate}. */
public final class DeviceOptions {

    /** {@code --simulate all}: one of every accelerator in the hardware catalog. */
    static final String ALL = "all";

    static final List<String> BACKENDS = List.of("auto", "cuda", "nvml", "opencl", "simulated");

    @Option(names = "--backend", paramLabel = "BACKEND", defaultValue = "auto",
            description = "auto (every backend that works here), cuda, nvml, opencl or simulated. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--simulate", paramLabel = "SPEC",
            description = "Use a simulated device instead of probing: a catalog id with optional overrides "
                    + "(h100-sxm, rtx-4090:free=10GiB, a100-80gb:count=8) or custom:total=48GiB,bandwidth=960GB/s,"
                    + "flops=180TFLOPS, or all (every catalog accelerator). Repeatable. 'memwall gpus' lists the ids.")
    List<String> simulate = new ArrayList<>();

    /** Whether {@code --simulate all} was given. */
    boolean simulatesAll() {
        return simulate.stream().anyMatch(s -> s.trim().equalsIgnoreCase(ALL));
    }

    /** The backends to probe, resolved from the options; bad combinations are bad input. */
    List<DeviceBackend> backends() {
        String choice = backend == null ? "auto" : backend.trim().toLowerCase(Locale.ROOT);
        if (!BACKENDS.contains(choice)) {
            throw new BadInputException("unknown backend '" + backend + "' for --backend; choose one of "
                    + String.join(", ", BACKENDS));
        }
        if (!simulate.isEmpty()) {
            if (!choice.equals("auto") && !choice.equals("simulated")) {
                throw new BadInputException("--simulate cannot be combined with --backend " + choice
                        + "; simulated devices replace the probe");
            }
            SpecParser parser = new SpecParser(HardwareCatalog.builtIn());
            List<SimulatedDeviceSpec> specs = new ArrayList<>();
            for (String s : simulate) {
                if (s.trim().equalsIgnoreCase(ALL)) {
                    HardwareCatalog.builtIn().all().forEach(m -> specs.add(SimulatedDeviceSpec.of(m)));
                } else {
                    specs.add(parser.parse(s));
                }
            }
            return List.of(new SimulatedBackend(specs));
        }
        if (choice.equals("simulated")) {
            throw new BadInputException("--backend simulated needs at least one --simulate SPEC, e.g. --simulate h100-sxm");
        }
        List<DeviceBackend> hardware = Backends.hardware();
        if (choice.equals("auto")) {
            return hardware;
        }
        for (DeviceBackend b : hardware) {
            if (b.id().equals(choice)) {
                Availability a = b.availability();
                if (!a.available()) {
                    throw new RuntimeFailureException(choice + " backend unavailable: " + a.reason());
                }
                return List.of(b);
            }
        }
        throw new RuntimeFailureException("the " + choice + " backend is not in this build");
    }
}
