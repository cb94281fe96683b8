package dev.memwall.agent.render;

import dev.memwall.agent.probe.ProbeReport.BackendReport;
import dev.memwall.agent.probe.ProbeReport.DeviceReport;
import dev.memwall.agent.probe.ProbeReport;
import dev.memwall.agent.running.LoadedRuntimeModel;
import dev.memwall.agent.running.RunningModel;
import dev.memwall.agent.running.RunningNow;
import dev.memwall.agent.running.RuntimeReading;
import dev.memwall.device.BandwidthKind;
import dev.memwall.device.BandwidthMeasurement;
import dev.memwall.device.BandwidthResult;
import dev.memwall.device.DeviceFailure;
import dev.memwall.device.MemoryReading;
import dev.memwall.device.host.HostLoad;
import dev.memwall.estimator.fit.Verdict;
import dev.memwall.estimator.units.Quantities;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The probe as a terminal table: one row per device, then host memory, then notes. */
public final class ProbeTable {

    static final String UNKNOWN = "-";
    /** Samples further apart than this (fastest - slowest, over the figure) get a note. */
    static final double SPREAD_NOTE = 0.10;

    private ProbeTable() {
    }

    public static String render(ProbeReport report) {
        return render(report, List.of());
    }

    /**
     * The table, then one line per device naming the popular models that fit now, or, on a device that does not
     * report free memory, those that fit when it is idle.
     */
    public static String render(ProbeReport report, List<Verdict> fits) {
        return render(report, fits, RunningNow.NONE);
    }

    /** As above, with a "Running now" section: the models other processes hold, predicted beside real. */
    public static String render(ProbeReport report, List<Verdict> fits, RunningNow running) {
        StringBuilder out = new StringBuilder();
        List<String> notes = new ArrayList<>();
        if (report.devices().isEmpty() && report.failedDevices().isEmpty()) {
            out.append("No accelerator found.");
            out.append(tried(report));
            out.append('\n');
        } else {
            TextTable table = new TextTable("ID", "BACKEND", "NAME", "TOTAL", "FREE", "READ", "COPY", "THEORETICAL",
                    "EFFICIENCY");
            for (DeviceReport d : report.devices()) {
                MemoryReading m = d.memory();
                BandwidthResult b = d.bandwidth();
                table.row(d.identity().id(), d.identity().backend(), d.identity().name(),
                        Quantities.gib(m == null ? d.identity().totalBytes() : m.totalBytes()),
                        m == null || m.freeBytes() == null ? UNKNOWN : Quantities.gib(m.freeBytes()),
                        rate(b == null ? null : b.read(), d.bandwidthError()),
                        rate(b == null ? null : b.copy(), d.bandwidthError()),
                        b == null || b.theoreticalBytesPerSecond() == null ? UNKNOWN
                                : Quantities.gbPerSecond(b.theoreticalBytesPerSecond()),
                        b == null || b.readEfficiency() == null ? UNKNOWN
                                : String.format(Locale.ROOT, "%.0f%%", 100 * b.readEfficiency()));
                notes.addAll(notes(d, report.benchmarked()));
            }
            for (DeviceFailure f : report.failedDevices()) {
                table.row(f.id(), f.backend(), "(could not be read)", UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN,
                        UNKNOWN);
                notes.add(f.id() + ": " + f.error());
            }
            out.append(table.render());
        }
        if (!fits.isEmpty()) {
            out.append("\nFits now (context ").append(fits.get(0).workload().contextTokens())
                    .append(", batch 1; `memwall fit MODEL` for more):\n");
            Map<String, List<String>> now = new LinkedHashMap<>();
            Map<String, List<String>> idle = new LinkedHashMap<>();
            for (Verdict f : fits) {
                now.computeIfAbsent(f.label(), k -> new ArrayList<>());
                idle.computeIfAbsent(f.label(), k -> new ArrayList<>());
                Verdict.Decode d = f.decode();
                String entry = f.model() + " " + f.precision().name() + (d == null
                        || d.boundTokensPerSecond() == null ? ""
                                : d.expectedTokensPerSecond() == null
                                ? String.format(Locale.ROOT, " (bound %.0f tok/s)", d.boundTokensPerSecond())
                                : String.format(Locale.ROOT, " %.0f tok/s (bound %.0f)", d.expectedTokensPerSecond(),
                                        d.boundTokensPerSecond()));
                if (f.state() == Verdict.State.FITS_NOW) {
                    now.get(f.label()).add(entry);
                } else if (f.state() == Verdict.State.FITS_WHEN_IDLE) {
                    idle.get(f.label()).add(entry);
                }
            }
            now.forEach((device, models) -> {
                List<String> whenIdle = idle.get(device);
                out.append("  ").append(device).append(": ");
                if (!models.isEmpty()) {
                    out.append(String.join(", ", models));
                } else if (whenIdle.isEmpty()) {
                    out.append("none of the catalog's popular models");
                } else {
                    out.append("none known: free memory is not reported; when idle: ")
                            .append(String.join(", ", whenIdle));
                }
                out.append('\n');
            });
        }
        running(out, running);
        out.append('\n');
        if (report.host() != null) {
            out.append("Host memory: ").append(Quantities.gib(report.host().totalBytes())).append(" total, ")
                    .append(Quantities.gib(report.host().availableBytes())).append(" available");
            if (report.host().hostname() != null) {
                out.append(" (").append(report.host().hostname()).append(')');
            }
            out.append('\n');
        } else {
            out.append("Host memory: could not be read: ").append(report.hostError()).append('\n');
        }
        // With no device, the backends were already listed under "Tried".
        boolean listed = !report.devices().isEmpty() || !report.failedDevices().isEmpty();
        for (BackendReport b : listed ? report.backends() : List.<BackendReport>of()) {
            if (b.error() != null) {
                notes.add(b.id() + ": failed: " + b.error());
            } else if (!b.available()) {
                notes.add(b.id() + ": not used: " + b.reason());
            }
        }
        if (!notes.isEmpty()) {
            out.append("\nNotes:\n");
            for (String n : notes) {
                out.append("  ").append(n).append('\n');
            }
        }
        return out.toString();
    }

