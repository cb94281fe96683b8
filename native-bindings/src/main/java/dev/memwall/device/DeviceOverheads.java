package dev.memwall.device;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a device's runtime stack takes before a model loads, as it exists on that device, and how much of a device
 * a runtime may use at all. A CUDA context exists on NVIDIA devices only, the HIP runtime's share on AMD GPUs only;
 * a CPU device has neither, and an Apple GPU may use only Metal's working set of the unified memory. Figures come
 * from {@code runtime_overheads.csv}, each with its source.
 */
public final class DeviceOverheads {

    /**
     * Memory the runtime stack holds on the device before a model loads.
     *
     * @param name  {@code cuda_context} or {@code hip_runtime}
     * @param bytes its size
     * @param how   the figure's source and whether it was measured on this architecture
     */
    public record Overhead(String name, long bytes, String how) {
        public Overhead {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(how, "how");
        }
    }

    /**
     * The most a runtime may allocate on the device.
     *
     * @param bytes the limit
     * @param how   the rule and its source
     */
    public record Limit(long bytes, String how) {
    }

    private record Row(String vendor, String architecture, String item, long bytes, String source, String how) {
    }

    static final List<String> HEADER = List.of("vendor", "architecture", "item", "bytes", "source", "how_measured");
    private static final List<Row> ROWS = load();

    private DeviceOverheads() {
    }

    /** The runtime overhead that exists on this device, or null where there is none (CPU devices, Apple GPUs). */
    public static Overhead of(DeviceIdentity identity, Map<String, Object> attributes) {
        if (identity.type() == DeviceType.CPU) {
            return null;
        }
        String vendor = vendor(identity);
        if (vendor.equals("nvidia")) {
            Object cc = attributes == null ? null : attributes.get("compute_capability");
            for (Row r : ROWS) {
                if (r.vendor.equals("nvidia") && r.architecture.equals(cc)) {
                    return new Overhead(r.item, r.bytes, String.format(Locale.ROOT, "%s, compute capability %s: %s "
                            + "(%s)", Quantities.mib(r.bytes), cc, r.how, r.source));
                }
            }
            long median = medianCudaContext();
            return new Overhead("cuda_context", median, String.format(Locale.ROOT, "%s: no published measurement for "
                    + "%s, so the median of the architectures measured (runtime_overheads.csv)",
                    Quantities.mib(median), cc == null ? "this device's architecture" : "compute capability " + cc));
        }
        if (vendor.equals("amd")) {
            for (Row r : ROWS) {
                if (r.vendor.equals("amd")) {
                    return new Overhead(r.item, r.bytes, String.format(Locale.ROOT, "%s, the HIP runtime at start: %s "
                            + "(%s)", Quantities.mib(r.bytes), r.how, r.source));
                }
            }
        }
        return null;
    }

    /**
     * Metal's {@code recommendedMaxWorkingSetSize} on an Apple GPU, or null for other devices. llama.cpp's
     * ggml_metal_init logs show two thirds of the unified memory up to 32 GB and three quarters from 36 GB: M1 8 GB
     * 5726.63 MB, M3 16 GB 11453.25 MB, M3 Max 48 GB 38654.71 MB, M1 Max 64 GB 51539.61 MB, M2 Ultra 192 GB
     * 154618.82 MB (github:XiongjieDai/GPU-Benchmarks-on-LLM-Inference, the Mac notebooks at
     * aa72e0ec86c356c41f8281c9733e9a13c3675800), M1 Max 32 GB 21845.34 MiB (github.com/ollama/ollama/issues/434),
     * M2 Max 96 GB 73728 MiB (github.com/ggml-org/llama.cpp/issues/3213). macOS 26 was seen reporting more on a 128
     * GB machine (107.52 GiB, github.com/antirez/ds4/pull/893); the rule above is the one sourced across sizes.
     */
    public static Limit limit(DeviceIdentity identity) {
        if (!vendor(identity).equals("apple") || identity.type() == DeviceType.CPU) {
            return null;
        }
        long total = identity.totalBytes();
        boolean small = total <= 32L << 30;
        long bytes = small ? total / 3 * 2 : total / 4 * 3;
        return new Limit(bytes, String.format(Locale.ROOT, "an Apple GPU may use Metal's working set, %s of the %s "
                + "unified memory (%s: llama.cpp's ggml_metal_init logs, 2/3 up to 32 GB and 3/4 from 36 GB)",
                Quantities.gib(bytes), Quantities.gib(total), small ? "2/3" : "3/4"));
    }

    /** nvidia, amd, apple, intel or the vendor string lowercased. */
    static String vendor(DeviceIdentity identity) {
        String v = (identity.vendor() == null ? "" : identity.vendor()).toLowerCase(Locale.ROOT);
        String n = identity.name().toLowerCase(Locale.ROOT);
        if (v.contains("nvidia") || n.startsWith("nvidia")) {
            return "nvidia";
        }
        if (v.equals("amd") || v.contains("advanced micro devices") || n.startsWith("amd instinct")
                || n.startsWith("amd radeon")) {
            return "amd";
        }
        if (v.contains("apple") || n.startsWith("apple")) {
            return "apple";
        }
        return v;
    }

    static long medianCudaContext() {
        List<Long> sizes = new ArrayList<>();
        for (Row r : ROWS) {
            if (r.vendor.equals("nvidia")) {
                sizes.add(r.bytes);
            }
        }
        sizes.sort(Long::compare);
        int n = sizes.size();
        return n % 2 == 1 ? sizes.get(n / 2) : (sizes.get(n / 2 - 1) + sizes.get(n / 2)) / 2;
    }

    private static List<Row> load() {
        List<Row> rows = new ArrayList<>();
        for (Csv.Line line : Csv.resource(DeviceOverheads.class, "runtime_overheads.csv", HEADER)) {
            List<String> f = line.fields();
            if (f.size() != HEADER.size() || f.get(3).isBlank() || f.get(4).isBlank()) {
                throw new IllegalStateException(line.where() + ": needs " + HEADER.size() + " fields, bytes and a "
                        + "source");
            }
            rows.add(new Row(f.get(0), f.get(1), f.get(2), Long.parseLong(f.get(3).trim()), f.get(4), f.get(5)));
        }
        return List.copyOf(rows);
    }

    /** MiB and GiB for the words above; the device layer does not depend on the estimator's units. */
    private static final class Quantities {
        static String mib(long bytes) {
            return String.format(Locale.ROOT, "%.0f MiB", bytes / (double) (1L << 20));
        }

        static String gib(long bytes) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
    }
}
