package dev.memwall.estimator.fit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The decode rate one sequence is expected to reach, worked out from its memory-bandwidth bound and fitted on
 * published measurements ({@link DecodeMeasurements}). docs/decode-efficiency.md shows the fit and how well it
 * predicts devices it was not fitted on.
 *
 * <p>The model: a token takes the bytes it reads at a share {@code e} of the peak bandwidth, plus a fixed
 * {@code t0} per token (kernel launches, synchronisation, sampling), so with {@code B} the bound in tokens per second
 * <pre>
 *   1 / expected = 1 / (e x B) + t0        efficiency = expected / B = 1 / (1/e + t0 x B)
 * </pre>
 * Small models on fast devices lose most to {@code t0}; large ones approach {@code e}. Each cell (runtime, device
 * class with HBM apart, format class) is fitted by least squares on the seconds per token, weighted so that every
 * row counts by its relative error. Where the bounds in a cell vary too little to tell {@code t0} from {@code e}, or
 * the fit leaves either out of range, {@code t0} is 0 and {@code e} is the median of measured / bound.
 *
 * <p>A cell needs {@value #MIN_ROWS} rows from {@value #MIN_DEVICES} devices; a query falls back from (device,
 * format) to the device alone, to the format on every device, then to the runtime, and says so.
 */
public final class DecodeEfficiency {

    static final int MIN_ROWS = 3;
    static final int MIN_DEVICES = 2;
    /** The largest bound in a cell over the smallest, below which overhead and efficiency cannot be told apart. */
    static final double MIN_BOUND_SPREAD = 1.5;
    /** The runtime word that asks for no particular runtime: every runtime's measurements together. */
    static final String GENERIC = "generic";
    private static final String ANY = "*";

    /**
     * Where a device sits in the fit: its class, and whether its memory is HBM (the runtimes measured here reach a
     * smaller share of HBM's bandwidth than of GDDR's or LPDDR's).
     */
    public record Device(DeviceClass deviceClass, boolean hbm) {

        public Device {
            Objects.requireNonNull(deviceClass, "deviceClass");
        }

        /** A device of this class with this memory type ({@code HBM3}, {@code GDDR6X}, ...); null: not HBM. */
        public static Device of(DeviceClass deviceClass, String memoryType) {
            return new Device(deviceClass, memoryType != null
                    && memoryType.trim().toUpperCase(Locale.ROOT).startsWith("HBM"));
        }

        @Override
        public String toString() {
            return deviceClass.word() + (hbm ? " (HBM)" : "");
        }

        // equals and hashCode written out: a record's generated ones are linked at their first call through method
        // handles, which costs a short command (memwall probe) milliseconds for each record used as a key.
        @Override
        public boolean equals(Object o) {
            return o instanceof Device d && d.deviceClass == deviceClass && d.hbm == hbm;
        }

        @Override
        public int hashCode() {
            return deviceClass.hashCode() * 31 + Boolean.hashCode(hbm);
        }
    }

    /**
     * One fitted cell.
     *
     * @param runtime             the runtime's word
     * @param device              the device group, or null for every device
     * @param format              the format class, or null for every format
     * @param rows                measurements it was fitted on
     * @param devices             distinct devices among them
     * @param bandwidthEfficiency {@code e}: the share of peak bandwidth the bytes are read at
     * @param overheadSeconds     {@code t0}: fixed seconds per token
     * @param medianAbsError      median of |expected / measured - 1| over its own rows
     * @param maxAbsError         largest of them
     */
    public record Cell(String runtime, Device device, FormatClass format, int rows, int devices,
            double bandwidthEfficiency, double overheadSeconds, double medianAbsError, double maxAbsError) {

        /** expected / bound at this bound. */
        public double efficiencyAt(double boundTokensPerSecond) {
            return 1 / (1 / bandwidthEfficiency + overheadSeconds * boundTokensPerSecond);
        }

        /** Expected tokens per second at this bound. */
        public double expected(double boundTokensPerSecond) {
            return boundTokensPerSecond * efficiencyAt(boundTokensPerSecond);
        }

        /** What the cell covers, in words: {@code llama.cpp, nvidia_gpu (HBM), k-quant}. */
        public String scope() {
            return runtime + ", " + (device == null ? "every device" : device.toString()) + ", "
                    + (format == null ? "every format" : format.label());
        }
    }

