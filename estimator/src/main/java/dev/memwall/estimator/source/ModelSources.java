package dev.memwall.estimator.source;

import dev.memwall.estimator.catalog.CatalogEntry;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.config.HfConfigReader;
import dev.memwall.estimator.gguf.GgmlType;
import dev.memwall.estimator.gguf.GgufFile;
import dev.memwall.estimator.gguf.GgufReader;
import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.model.ModelSpec;
import dev.memwall.estimator.safetensors.QuantizationScheme;
import dev.memwall.estimator.safetensors.SafetensorsDtype;
import dev.memwall.estimator.safetensors.SafetensorsIndex;
import dev.memwall.estimator.safetensors.SafetensorsModel;
import dev.memwall.estimator.safetensors.SafetensorsReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns a MODEL argument into a {@link LoadedModel}: a path to a config.json, a model folder, a .safetensors file,
 * a model.safetensors.index.json or a .gguf file; otherwise a catalog id. Only headers are read, never weights.
 */
public final class ModelSources {

    static final String CONFIG = "config.json";
    static final String INDEX = "model.safetensors.index.json";

    private ModelSources() {
    }

    /**
     * @throws UnknownModelException  when the argument is neither a file nor a catalog id
     * @throws ModelFormatException   when a file is malformed (the message names the file and the byte)
     */
    public static LoadedModel load(String model, Supplier<ModelCatalog> catalogs)
            throws IOException, ModelFormatException, UnknownModelException {
        Path path = Path.of(model);
        if (Files.exists(path)) {
            return Files.isDirectory(path) ? directory(model, path) : file(model, path);
        }
        ModelCatalog catalog = catalogs.get();
        var entry = catalog.find(model);
        if (entry.isPresent()) {
            CatalogEntry e = entry.get();
            return new LoadedModel(model, "catalog", e.spec(), null, List.of("from the catalog: " + e.source()));
        }
        String lower = model.toLowerCase(Locale.ROOT);
        if (model.contains("/") || lower.endsWith(".gguf") || lower.endsWith(".json") || lower.endsWith(".safetensors")) {
            throw new UnknownModelException("no such file: " + model);
        }
        List<String> near = catalog.suggestions(model);
        throw new UnknownModelException("unknown model '" + model + "': not a file and not a catalog id"
                + (near.isEmpty() ? "" : "; did you mean " + String.join(", ", near) + "?")
                + " ('memwall models' lists the catalog)");
    }

    private static LoadedModel file(String input, Path path) throws IOException, ModelFormatException {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gguf")) {
            return gguf(input, path);
        }
        Path dir = path.toAbsolutePath().getParent();
        if (name.endsWith(".safetensors")) {
            SafetensorsModel weights = SafetensorsModel.of(SafetensorsReader.read(path));
            return withConfig(input, "safetensors", dir, inventory(weights), weights.notes());
        }
        if (name.endsWith(".index.json")) {
            SafetensorsModel weights = SafetensorsIndex.read(path);
            return withConfig(input, "safetensors-index", dir, inventory(weights), weights.notes());
        }
        if (name.endsWith(".json")) {
            return new LoadedModel(input, "config", HfConfigReader.read(path, id(dir)), null, List.of());
        }
        if (GgufReader.hasMagic(path)) {
            // a GGUF under another name (Ollama keeps its models as blobs named by their digest)
            return gguf(input, path);
        }
        throw new ModelFormatException(input, -1, "is not a model file memwall reads (config.json, .safetensors, "
                + "model.safetensors.index.json or .gguf)");
    }

    private static LoadedModel directory(String input, Path dir) throws IOException, ModelFormatException {
        if (Files.exists(dir.resolve(INDEX))) {
            SafetensorsModel weights = SafetensorsIndex.read(dir.resolve(INDEX));
            return withConfig(input, "directory", dir, inventory(weights), weights.notes());
        }
        List<Path> safetensors = list(dir, ".safetensors");
        if (safetensors.size() == 1) {
            SafetensorsModel weights = SafetensorsModel.of(SafetensorsReader.read(safetensors.get(0)));
            return withConfig(input, "directory", dir, inventory(weights), weights.notes());
        }
        if (safetensors.size() > 1) {
            throw new ModelFormatException(dir.toString(), -1, "holds " + safetensors.size()
                    + " .safetensors files but no " + INDEX + " saying how they fit together");
        }
        List<Path> ggufs = list(dir, ".gguf");
        if (ggufs.size() == 1 && !Files.exists(dir.resolve(CONFIG))) {
            return gguf(input, ggufs.get(0));
        }
        if (Files.exists(dir.resolve(CONFIG))) {
            return new LoadedModel(input, "directory", HfConfigReader.read(dir.resolve(CONFIG), id(dir)), null,
                    List.of("no weight files beside config.json: bytes are not known exactly"));
        }
        throw new ModelFormatException(dir.toString(), -1, "holds no " + CONFIG + ", .safetensors or .gguf file");
    }

    private static LoadedModel withConfig(String input, String kind, Path dir, WeightInventory weights,
            List<String> notes) throws IOException, ModelFormatException {
        List<String> all = new ArrayList<>(notes);
        ModelSpec spec = null;
        if (dir != null && Files.exists(dir.resolve(CONFIG))) {
            spec = HfConfigReader.read(dir.resolve(CONFIG), id(dir));
        } else {
            all.add("no config.json beside the weights: the architecture is unknown, only the bytes are");
        }
        return new LoadedModel(input, kind, spec, weights, all);
    }

    private static LoadedModel gguf(String input, Path path) throws IOException, ModelFormatException {
        GgufFile gguf = GgufReader.read(path);
        String id = path.getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
        ModelSpec spec = GgufArchitecture.spec(gguf, path.toString(), id);
        Map<String, Long> bytes = new LinkedHashMap<>();
        Map<String, Long> elements = new LinkedHashMap<>();
        gguf.bytesByType().entrySet().stream()
                .sorted(Map.Entry.<GgmlType, Long>comparingByValue().reversed())
                .forEach(e -> bytes.put(e.getKey().name(), e.getValue()));
        gguf.elementsByType().forEach((t, n) -> elements.put(t.name(), n));
        long parameters = elements.values().stream().mapToLong(Long::longValue).sum();
        WeightInventory weights = new WeightInventory(gguf.totalTensorBytes(), parameters, 0, bytes, elements,
                gguf.tensors().size(), List.of(path.toString()), null, GgufLayout.of(gguf));
        return new LoadedModel(input, "gguf", spec, weights, List.of());
    }

    private static WeightInventory inventory(SafetensorsModel m) {
        Map<String, Long> bytes = new LinkedHashMap<>();
        Map<String, Long> elements = new LinkedHashMap<>();
        m.bytesByDtype().entrySet().stream()
                .sorted(Map.Entry.<SafetensorsDtype, Long>comparingByValue().reversed())
                .forEach(e -> bytes.put(e.getKey().name(), e.getValue()));
        m.elementsByDtype().forEach((t, n) -> elements.put(t.name(), n));
        List<String> files = new ArrayList<>();
        m.shards().forEach(s -> files.add(s.fileName()));
        QuantizationScheme q = m.quantization();
        return new WeightInventory(m.totalBytes(), m.parameterCount(), m.overheadBytes(), bytes, elements,
                m.tensors().size(), files, q == null || q == QuantizationScheme.NONE ? null : q.label());
    }

    private static List<Path> list(Path dir, String suffix) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(suffix) && Files.exists(p)
                        && !Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static String id(Path dir) {
        return dir == null || dir.getFileName() == null ? "model" : dir.getFileName().toString();
    }
}
