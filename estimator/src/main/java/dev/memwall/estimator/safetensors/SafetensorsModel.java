package dev.memwall.estimator.safetensors;

import dev.memwall.estimator.io.ModelFormatException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensors of one safetensors file or of all shards of a sharded model, with exact totals: bytes and elements
 * per dtype, total bytes, and the parameter count with packed quantized weights unpacked and quantization
 * overhead (scales, zeros, absmax, ...) left out.
 *
 * <p>GPTQ/AWQ {@code *.qweight} (I32) holds 32/bits parameters per element, bits from config.json's
 * {@code quantization_config} (default 4); its {@code qzeros}, {@code scales} and {@code g_idx} are overhead.
 * bitsandbytes 4-bit {@code *.weight} (U8 with a {@code *.weight.quant_state.bitsandbytes__nf4} or {@code __fp4})
 * holds two parameters per byte; every {@code *.weight.*} tensor beside it is overhead. bitsandbytes 8-bit
 * {@code *.weight} (I8 with {@code *.SCB}) holds one per byte; {@code SCB} and {@code weight_format} are
 * overhead. Every other tensor counts one parameter per element.
 */
public final class SafetensorsModel {
    /** Bits per packed GPTQ/AWQ value when the config does not say. */
    public static final int DEFAULT_BITS = 4;

    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)(?:layers|h|blocks)\\.(\\d{1,9})(?:\\.|$)");
    private static final String BNB4_STATE = ".quant_state.bitsandbytes__";

    private final List<SafetensorsFile> shards;
    private final int bits;
    private final List<ModelTensor> tensors;
    private final QuantizationScheme quantization;
    private final Map<SafetensorsDtype, Long> bytesByDtype;
    private final Map<SafetensorsDtype, Long> elementsByDtype;
    private final long totalBytes;
    private final long parameterCount;
    private final long parameterBytes;
    private final long overheadBytes;
    private final OptionalLong declaredTotalSize;
    private final List<String> notes;

    private SafetensorsModel(List<SafetensorsFile> shards, int bits, List<ModelTensor> tensors,
            QuantizationScheme quantization, OptionalLong declaredTotalSize, List<String> notes, String source)
            throws ModelFormatException {
        this.shards = List.copyOf(shards);
        this.bits = bits;
        this.tensors = List.copyOf(tensors);
        this.quantization = quantization;
        this.declaredTotalSize = declaredTotalSize;
        this.notes = List.copyOf(notes);
        Map<SafetensorsDtype, Long> bytes = new EnumMap<>(SafetensorsDtype.class);
        Map<SafetensorsDtype, Long> elements = new EnumMap<>(SafetensorsDtype.class);
        long total = 0;
        long params = 0;
        long paramBytes = 0;
        long overhead = 0;
        try {
            for (ModelTensor m : this.tensors) {
                SafetensorsTensor t = m.tensor();
                bytes.merge(t.dtype(), t.byteSize(), Math::addExact);
                elements.merge(t.dtype(), t.elements(), Math::addExact);
                total = Math.addExact(total, t.byteSize());
                params = Math.addExact(params, m.parameters());
                if (m.role() == TensorRole.QUANTIZATION_OVERHEAD) {
                    overhead += t.byteSize();
                } else {
                    paramBytes += t.byteSize();
                }
            }
        } catch (ArithmeticException e) {
            throw new ModelFormatException(source, -1, "the tensors' totals exceed 2^63-1");
        }
        this.bytesByDtype = Collections.unmodifiableMap(bytes);
        this.elementsByDtype = Collections.unmodifiableMap(elements);
        this.totalBytes = total;
        this.parameterCount = params;
        this.parameterBytes = paramBytes;
        this.overheadBytes = overhead;
    }

    /** One file, with {@link #DEFAULT_BITS} for packed weights. */
    public static SafetensorsModel of(SafetensorsFile file) throws ModelFormatException {
        return of(file, DEFAULT_BITS);
    }

    /** One file, with {@code bits} (2, 3, 4 or 8) per packed GPTQ/AWQ value. */
    public static SafetensorsModel of(SafetensorsFile file, int bits) throws ModelFormatException {
        return build(List.of(file), bits, OptionalLong.empty(), List.of(), file.file().toString());
    }

    /** Shards whose tensor names are unique across all of them (the index reader checks that). */
    static SafetensorsModel build(List<SafetensorsFile> shards, int bits, OptionalLong declaredTotalSize,
            List<String> notes, String source) throws ModelFormatException {
        if (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException("bits must be 2, 3, 4 or 8, was " + bits);
        }
        // One shard's own map serves as it is; several are joined (a second map of every tensor).
        Map<String, SafetensorsTensor> byName = shards.size() == 1 ? shards.get(0).byName() : new HashMap<>();
        int count = 0;
        for (SafetensorsFile f : shards) {
            count += f.tensors().size();
            if (shards.size() > 1) {
                for (SafetensorsTensor t : f.tensors()) {
                    if (byName.put(t.name(), t) != null) {
                        throw new IllegalArgumentException("tensor " + t.name() + " is in more than one shard");
                    }
                }
            }
        }
        List<ModelTensor> tensors = new ArrayList<>(count);
        Set<QuantizationScheme> seen = EnumSet.noneOf(QuantizationScheme.class);
        try {
            for (SafetensorsFile f : shards) {
                for (SafetensorsTensor t : f.tensors()) {
                    tensors.add(classify(f.fileName(), t, byName, bits, seen));
                }
            }
        } catch (ArithmeticException e) {
            throw new ModelFormatException(source, -1, "the parameter count exceeds 2^63-1");
        }
        return new SafetensorsModel(shards, bits, tensors, scheme(seen), declaredTotalSize, notes, source);
    }

    private static ModelTensor classify(String shard, SafetensorsTensor t, Map<String, SafetensorsTensor> byName,
            int bits, Set<QuantizationScheme> seen) {
        String name = t.name();
        int layer = layer(name);
        if (name.endsWith(".qweight") && t.dtype() == SafetensorsDtype.I32) {
            String prefix = name.substring(0, name.length() - ".qweight".length());
            seen.add(packedLayout(t, byName.get(prefix + ".scales"), byName.get(prefix + ".g_idx"), bits));
            return new ModelTensor(shard, t, TensorRole.PACKED_PARAMETER, Math.multiplyExact(t.elements(), 32L) / bits,
                    layer);
        }
        for (String suffix : new String[] {".qzeros", ".scales", ".g_idx"}) {
            if (name.endsWith(suffix) && isPacked(byName.get(name.substring(0, name.length() - suffix.length())
                    + ".qweight"))) {
                return new ModelTensor(shard, t, TensorRole.QUANTIZATION_OVERHEAD, 0, layer);
            }
        }
        if (isBnb4(name, t, byName)) {
            seen.add(QuantizationScheme.BITSANDBYTES_4BIT);
            return new ModelTensor(shard, t, TensorRole.PACKED_PARAMETER, Math.multiplyExact(t.elements(), 2L), layer);
        }
        int weightDot = name.lastIndexOf(".weight.");
        if (weightDot >= 0) {
            String weight = name.substring(0, weightDot + ".weight".length());
            if (isBnb4(weight, byName.get(weight), byName)) {
                return new ModelTensor(shard, t, TensorRole.QUANTIZATION_OVERHEAD, 0, layer);
            }
        }
        if (isBnb8(name, t, byName)) {
            seen.add(QuantizationScheme.BITSANDBYTES_8BIT);
            return new ModelTensor(shard, t, TensorRole.PARAMETER, t.elements(), layer);
        }
        for (String suffix : new String[] {".SCB", ".weight_format"}) {
            if (name.endsWith(suffix)) {
                String weight = name.substring(0, name.length() - suffix.length()) + ".weight";
                if (isBnb8(weight, byName.get(weight), byName)) {
                    return new ModelTensor(shard, t, TensorRole.QUANTIZATION_OVERHEAD, 0, layer);
                }
            }
        }
        return new ModelTensor(shard, t, TensorRole.PARAMETER, t.elements(), layer);
    }

    private static boolean isPacked(SafetensorsTensor qweight) {
        return qweight != null && qweight.dtype() == SafetensorsDtype.I32;
    }

    private static boolean isBnb4(String name, SafetensorsTensor t, Map<String, SafetensorsTensor> byName) {
        return t != null && t.dtype() == SafetensorsDtype.U8 && name.endsWith(".weight")
                && (byName.containsKey(name + BNB4_STATE + "nf4") || byName.containsKey(name + BNB4_STATE + "fp4"));
    }

    private static boolean isBnb8(String name, SafetensorsTensor t, Map<String, SafetensorsTensor> byName) {
        return t != null && t.dtype() == SafetensorsDtype.I8 && name.endsWith(".weight")
                && byName.containsKey(name.substring(0, name.length() - ".weight".length()) + ".SCB");
    }

    /**
     * GPTQ packs the input dimension ({@code qweight} [in*bits/32, out], {@code scales} [groups, out], {@code g_idx}
     * [in]); AWQ packs the output dimension ({@code qweight} [in, out*bits/32], {@code scales} [groups, out]).
     */
    private static QuantizationScheme packedLayout(SafetensorsTensor q, SafetensorsTensor scales,
            SafetensorsTensor gIdx, int bits) {
        if (q.rank() == 2 && scales != null && scales.rank() == 2 && scales.dimension(1) > 0) {
            long out = scales.dimension(1);
            if (q.dimension(1) == out) {
                return QuantizationScheme.GPTQ;
            }
            if (sameProduct(q.dimension(1), 32, out, bits)) {
                return QuantizationScheme.AWQ;
            }
        }
        if (q.rank() == 2 && gIdx != null && gIdx.rank() == 1 && gIdx.dimension(0) > 0) {
            long in = gIdx.dimension(0);
            if (sameProduct(q.dimension(0), 32, in, bits)) {
                return QuantizationScheme.GPTQ;
            }
            if (q.dimension(0) == in) {
                return QuantizationScheme.AWQ;
            }
        }
        return QuantizationScheme.GPTQ_OR_AWQ;
    }

    /** a * x == b * y for non-negative operands, in 128 bits. */
    private static boolean sameProduct(long a, long x, long b, long y) {
        return a * x == b * y && Math.multiplyHigh(a, x) == Math.multiplyHigh(b, y);
    }

    private static QuantizationScheme scheme(Set<QuantizationScheme> seen) {
        if (seen.isEmpty()) {
            return QuantizationScheme.NONE;
        }
        Set<QuantizationScheme> packed = EnumSet.of(QuantizationScheme.GPTQ, QuantizationScheme.AWQ,
                QuantizationScheme.GPTQ_OR_AWQ);
        if (packed.containsAll(seen)) {
            if (seen.contains(QuantizationScheme.GPTQ) && seen.contains(QuantizationScheme.AWQ)) {
                return QuantizationScheme.MIXED;
            }
            return seen.contains(QuantizationScheme.GPTQ) ? QuantizationScheme.GPTQ
                    : seen.contains(QuantizationScheme.AWQ) ? QuantizationScheme.AWQ : QuantizationScheme.GPTQ_OR_AWQ;
        }
        return seen.size() == 1 ? seen.iterator().next() : QuantizationScheme.MIXED;
    }

    /**
     * The layer index in names such as {@code model.layers.12.self_attn.q_proj.weight}, {@code transformer.h.3.},
     * {@code model.language_model.layers.7.} or {@code blocks.2.}; -1 for tensors outside numbered layers.
     */
    public static int layer(String tensorName) {
        Matcher m = LAYER.matcher(tensorName);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The shard files, in the order the index first names them (one for a single file). */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    /** Bits per packed GPTQ/AWQ value used for the parameter count. */
    public int bits() {
        return bits;
    }

    /** Every tensor, shard by shard in header order. */
    public List<ModelTensor> tensors() {
        return tensors;
    }

    public QuantizationScheme quantization() {
        return quantization;
    }

    /** Stored bytes per dtype; dtypes without tensors are absent. */
    public Map<SafetensorsDtype, Long> bytesByDtype() {
        return bytesByDtype;
    }

    /** Stored elements per dtype (packed words, not unpacked values); dtypes without tensors are absent. */
    public Map<SafetensorsDtype, Long> elementsByDtype() {
        return elementsByDtype;
    }

    /** Bytes of all tensors, excluding headers and gaps. */
    public long totalBytes() {
        return totalBytes;
    }

    /** Parameters, packed weights unpacked, quantization overhead excluded. */
    public long parameterCount() {
        return parameterCount;
    }

    /** Bytes of the tensors that hold parameters (plain and packed). */
    public long parameterBytes() {
        return parameterBytes;
    }

    /** Bytes of quantization overhead: scales, zeros, g_idx, absmax, quant maps and states, SCB. */
    public long overheadBytes() {
        return overheadBytes;
    }

    /** Tensors by layer index, ascending; -1 (first) holds those outside numbered layers. */
    public SortedMap<Integer, List<ModelTensor>> tensorsByLayer() {
        SortedMap<Integer, List<ModelTensor>> layers = new TreeMap<>();
        for (ModelTensor t : tensors) {
            layers.computeIfAbsent(t.layer(), k -> new ArrayList<>()).add(t);
        }
        layers.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableSortedMap(layers);
    }

    /** {@code metadata.total_size} of the index in bytes, when it gave one. */
    public OptionalLong declaredTotalSize() {
        return declaredTotalSize;
    }

    /** Things worth saying that are not errors, such as an index total that differs from the tensors' bytes. */
    public List<String> notes() {
        return notes;
    }
}