    private static String tried(ProbeReport report) {
        if (report.backends().isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder(" Tried:\n");
        for (BackendReport b : report.backends()) {
            s.append("  ").append(b.id()).append(": ");
            if (b.error() != null) {
                s.append("failed: ").append(b.error());
            } else if (!b.available()) {
                s.append(b.reason());
            } else {
                s.append("available, but it reported no device");
            }
            s.append('\n');
        }
        return s.toString().stripTrailing();
    }

    private static String rate(BandwidthMeasurement m, String error) {
        if (error != null) {
            return "failed";
        }
        return m == null ? UNKNOWN : Quantities.gbPerSecond(m.bytesPerSecond());
    }

    private static List<String> notes(DeviceReport d, boolean benchmarked) {
        String id = d.identity().id();
        Set<String> notes = new LinkedHashSet<>();
        if (d.memoryError() != null) {
            notes.add(id + ": memory could not be read: " + d.memoryError());
        } else if (d.memory() != null && d.memory().freeBytes() == null) {
            notes.add(id + ": free memory is not reported by this driver (no vendor extension for it)");
        }
        if (d.memory() != null) {
            d.memory().notes().forEach(n -> notes.add(id + ": " + n));
        }
        if (d.memory() != null && d.memory().queryContextBytes() != null) {
            notes.add(id + ": reading free memory through CUDA took " + Quantities.mib(d.memory().queryContextBytes())
                    + " for its context (NVML's free minus CUDA's); memwall holds no context between readings");
        }
        if (d.bandwidthError() != null) {
            notes.add(id + ": bandwidth benchmark failed: " + d.bandwidthError());
        }
        BandwidthResult b = d.bandwidth();
        if (benchmarked && b != null) {
            if (b.hostToDevice() != null && b.deviceToHost() != null) {
                notes.add(id + ": host->device " + Quantities.gbPerSecond(b.hostToDevice().bytesPerSecond())
                        + ", device->host " + Quantities.gbPerSecond(b.deviceToHost().bytesPerSecond())
                        + " (pinned host memory, " + Quantities.mib(b.hostToDevice().bufferBytes()) + ")");
            }
            for (BandwidthMeasurement m : new BandwidthMeasurement[] {b.read(), b.copy()}) {
                if (m == null) {
                    continue;
                }
                if (m.measured()) {
                    notes.add(String.format(Locale.ROOT, "%s: %s: %s over %s, median of %d samples (%s), %.2f s",
                            id, m.kind().word(), m.kind().counted(), m.kind() == BandwidthKind.COPY
                                    ? "the two " + Quantities.mib(m.bufferBytes()) + " halves of one buffer"
                                    : "a " + Quantities.mib(m.bufferBytes()) + " buffer", m.samples(),
                            m.converged() ? "the last three agreed within 2%" : "they never settled",
                            m.secondsSpent()));
                    if (m.spread() > SPREAD_NOTE) {
                        notes.add(String.format(Locale.ROOT, "%s: %s: samples disagreed by %.0f%% (%s to %s); "
                                + "the figure is the median", id, m.kind().word(),
                                m.spread() * 100, Quantities.gbPerSecond(m.minBytesPerSecond()),
                                Quantities.gbPerSecond(m.maxBytesPerSecond())));
                    }
                }
                m.notes().forEach(n -> notes.add(id + ": " + n));
            }
            HostLoad load = b.load();
            if (load != null && load.busy()) {
                notes.add(String.format(Locale.ROOT, "%s: other processes kept %.1f and memwall's own compiler and "
                        + "collector %.1f of the host's %d CPU cores busy during the benchmark%s; its figures may be "
                        + "low", id, load.otherCores() == null ? 0 : load.otherCores(),
                        load.jvmCores() == null ? 0 : load.jvmCores(), load.cores(),
                        load.loadAverage() == null ? "" : String.format(Locale.ROOT, " (load average %.2f)",
                                load.loadAverage())));
            }
        }
        return new ArrayList<>(notes);
    }

    /**
     * Running now: one row per model a process holds (its resident memory, the model file's resident pages, and
     * memwall's prediction of what the runtime allocates), then the notes and what could not be seen.
     */
    private static void running(StringBuilder out, RunningNow running) {
        if (running.examined() == 0) {
            return;
        }
        out.append("\nRunning now");
        if (running.models().isEmpty()) {
            out.append(": no process holds a model file (.gguf, .safetensors) or llama.cpp's libraries");
        } else {
            out.append(" (predicted: what the runtime allocates; resident memory reaches it once its buffers are "
                    + "used):\n");
            // A device column where a driver attributes device memory to one of them; PREDICTED is of device memory
            // for those predicted on a device (marked), else of host memory.
            boolean device = running.models().stream().anyMatch(m -> m.deviceBytes() != null);
            List<String> header = new ArrayList<>(List.of("PID", "PROCESS", "RUNTIME", "MODEL", "CONTEXT", "RESIDENT",
                    "MODEL RESIDENT"));
            if (device) {
                header.add("DEVICE");
            }
            header.addAll(List.of("PREDICTED", "PREDICTED WEIGHTS"));
            TextTable t = new TextTable(header.toArray(String[]::new));
            for (RunningModel m : running.models()) {
                List<String> row = new ArrayList<>(List.of(String.valueOf(m.pid()),
                        m.process() == null ? UNKNOWN : OneLine.of(m.process()),
                        m.runtime() == null ? UNKNOWN : m.runtime(),
                        m.modelPath() == null ? UNKNOWN : OneLine.of(fileName(m.modelPath())),
                        m.settings().contextTokens() == null ? UNKNOWN : String.valueOf(m.settings().contextTokens()),
                        gibOrUnknown(m.residentBytes()), gibOrUnknown(m.modelResidentBytes())));
                if (device) {
                    row.add(gibOrUnknown(m.deviceBytes()));
                }
                row.add(m.predictedBytes() != null && m.predictedOnDevice()
                        ? gibOrUnknown(m.predictedBytes()) + " (device)" : gibOrUnknown(m.predictedBytes()));
                row.add(gibOrUnknown(m.predictedWeightsBytes()));
                t.row(row.toArray(String[]::new));
            }
            out.append(t.render());
            for (RunningModel m : running.models()) {
                RunningModel.Decode d = m.decode();
                if (d != null && (d.boundTokensPerSecond() != null || d.measuredTokensPerSecond() != null)) {
                    List<String> rates = new ArrayList<>();
                    if (d.expectedTokensPerSecond() != null) {
                        rates.add(String.format(Locale.ROOT, "expected %.1f", d.expectedTokensPerSecond()));
                    }
                    if (d.boundTokensPerSecond() != null) {
                        rates.add(String.format(Locale.ROOT, "bound %.1f", d.boundTokensPerSecond()));
                    }
                    if (d.measuredTokensPerSecond() != null) {
                        rates.add(String.format(Locale.ROOT, "its runtime measured %.1f", d.measuredTokensPerSecond())
                                + (d.measuredOverExpected() == null ? ""
                                        : String.format(Locale.ROOT, " (%.2fx expected)", d.measuredOverExpected())));
                    }
                    out.append("  ").append(m.pid()).append(": decode").append(d.device() == null ? ""
                            : " on " + d.device()).append(", tokens/s: ").append(String.join(", ", rates))
                            .append('\n');
                }
                for (String n : m.notes()) {
                    out.append("  ").append(m.pid()).append(": ").append(OneLine.of(n)).append('\n');
                }
            }
        }
        if (!running.deviceProcesses().isEmpty()) {
            if (running.models().isEmpty()) {
                out.append('\n');
            }
            out.append("On the devices (as their drivers list them):\n");
            TextTable t = new TextTable("DEVICE", "PID", "PROCESS", "KIND", "DEVICE MEMORY", "MODEL");
            for (RunningNow.DeviceUser u : running.deviceProcesses()) {
                t.row(u.deviceId(), String.valueOf(u.pid()), u.process() == null ? UNKNOWN : OneLine.of(u.process()),
                        u.kind(), u.usedBytes() == null ? "hidden" : Quantities.gib(u.usedBytes()),
                        u.modelPath() == null ? UNKNOWN : OneLine.of(fileName(u.modelPath())));
            }
            out.append(t.render());
        }
        if (!running.runtimes().isEmpty()) {
            if (running.models().isEmpty() && running.deviceProcesses().isEmpty()) {
                out.append('\n');
            }
            out.append("Runtime APIs answering:\n");
            for (RuntimeReading r : running.runtimes()) {
                out.append("  ").append(OneLine.of(r.url())).append(r.runtime() == null ? "" : " (" + r.runtime() + ")")
                        .append(": ");
                if (!r.ok()) {
                    out.append(OneLine.of(r.error())).append('\n');
                    continue;
                }
                List<String> parts = new ArrayList<>();
                for (LoadedRuntimeModel m : r.models()) {
                    parts.add(OneLine.of(m.name() != null ? m.name() : m.modelPath() != null ? m.modelPath() : "?")
                            + (m.sizeBytes() == null ? "" : " " + Quantities.gib(m.sizeBytes()))
                            + (m.deviceBytes() == null ? "" : " (" + Quantities.gib(m.deviceBytes()) + " on the device)")
                            + (m.contextTokens() == null ? "" : ", context " + m.contextTokens()));
                }
                out.append(parts.isEmpty() ? "no model loaded" : String.join("; ", parts));
                if (r.generationTokensPerSecond() != null) {
                    out.append(String.format(Locale.ROOT, "; generating %.1f tokens/s", r.generationTokensPerSecond()));
                }
                out.append('\n');
                for (String n : r.notes()) {
                    out.append("    ").append(OneLine.of(n)).append('\n');
                }
            }
        }
        if (running.unreadable() > 0) {
            out.append(running.models().isEmpty() && running.deviceProcesses().isEmpty()
                    && running.runtimes().isEmpty() ? "; " : "  ")
                    .append(running.unreadable())
                    .append(running.unreadable() == 1 ? " process's memory map" : " processes' memory maps")
                    .append(" could not be read (another user's needs root or CAP_SYS_PTRACE)");
        }
        if ((running.models().isEmpty() && running.deviceProcesses().isEmpty() && running.runtimes().isEmpty())
                || running.unreadable() > 0) {
            out.append('\n');
        }
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String gibOrUnknown(Long bytes) {
        return bytes == null ? UNKNOWN : Quantities.gib(bytes);
    }
}
