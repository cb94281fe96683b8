package dev.memwall.device.cuda;

import dev.memwall.device.Csv;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Dense tensor-core throughput per SM per clock for each compute capability, from {@code architectures.csv}
 * (every row names its source). Peak = SMs x SM clock x the figure.
 */
final class CudaArchitectures {

    /** One compute capability's row; null where the architecture has no such unit or no source gives it. */
    record Row(String cc, String architecture, long fp16PerClockPerSm, Long fp8PerClockPerSm, Long int8PerClockPerSm,
            String source) {
    }

    static final List<String> HEADER = List.of("cc", "architecture", "fp16_flops_per_clock_per_sm",
            "fp8_flops_per_clock_per_sm", "int8_ops_per_clock_per_sm", "source", "check");

    private static final Map<String, Row> ROWS = load();

    private CudaArchitectures() {
    }

    /** The row for compute capability major.minor, if the table has it. */
    static Optional<Row> find(int major, int minor) {
        return Optional.ofNullable(ROWS.get(major + "." + minor));
    }

    static Map<String, Row> all() {
        return ROWS;
    }

    private static Map<String, Row> load() {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (Csv.Line line : Csv.resource(CudaArchitectures.class, "architectures.csv", HEADER)) {
            List<String> f = line.fields();
            if (f.size() != HEADER.size() || f.get(5).isBlank() || f.get(6).isBlank()) {
                throw new IllegalStateException(line.where() + ": needs " + HEADER.size()
                        + " fields with a source and a check");
            }
            rows.put(f.get(0), new Row(f.get(0), f.get(1), Long.parseLong(f.get(2)), optional(f.get(3)),
                    optional(f.get(4)), f.get(5)));
        }
        return rows;
    }

    private static Long optional(String s) {
        return s.isBlank() ? null : Long.parseLong(s.trim());
    }
}
