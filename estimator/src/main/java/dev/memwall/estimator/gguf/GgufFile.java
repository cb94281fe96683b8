package dev.memwall.estimator.gguf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of a GGUF file: version, alignment in bytes, data section offset and file size in bytes, metadata in
 * file order, and tensor infos in file order.
 *
 * <p>Metadata values: every integer type is a {@code Long} (unsigned types widened), except a UINT64 above
 * Long.MAX_VALUE, which is kept as a {@code BigInteger} (a file may hold one, and refusing the file for it would be
 * wrong); FLOAT32 and FLOAT64 are {@code Double}; BOOL is {@code Boolean}; STRING is {@code String} (malformed UTF-8
 * in a value is replaced by U+FFFD; keys and tensor names must be valid UTF-8); ARRAY is a {@link GgufArray}, which
 * keeps its elements only when it has at most {@value GgufArray#MAX_KEPT_ELEMENTS} of them, and otherwise its count,
 * byte size and first {@value GgufArray#HEAD_ELEMENTS} elements.
 */
public record GgufFile(int version, long alignment, long dataOffset, long fileSize, Map<String, Object> metadata,
        List<GgufTensor> tensors) {

    private static final Pattern LAYER = Pattern.compile("^blk\\.(\\d{1,9})\\.");

    public GgufFile {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /** The metadata value of {@code key} when it is a string. */
    public Optional<String> string(String key) {
        return metadata.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** The metadata value of {@code key} when it is an integer of any type that fits a long. */
    public OptionalLong integer(String key) {
        return metadata.get(key) instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
    }

    /** The metadata value of {@code key} when it is an array. */
    public Optional<GgufArray> array(String key) {
        return metadata.get(key) instanceof GgufArray a ? Optional.of(a) : Optional.empty();
    }

    /**
     * The metadata value of {@code key} when it is a kept array of integers that fit a long, such as a per-layer
     * {@code <arch>.attention.head_count_kv}; empty for a scalar.
     */
    public Optional<long[]> integerArray(String key) {
        Optional<GgufArray> array = array(key);
        if (array.isEmpty() || !array.get().complete() || !array.get().elementType().isInteger()) {
            return Optional.empty();
        }
        List<Object> elements = array.get().elements();
        long[] values = new long[elements.size()];
        for (int i = 0; i < values.length; i++) {
            if (!(elements.get(i) instanceof Long l)) {
                return Optional.empty();
            }
            values[i] = l;
        }
        return Optional.of(values);
    }

    /** {@code general.architecture}, such as {@code llama}. */
    public Optional<String> architecture() {
        return string("general.architecture");
    }

    /** Bytes of all tensor data. */
    public long totalTensorBytes() {
        long total = 0;
        for (GgufTensor t : tensors) {
            total += t.bytes();
        }
        return total;
    }

    /** Tensor data bytes per ggml type, in type order. */
    public Map<GgmlType, Long> bytesByType() {
        Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
        tensors.forEach(t -> bytes.merge(t.type(), t.bytes(), Long::sum));
        return Collections.unmodifiableMap(bytes);
    }

    /** Tensor elements per ggml type, in type order. */
    public Map<GgmlType, Long> elementsByType() {
        Map<GgmlType, Long> elements = new EnumMap<>(GgmlType.class);
        tensors.forEach(t -> elements.merge(t.type(), t.elements(), Long::sum));
        return Collections.unmodifiableMap(elements);
    }

    /**
     * Tensors by block index, parsed from names {@code blk.N.*}, in index order; tensors outside a block
     * ({@code token_embd.weight}, {@code output.weight}, {@code output_norm.weight}) are under -1.
     */
    public Map<Integer, List<GgufTensor>> tensorsByLayer() {
        Map<Integer, List<GgufTensor>> layers = new TreeMap<>();
        for (GgufTensor t : tensors) {
            layers.computeIfAbsent(layerOf(t.name()), k -> new ArrayList<>()).add(t);
        }
        layers.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableMap(layers);
    }

    /** The block index in a tensor name {@code blk.N.*}, or -1. */
    public static int layerOf(String tensorName) {
        Matcher m = LAYER.matcher(Objects.requireNonNull(tensorName, "tensorName"));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }
}