    private record Key(String runtime, Device device, FormatClass format) {

        // written out, as Device's
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.runtime.equals(runtime) && Objects.equals(k.device, device)
                    && k.format == format;
        }

        @Override
        public int hashCode() {
            return (runtime.hashCode() * 31 + Objects.hashCode(device)) * 31 + Objects.hashCode(format);
        }
    }

    private final Map<Key, Cell> cells;

    private DecodeEfficiency(Map<Key, Cell> cells) {
        this.cells = cells;
    }

    /** Fitted on the shipped measurements. */
    public static DecodeEfficiency builtIn() {
        return Holder.BUILT_IN;
    }

    private static final class Holder {
        static final DecodeEfficiency BUILT_IN = fit(DecodeMeasurements.builtIn());
    }

    /** Fits every cell these measurements fill. */
    public static DecodeEfficiency fit(List<DecodeMeasurement> measurements) {
        return fit(measurements, true);
    }

    /**
     * @param overhead whether cells may fit a per-token overhead; without it every cell is the median of measured /
     *                 bound (docs/decode-efficiency.md compares the two)
     */
    static DecodeEfficiency fit(List<DecodeMeasurement> measurements, boolean overhead) {
        Map<Key, Cell> cells = new LinkedHashMap<>();
        Set<String> runtimes = new LinkedHashSet<>();
        measurements.forEach(m -> runtimes.add(m.runtime()));
        runtimes.add(ANY);
        for (String runtime : runtimes) {
            List<DecodeMeasurement> own = measurements.stream()
                    .filter(m -> runtime.equals(ANY) || m.runtime().equals(runtime)).toList();
            Set<Device> devices = new LinkedHashSet<>();
            Set<FormatClass> formats = new LinkedHashSet<>();
            own.forEach(m -> {
                devices.add(m.group());
                formats.add(m.formatClass());
            });
            for (Device d : devices) {
                for (FormatClass f : formats) {
                    put(cells, new Key(runtime, d, f), own, m -> m.group().equals(d) && m.formatClass() == f,
                            overhead);
                }
                put(cells, new Key(runtime, d, null), own, m -> m.group().equals(d), overhead);
            }
            for (FormatClass f : formats) {
                put(cells, new Key(runtime, null, f), own, m -> m.formatClass() == f, overhead);
            }
            put(cells, new Key(runtime, null, null), own, m -> true, overhead);
        }
        return new DecodeEfficiency(Collections.unmodifiableMap(cells));
    }

    private static void put(Map<Key, Cell> cells, Key key, List<DecodeMeasurement> rows,
            Predicate<DecodeMeasurement> in, boolean overhead) {
        List<DecodeMeasurement> sub = rows.stream().filter(in).toList();
        long devices = sub.stream().map(DecodeMeasurement::device).distinct().count();
        if (sub.size() >= MIN_ROWS && devices >= MIN_DEVICES) {
            cells.put(key, fitCell(key, sub, (int) devices, overhead));
        }
    }

    /** Weighted least squares on seconds per token: y = a x + t0 with x = 1 / bound, y = 1 / measured, a = 1 / e. */
    private static Cell fitCell(Key key, List<DecodeMeasurement> rows, int devices, boolean overhead) {
        double e = 0;
        double t0 = 0;
        double lo = rows.stream().mapToDouble(DecodeMeasurement::boundTokensPerSecond).min().orElseThrow();
        double hi = rows.stream().mapToDouble(DecodeMeasurement::boundTokensPerSecond).max().orElseThrow();
        if (overhead && hi / lo >= MIN_BOUND_SPREAD) {
            // Weights 1 / y^2 make each residual relative to the row's own seconds per token.
            double sw = 0;
            double sx = 0;
            double sy = 0;
            for (DecodeMeasurement m : rows) {
                double y = 1 / m.measuredTokensPerSecond();
                double w = 1 / (y * y);
                sw += w;
                sx += w / m.boundTokensPerSecond();
                sy += w * y;
            }
            double mx = sx / sw;
            double my = sy / sw;
            double sxx = 0;
            double sxy = 0;
            for (DecodeMeasurement m : rows) {
                double x = 1 / m.boundTokensPerSecond() - mx;
                double y = 1 / m.measuredTokensPerSecond();
                double w = 1 / (y * y);
                sxx += w * x * x;
                sxy += w * x * (y - my);
            }
            double a = sxy / sxx;
            double intercept = my - a * mx;
            if (a >= 1 && intercept >= 0) {
                e = 1 / a;
                t0 = intercept;
            }
        }
        if (e == 0) {
            e = median(rows.stream().mapToDouble(DecodeMeasurement::efficiency).toArray());
            t0 = 0;
        }
        double finalE = e;
        double finalT0 = t0;
        double[] errors = rows.stream().mapToDouble(m -> Math.abs(m.boundTokensPerSecond()
                / (1 / finalE + finalT0 * m.boundTokensPerSecond()) / m.measuredTokensPerSecond() - 1)).toArray();
        double max = Arrays.stream(errors).max().orElseThrow();
        return new Cell(key.runtime(), key.device(), key.format(), rows.size(), devices, e, t0, median(errors), max);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** Every fitted cell of the measured runtimes, most specific first ({@code generic}'s pooled cells left out). */
    public List<Cell> cells() {
        List<Cell> out = new ArrayList<>();
        for (Map.Entry<Key, Cell> e : cells.entrySet()) {
            if (!e.getKey().runtime().equals(ANY)) {
                out.add(e.getValue());
            }
        }
        out.sort(Comparator.comparing((Cell c) -> c.runtime())
                .thenComparingInt(c -> (c.device() == null ? 2 : 0) + (c.format() == null ? 1 : 0))
                .thenComparing(c -> c.device() == null ? "" : c.device().toString())
                .thenComparing(c -> c.format() == null ? "" : c.format().name()));
        return List.copyOf(out);
    }

    /**
     * The rate one sequence is expected to decode at, from its memory-bandwidth bound; empty when no measurements of
     * the runtime are at hand ({@code generic} pools every runtime's).
     *
     * @param runtime              the runtime's word ({@code llama.cpp}, {@code vllm}, {@code generic})
     * @param device               the device group ({@link Device#of})
     * @param format               the weights' format class ({@link FormatClass#of})
     * @param boundTokensPerSecond the bound: bandwidth over bytes read per token, tokens per second
     */
    public Optional<DecodeRate> expected(String runtime, Device device, FormatClass format,
            double boundTokensPerSecond) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(format, "format");
        if (!(boundTokensPerSecond > 0) || Double.isInfinite(boundTokensPerSecond)) {
            throw new IllegalArgumentException("bound must be > 0 tokens per second, was " + boundTokensPerSecond);
        }
        String r = runtime.trim().toLowerCase(Locale.ROOT);
        String word = r.equals(GENERIC) ? ANY : r;
        List<Key> order = List.of(new Key(word, device, format), new Key(word, device, null),
                new Key(word, null, format), new Key(word, null, null));
        for (int level = 0; level < order.size(); level++) {
            Cell c = cells.get(order.get(level));
            if (c != null) {
                return Optional.of(rate(c, level, r, device, format, boundTokensPerSecond));
            }
        }
        return Optional.empty();
    }

    private static DecodeRate rate(Cell c, int level, String runtime, Device device, FormatClass format,
            double bound) {
        double efficiency = c.efficiencyAt(bound);
        String scope = runtime.equals(GENERIC) ? c.scope().replace(ANY, "every runtime") : c.scope();
        String missing = switch (level) {
            case 0 -> "";
            case 1 -> "too few " + format.label() + " measurements on " + device + ", so ";
            case 2 -> "too few measurements on " + device + ", so ";
            default -> "too few measurements on " + device + " and of " + format.label() + " anywhere, so ";
        };
        String how = String.format(Locale.ROOT, "%s%s: %.2f of the bandwidth bound plus %.1f ms a token, fitted on"
                + " %d measurements from %d devices (docs/decode-efficiency.md)", missing, scope,
                c.bandwidthEfficiency(), c.overheadSeconds() * 1e3, c.rows(), c.devices());
        return new DecodeRate(bound * efficiency, bound, efficiency, how);
    }
}
