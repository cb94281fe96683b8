package dev.memwall.estimator.safetensors;

import com.fasterxml.jackson.core.JsonToken;
import dev.memwall.estimator.io.InputFiles;
import dev.memwall.estimator.io.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Reads a sharded model through its {@code model.safetensors.index.json} ({@code weight_map}: tensor name to
 * shard file name, {@code metadata.total_size} in bytes), reading every shard's header once and checking that
 * the map and the shards agree tensor for tensor.
 */
public final class SafetensorsIndex {

    private SafetensorsIndex() {
    }

    /** The model, with {@link SafetensorsModel#DEFAULT_BITS} for packed weights. */
    public static SafetensorsModel read(Path indexJson) throws IOException, ModelFormatException {
        return read(indexJson, SafetensorsModel.DEFAULT_BITS);
    }

    /** The model, with {@code bits} (2, 3, 4 or 8) per packed GPTQ/AWQ value. */
    public static SafetensorsModel read(Path indexJson, int bits) throws IOException, ModelFormatException {
        String name = indexJson.toString();
        try (FileChannel ch = InputFiles.open(indexJson, name)) {
            long size = ch.size();
            if (size > Json.MAX_JSON_BYTES) {
                throw new ModelFormatException(name, -1, "index is " + size + " bytes, over the 100 MiB cap");
            }
            // Streamed from the file like a header: the index's bytes are never held whole.
            return read(indexJson, name, new Json(name, 0, new HeaderStream(ch, name, 0, size, "index")), bits);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static SafetensorsModel read(Path indexJson, String name, Json json, int bits)
            throws IOException, ModelFormatException {
        if (json.next("index") != JsonToken.START_OBJECT) {
            throw json.fail(json.tokenOffset(), "index is not a JSON object");
        }
        Map<String, Entry> weightMap = null;
        OptionalLong declared = null;
        List<String> notes = new ArrayList<>();
        while (json.next("index") == JsonToken.FIELD_NAME) {
            String key = json.text();
            long at = json.tokenOffset();
            JsonToken value = json.next("index");
            if (key.equals("weight_map")) {
                if (weightMap != null) {
                    throw json.fail(at, "duplicate key \"weight_map\"");
                }
                weightMap = readWeightMap(json, value, at);
            } else if (key.equals("metadata")) {
                if (declared != null) {
                    throw json.fail(at, "duplicate key \"metadata\"");
                }
                declared = readTotalSize(json, value, at, notes);
            } else {
                json.skip("index");
            }
        }
        if (weightMap == null) {
            throw json.fail(-1, "index has no weight_map");
        }
        if (weightMap.isEmpty()) {
            throw json.fail(-1, "weight_map is empty");
        }
        Path dir = indexJson.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        long tensorCount = 0;
        for (Map.Entry<String, Entry> e : weightMap.entrySet()) {
            String shard = e.getValue().shard();
            if (shards.containsKey(shard)) {
                continue;
            }
            long at = e.getValue().offset();
            String entry = "weight_map entry " + Json.quote(e.getKey()) + ": ";
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.contains("..")
                    || shard.indexOf('\0') >= 0) {
                throw json.fail(at, entry + "shard " + Json.quote(shard)
                        + " must be a file name without a path or \"..\"");
            }
            Path file = dir.resolve(shard);
            if (!Files.exists(file)) {
                throw json.fail(at, entry + "shard " + Json.quote(shard) + " does not exist next to the index");
            }
            SafetensorsFile read = SafetensorsReader.read(file);
            tensorCount += read.tensors().size();
            if (tensorCount > SafetensorsReader.MAX_TENSORS) {
                throw json.fail(at, entry + "the shards read so far hold " + tensorCount + " tensors, more than the "
                        + SafetensorsReader.MAX_TENSORS + " memwall reads from one model");
            }
            shards.put(shard, read);
        }
        for (Map.Entry<String, Entry> e : weightMap.entrySet()) {
            if (shards.get(e.getValue().shard()).tensor(e.getKey()).isEmpty()) {
                throw json.fail(e.getValue().offset(), "weight_map maps tensor " + Json.quote(e.getKey())
                        + " to " + Json.quote(e.getValue().shard()) + ", which does not hold it");
            }
        }
        long held = 0;
        for (SafetensorsFile f : shards.values()) {
            String shard = Json.quote(f.fileName());
            for (SafetensorsTensor t : f.tensors()) {
                Entry listed = weightMap.get(t.name());
                String mapped = listed == null ? null : listed.shard();
                if (mapped == null) {
                    throw json.fail(-1, "shard " + shard + " holds tensor " + Json.quote(t.name())
                            + ", which the weight_map does not list");
                }
                if (!mapped.equals(f.fileName())) {
                    throw json.fail(-1, "shard " + shard + " holds tensor " + Json.quote(t.name())
                            + ", which the weight_map maps to " + Json.quote(mapped));
                }
                try {
                    held = Math.addExact(held, t.byteSize());
                } catch (ArithmeticException overflow) {
                    throw json.fail(-1, "the shards' tensors hold more than 2^63-1 bytes");
                }
            }
        }
        if (declared != null && declared.isPresent() && declared.getAsLong() != held) {
            notes.add("metadata.total_size is " + declared.getAsLong() + " bytes but the shards' tensors hold "
                    + held + " bytes");
        }
        return SafetensorsModel.build(new ArrayList<>(shards.values()), bits,
                declared == null ? OptionalLong.empty() : declared, notes, name);
    }

    /** A weight_map entry: the shard that holds the tensor, and where the entry is in the index (for messages). */
    private record Entry(String shard, long offset) {
    }

    private static Map<String, Entry> readWeightMap(Json json, JsonToken value, long at)
            throws ModelFormatException {
        if (value != JsonToken.START_OBJECT) {
            throw json.fail(at, "weight_map must be an object of tensor name to shard file name");
        }
        Map<String, Entry> map = new LinkedHashMap<>();
        Map<String, String> shardNames = new HashMap<>();
        while (json.next("index") == JsonToken.FIELD_NAME) {
            String tensor = json.text();
            long entryAt = json.tokenOffset();
            if (json.next("index") != JsonToken.VALUE_STRING) {
                throw json.fail(entryAt, "weight_map entry " + Json.quote(tensor) + " must be a shard file name");
            }
            if (map.size() == SafetensorsReader.MAX_TENSORS && !map.containsKey(tensor)) {
                throw json.fail(entryAt, "weight_map holds more than " + SafetensorsReader.MAX_TENSORS
                        + " tensors, the most memwall reads from one model");
            }
            // Thousands of entries name the same few shards: one String per shard.
            String shard = shardNames.computeIfAbsent(json.text(), k -> k);
            if (map.put(tensor, new Entry(shard, entryAt)) != null) {
                throw json.fail(entryAt, "duplicate tensor " + Json.quote(tensor) + " in weight_map");
            }
        }
        return map;
    }

    /** Writers differ in what total_size counts, so an odd one is a note, not an error. */
    private static OptionalLong readTotalSize(Json json, JsonToken value, long at, List<String> notes)
            throws ModelFormatException {
        if (value != JsonToken.START_OBJECT) {
            throw json.fail(at, "metadata must be an object");
        }
        OptionalLong total = OptionalLong.empty();
        while (json.next("index") == JsonToken.FIELD_NAME) {
            String key = json.text();
            JsonToken v = json.next("index");
            if (!key.equals("total_size")) {
                json.skip("index");
                continue;
            }
            Long n = v == JsonToken.VALUE_NUMBER_INT ? json.longValue() : null;
            if (n == null || n < 0) {
                String shown = v == JsonToken.VALUE_STRING ? Json.quote(json.text())
                        : v.isScalarValue() ? json.text() : v == JsonToken.START_ARRAY ? "(an array)" : "(an object)";
                notes.add("metadata.total_size " + shown + " is not a byte count; ignored");
                json.skip("index");
            } else {
                total = OptionalLong.of(n);
            }
        }
        return total;
    }
}
