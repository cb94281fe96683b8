package dev.memwall.agent.spec;

import dev.memwall.agent.cli.BadInputException;
import dev.memwall.device.simulated.GpuModel;
import dev.memwall.device.simulated.HardwareCatalog;
import dev.memwall.device.simulated.SimulatedDeviceSpec;
import dev.memwall.estimator.units.AsciiNumbers;
import dev.memwall.estimator.units.Quantities;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a SPEC: a hardware-catalog id with optional overrides ({@code rtx-4090:free=10GiB},
 * {@code a100-80gb:count=8}), or {@code custom} with the numbers given
 * ({@code custom:total=48GiB,bandwidth=960GB/s,flops=180TFLOPS}). Keys: total, free, bandwidth, flops, count.
 */
public final class SpecParser {

    public static final String CUSTOM = "custom";
    static final Set<String> KEYS = Set.of("total", "free", "bandwidth", "flops", "count");
    static final int MAX_COUNT = 1024;

    private final HardwareCatalog catalog;

    public SpecParser(HardwareCatalog catalog) {
        this.catalog = catalog;
    }

    /** Parses one SPEC; bad input gets a {@link BadInputException} that quotes the SPEC. */
    public SimulatedDeviceSpec parse(String spec) {
        try {
            return parseOrThrow(spec);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("bad SPEC '" + spec + "': " + e.getMessage());
        }
    }

    private SimulatedDeviceSpec parseOrThrow(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty; give a catalog id (see 'memwall gpus') or custom:KEY=VALUE,...");
        }
        int colon = spec.indexOf(':');
        String id = (colon < 0 ? spec : spec.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        Map<String, String> overrides = colon < 0 ? Map.of() : overrides(spec.substring(colon + 1));

        Long total;
        Long bandwidth;
        Long flops;
        String name;
        String vendor;
        String catalogId;
        int perPackage = 1;
        String computeCapability = null;
        if (id.equals(CUSTOM)) {
            for (String required : List.of("total", "bandwidth")) {
                if (!overrides.containsKey(required)) {
                    throw new IllegalArgumentException("custom needs " + required + "=..., e.g. "
                            + "custom:total=48GiB,bandwidth=960GB/s,flops=180TFLOPS");
                }
            }
            total = null;
            bandwidth = null;
            flops = null;
            name = "custom";
            vendor = null;
            catalogId = null;
        } else {
            GpuModel model = catalog.find(id).orElseThrow(() -> new IllegalArgumentException(unknownId(id)));
            // One package may be several devices (an MI250X's two GCDs); overrides apply to each device.
            SimulatedDeviceSpec device = SimulatedDeviceSpec.of(model);
            total = device.totalBytes();
            bandwidth = device.bandwidthBytesPerSecond();
            flops = device.fp16DenseFlops();
            name = device.name();
            vendor = model.vendor();
            catalogId = model.id();
            perPackage = device.count();
            computeCapability = device.computeCapability();
        }
        if (overrides.containsKey("total")) {
            total = value("total", overrides, Quantities::parseBytes);
        }
        if (overrides.containsKey("bandwidth")) {
            bandwidth = value("bandwidth", overrides, Quantities::parseBytesPerSecond);
        }
        if (overrides.containsKey("flops")) {
            flops = value("flops", overrides, Quantities::parseFlops);
        }
        long free = overrides.containsKey("free") ? value("free", overrides, Quantities::parseBytes) : total;
        if (free > total) {
            throw new IllegalArgumentException("free=" + overrides.get("free") + " is larger than the total ("
                    + Quantities.gib(total) + ")");
        }
        int count = 1;
        if (overrides.containsKey("count")) {
            String c = overrides.get("count");
            if (!AsciiNumbers.isWholeNumber(c.trim())) {
                throw new IllegalArgumentException("count=" + c + " is not a whole number (ASCII digits)");
            }
            try {
                count = AsciiNumbers.parseInt(c.trim());
            } catch (NumberFormatException e) {
                count = Integer.MAX_VALUE; // past an int: refused just below with the range
            }
            if (count < 1 || count > MAX_COUNT) {
                throw new IllegalArgumentException("count=" + c + " must be between 1 and " + MAX_COUNT);
            }
        }
        return new SimulatedDeviceSpec(name, catalogId, vendor, total, free, bandwidth, flops, count * perPackage,
                computeCapability);
    }

    private static Map<String, String> overrides(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text.isBlank()) {
            throw new IllegalArgumentException("nothing after ':'; give KEY=VALUE pairs (keys: "
                    + "total, free, bandwidth, flops, count)");
        }
        for (String pair : text.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("'" + pair + "' is not KEY=VALUE");
            }
            String key = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key '" + pair.substring(0, eq).trim()
                        + "'; keys are total, free, bandwidth, flops, count");
            }
            if (out.put(key, pair.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("key '" + key + "' given twice");
            }
        }
        return out;
    }

    private static long value(String key, Map<String, String> overrides, java.util.function.ToLongFunction<String> f) {
        String text = overrides.get(key);
        try {
            return f.applyAsLong(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + "=" + text + ": " + e.getMessage());
        }
    }

    private String unknownId(String id) {
        List<String> near = catalog.suggestions(id);
        return "unknown catalog id '" + id + "'"
                + (near.isEmpty() ? "" : "; did you mean " + String.join(", ", near) + "?")
                + " ('memwall gpus' lists them; 'custom:total=...,bandwidth=...' describes any other)";
    }
}
