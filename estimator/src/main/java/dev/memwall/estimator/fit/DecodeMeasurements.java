package dev.memwall.estimator.fit;

import dev.memwall.estimator.catalog.CatalogEntry;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.io.Csv;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Published single-sequence decode measurements, from {@code decode_measurements.csv} beside this class; every row
 * names its source and the source of its bandwidth.
 */
public final class DecodeMeasurements {

    static final String RESOURCE = "decode_measurements.csv";
    static final List<String> HEADER = List.of("id", "runtime", "runtime_build", "device", "device_class",
            "memory_type", "gpu_catalog_id", "bandwidth_bytes_per_second", "bandwidth_source", "model", "memwall_model",
            "format", "moe", "model_size_printed", "model_bytes", "test", "mean_context_tokens",
            "measured_tokens_per_second", "source", "notes");
    /** llama.cpp keeps its KV cache in f16 unless told otherwise ({@code --cache-type-k/-v}); no row tells it. */
    private static final Precision KV = Precisions.kvCache("fp16").orElseThrow();

    private DecodeMeasurements() {
    }

    /** The shipped measurements, in file order. */
    public static List<DecodeMeasurement> builtIn() {
        return Holder.BUILT_IN;
    }

    private static final class Holder {
        static final List<DecodeMeasurement> BUILT_IN = load();

        private static List<DecodeMeasurement> load() {
            try (InputStream in = DecodeMeasurements.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the jar");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE, ModelCatalog.builtIn());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Reads measurements from CSV text; {@code name} names the text in errors, {@code catalog} resolves models. */
    static List<DecodeMeasurement> parse(String text, String name, ModelCatalog catalog) {
        List<DecodeMeasurement> rows = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Csv.Row r : Csv.rows(text, name, HEADER)) {
            DecodeMeasurement m = row(r.fields(), r.where(), catalog);
            if (!ids.add(m.id())) {
                throw new IllegalArgumentException(r.where() + ": duplicate id " + m.id());
            }
            rows.add(m);
        }
        return List.copyOf(rows);
    }

    private static DecodeMeasurement row(Map<String, String> r, String where, ModelCatalog catalog) {
        for (String required : List.of("id", "runtime", "device", "bandwidth_source", "model", "format", "source")) {
            if (r.get(required).isEmpty()) {
                throw new IllegalArgumentException(where + ": " + required + " is empty");
            }
        }
        DeviceClass deviceClass = DeviceClass.of(r.get("device_class")).orElseThrow(() -> new IllegalArgumentException(
                where + ": device_class must be nvidia_gpu, amd_gpu, apple or cpu, was '" + r.get("device_class") + "'"));
        boolean moe = bool(r.get("moe"), "moe", where);
        FormatClass formatClass;
        try {
            formatClass = FormatClass.of(r.get("format"), moe);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        ModelSpec spec = null;
        if (!r.get("memwall_model").isEmpty()) {
            spec = catalog.find(r.get("memwall_model")).map(CatalogEntry::spec).orElseThrow(
                    () -> new IllegalArgumentException(where + ": memwall_model '" + r.get("memwall_model")
                            + "' is not in the model catalog"));
        }
        double bandwidth = positive(r.get("bandwidth_bytes_per_second"), "bandwidth_bytes_per_second", where);
        long modelBytes = (long) positive(r.get("model_bytes"), "model_bytes", where);
        long meanContext = (long) positive(r.get("mean_context_tokens"), "mean_context_tokens", where);
        double measured = positive(r.get("measured_tokens_per_second"), "measured_tokens_per_second", where);
        double weights = moe ? activeWeightBytes(modelBytes, spec, r.get("format"), where) : modelBytes;
        double kv = spec == null ? 0 : spec.kvCacheElements(meanContext) * KV.bitsPerWeight() / 8;
        return new DecodeMeasurement(r.get("id"), r.get("runtime").toLowerCase(Locale.ROOT), r.get("device"),
                deviceClass, r.get("memory_type").toUpperCase(Locale.ROOT).startsWith("HBM"), bandwidth, r.get("model"),
                r.get("format"), formatClass, weights, kv, measured, r.get("source"));
    }

    /**
     * Weight bytes one token of a mixture-of-experts model reads: the file less the routed experts it does not reach
     * and less the input embedding table (it reads one row). The experts are taken at the format's bits; the rest of
     * the file at its average width, since the file's per-tensor types are not recorded.
     */
    static double activeWeightBytes(long modelBytes, ModelSpec spec, String format, String where) {
        if (spec == null || spec.moe() == null) {
            throw new IllegalArgumentException(where + ": a moe row needs a memwall_model with routed experts");
        }
        Precision p = Precisions.weight(format).orElseThrow(() -> new IllegalArgumentException(
                where + ": moe rows need a memwall precision for the experts' format, was '" + format + "'"));
        double expertParameters = spec.routedExpertParametersTotal();
        double expertBytes = expertParameters * p.expertBitsPerWeight() / 8;
        double restBytes = modelBytes - expertBytes;
        double restParameters = spec.parameters() - expertParameters;
        if (!(restBytes > 0)) {
            throw new IllegalArgumentException(where + ": model_bytes " + modelBytes + " leave nothing beside "
                    + String.format(Locale.ROOT, "%.0f", expertBytes) + " bytes of routed experts at " + format);
        }
        double inputEmbedding = spec.tiedEmbeddings() ? 0 : (double) spec.vocabSize() * spec.hiddenSize();
        double reached = (double) spec.moe().expertsPerToken() / spec.moe().experts();
        return restBytes * (1 - inputEmbedding / restParameters) + expertBytes * reached;
    }

    private static boolean bool(String v, String what, String where) {
        if (v.equals("true")) {
            return true;
        }
        if (v.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException(where + ": " + what + " must be true or false, was '" + v + "'");
    }

    private static double positive(String v, String what, String where) {
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": " + what + " must be a number, was '" + v + "'", e);
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException(where + ": " + what + " must be > 0, was '" + v + "'");
        }
        return d;
    }
}
