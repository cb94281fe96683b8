package dev.memwall.device.simulated;

import dev.memwall.device.Csv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The hardware catalog: accelerators with their memory, bandwidth and peak FLOPs, read from {@code gpus.csv}
 * beside this class. Every number in that file carries its source; a number without one is rejected on load.
 */
public final class HardwareCatalog {

    static final String RESOURCE = "gpus.csv";
    static final List<String> HEADER = List.of("id", "name", "vendor", "memory_type", "memory_total_bytes",
            "memory_total_source", "bus_width_bits", "bus_width_source", "bandwidth_bytes_per_second",
            "bandwidth_source", "fp16_dense_flops", "fp16_source", "fp8_dense_flops", "fp8_source", "notes",
            "compute_capability", "compute_capability_source", "devices_per_package", "devices_per_package_source");
    private static final Pattern ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private final Map<String, GpuModel> byId;

    private HardwareCatalog(Map<String, GpuModel> byId) {
        this.byId = Collections.unmodifiableMap(byId);
    }

    /** The catalog shipped in the jar, loaded once. */
    public static HardwareCatalog builtIn() {
        return Holder.BUILT_IN;
    }

    private static final class Holder {
        static final HardwareCatalog BUILT_IN = load();

        private static HardwareCatalog load() {
            try (InputStream in = HardwareCatalog.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the jar");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Parses catalog text; {@code name} is used in error messages. */
    static HardwareCatalog parse(String text, String name) {
        Map<String, GpuModel> models = new LinkedHashMap<>();
        boolean headerSeen = false;
        int lineNo = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String where = name + " line " + lineNo;
                List<String> fields = Csv.parseLine(line, where);
                if (!headerSeen) {
                    if (!fields.equals(HEADER)) {
                        throw new IllegalArgumentException(where + ": header must be " + String.join(",", HEADER));
                    }
                    headerSeen = true;
                    continue;
                }
                if (fields.size() != HEADER.size()) {
                    throw new IllegalArgumentException(
                            where + ": expected " + HEADER.size() + " fields, found " + fields.size());
                }
                GpuModel model = row(fields, where);
                if (models.putIfAbsent(model.id(), model) != null) {
                    throw new IllegalArgumentException(where + ": duplicate id " + model.id());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!headerSeen) {
            throw new IllegalArgumentException(name + ": no header line");
        }
        return new HardwareCatalog(models);
    }

    private static GpuModel row(List<String> f, String where) {
        String id = f.get(0);
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(where + ": id must be lowercase with dashes, was '" + id + "'");
        }
        Long total = number(f, 4, 5, where);
        Long bus = number(f, 6, 7, where);
        Long bandwidth = number(f, 8, 9, where);
        Long fp16 = number(f, 10, 11, where);
        Long fp8 = number(f, 12, 13, where);
        if (total == null || bandwidth == null) {
            throw new IllegalArgumentException(where + ": memory_total_bytes and bandwidth_bytes_per_second are required");
        }
        String cc = blankToNull(f.get(15));
        if ((cc == null) != (blankToNull(f.get(16)) == null)) {
            throw new IllegalArgumentException(where + ": compute_capability and its source go together");
        }
        if (cc != null && !cc.matches("[0-9]{1,2}\\.[0-9]")) {
            throw new IllegalArgumentException(where + ": compute_capability must be MAJOR.MINOR, was '" + cc + "'");
        }
        Long perPackage = number(f, 17, 18, where);
        return new GpuModel(id, f.get(1), f.get(2), blankToNull(f.get(3)), total,
                bus == null ? null : Math.toIntExact(bus), bandwidth, fp16, fp8,
                new GpuModel.Sources(blankToNull(f.get(5)), blankToNull(f.get(7)), blankToNull(f.get(9)),
                        blankToNull(f.get(11)), blankToNull(f.get(13))),
                blankToNull(f.get(14)), cc, perPackage == null ? 1 : Math.toIntExact(perPackage));
    }

    /** A number with its source column: both empty, or an integer with a non-empty source. */
    private static Long number(List<String> f, int column, int sourceColumn, String where) {
        String value = f.get(column).trim();
        String source = f.get(sourceColumn).trim();
        if (value.isEmpty()) {
            if (!source.isEmpty()) {
                throw new IllegalArgumentException(where + ": " + HEADER.get(sourceColumn) + " given without "
                        + HEADER.get(column));
            }
            return null;
        }
        if (source.isEmpty()) {
            throw new IllegalArgumentException(where + ": " + HEADER.get(column) + " has no " + HEADER.get(sourceColumn));
        }
        try {
            long n = Long.parseLong(value);
            if (n <= 0) {
                throw new IllegalArgumentException(where + ": " + HEADER.get(column) + " must be > 0, was " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": " + HEADER.get(column) + " is not an integer: '" + value + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** The model with this id. */
    public Optional<GpuModel> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Every model, in file order. */
    public List<GpuModel> all() {
        return new ArrayList<>(byId.values());
    }

    /** Ids close to an unknown one, for "did you mean" messages. */
    public List<String> suggestions(String unknown) {
        String u = unknown.toLowerCase(java.util.Locale.ROOT);
        List<String> out = new ArrayList<>();
        if (u.isBlank()) {
            return out;
        }
        String[] parts = u.split("-");
        // "-" and the like have no stem; an empty one would match every id.
        String stem = parts.length == 0 ? "" : parts[0];
        for (String id : byId.keySet()) {
            if (id.contains(u) || u.contains(id) || (!stem.isEmpty() && id.startsWith(stem))) {
                out.add(id);
            }
        }
        return out.size() > 6 ? out.subList(0, 6) : out;
    }
}
