package dev.memwall.agent.cli;

import dev.memwall.agent.fit.DeviceCapacities;
import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.agent.probe.ProbeRunner;
import dev.memwall.agent.render.Json;
import dev.memwall.agent.render.ProbeJson;
import dev.memwall.agent.render.ProbeTable;
import dev.memwall.agent.running.RunningNow;
import dev.memwall.agent.running.RuntimeEndpoints;
import dev.memwall.agent.running.RuntimesNow;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.DeviceBackend;
import dev.memwall.estimator.fit.Capacity;
import dev.memwall.estimator.fit.PopularFits;
import dev.memwall.estimator.fit.Verdict;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code memwall probe}: every device with its memory and measured bandwidth, and the host's memory. */
@Command(
        name = "probe",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {
            "List every compute device with its total and free memory and its measured memory bandwidth.",
            "READ is a read-only streaming kernel (what decoding a model does); COPY is a device-to-device copy "
                    + "counting bytes read plus bytes written."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:a backend or device failed (the others are still reported)", "2:bad usage or bad input"})
final class ProbeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DeviceOptions devices;

    @Option(names = "--json", description = "Print the memwall.probe.v2 JSON document instead of a table.")
    boolean json;

    @Option(names = "--no-bench", description = "Skip the bandwidth benchmark.")
    boolean noBench;

    @Option(names = "--runtime-url", paramLabel = "URL", description = "A model runtime's local API to ask besides "
            + "the default addresses (Ollama 127.0.0.1:11434, llama-server 127.0.0.1:8080 and 127.0.0.1:9931, vLLM "
            + "127.0.0.1:8000), e.g. http://127.0.0.1:8081. Repeatable.")
    List<String> runtimeUrls = new ArrayList<>();

    @Override
    public Integer call() {
        return run(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The command read without picocli (see {@link QuickProbe}): the same fields, set from the request. */
    static ProbeCommand of(QuickProbe.Request request) {
        ProbeCommand command = new ProbeCommand();
        command.devices = new DeviceOptions();
        command.devices.backend = request.backend();
        command.devices.simulate = new ArrayList<>(request.simulate());
        command.json = request.json();
        command.noBench = request.noBench();
        return command;
    }

    int run(PrintWriter out, PrintWriter err) {
        List<String> given = new ArrayList<>();
        for (String u : runtimeUrls) {
            try {
                given.add(RuntimeEndpoints.parseUrl(u, true).toString());
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--runtime-url: " + e.getMessage());
            }
        }
        List<DeviceBackend> backends = devices.backends();
        BenchmarkSettings settings = noBench ? null : BenchmarkSettings.defaults();
        // What the "fits now" answer computes with is prepared while the drivers load (EarlyStart began it), and
        // is finished before the benchmark, which must have the CPUs to itself.
        ProbeReport report = new ProbeRunner().run(backends, settings,
                json ? ProbeRunner.Progress.NONE : TerminalProgress.forStderr(err),
                new PreparePopularFits());
        List<Capacity> capacities = report.devices().stream().map(DeviceCapacities::of).toList();
        List<Verdict> fits = PopularFits.on(capacities, DeviceCapacities.host(report.host() == null ? null
                : report.host().availableBytes(), null, report.devices()));
        RunningNow running = RunningNow.scan(RunningNow.byDevice(report.devices()))
                .withRuntimes(RuntimesNow.lazily().read(given))
                .withDevices(capacities);
        if (json) {
            out.println(Json.write(ProbeJson.document(report, Version.get(), fits, running)));
        } else {
            out.print(ProbeTable.render(report, fits, running));
        }
        out.flush();
        return report.hasErrors() ? Main.RUNTIME_FAILURE : Main.OK;
    }

    /** {@link PopularFits#prepare}, as a class (see {@link EarlyStart} on lambdas and the class-data archive). */
    static final class PreparePopularFits implements Runnable {
        @Override
        public void run() {
            PopularFits.prepare();
        }
    }
}
