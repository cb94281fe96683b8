package dev.memwall.estimator.gguf;

import dev.memwall.estimator.io.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds GGUF files (v2 or v3, little-endian) in memory for tests: metadata of all 13 value types, nested and long
 * arrays, tensor infos, alignment padding and tensor data of the exact size (a byte pattern). Raw methods and
 * overrides write what a valid file never holds, and {@link Written} records where each field lies so a test can
 * corrupt it afterwards.
 */
public final class GgufWriter {

    /** An array value: its element type and elements (Long, Double, Boolean, String, BigInteger or Arr). */
    public record Arr(GgufValueType elementType, List<?> values) {
    }

    /** Bytes written verbatim in place of a value. */
    public record Raw(byte[] bytes) {
    }

    private record Kv(byte[] key, int type, Object value) {
    }

    private record TensorSpec(byte[] name, int nDims, long[] dims, int type, Long offset) {
    }

    private int version = 3;
    private long alignment = GgufReader.DEFAULT_ALIGNMENT;
    private final List<Kv> kvs = new ArrayList<>();
    private final List<TensorSpec> tensors = new ArrayList<>();
    private Long tensorCount;
    private Long kvCount;
    private Long dataBytes;

    public static Arr array(GgufValueType elementType, Object... values) {
        return new Arr(elementType, Arrays.asList(values));
    }

    public GgufWriter version(int version) {
        this.version = version;
        return this;
    }

    /** Writes {@code general.alignment} (UINT32) and pads to it. */
    public GgufWriter alignment(long alignment) {
        this.alignment = alignment;
        return kv("general.alignment", GgufValueType.UINT32, alignment);
    }

    public GgufWriter kv(String key, GgufValueType type, Object value) {
        return kvRaw(key.getBytes(StandardCharsets.UTF_8), type.id(), value);
    }

    /** A pair with any key bytes and type id; a value of an unknown type must be {@link Raw}. */
    public GgufWriter kvRaw(byte[] key, int typeId, Object value) {
        kvs.add(new Kv(key, typeId, value));
        return this;
    }

    /** A tensor placed after the previous ones at the next aligned offset. */
    public GgufWriter tensor(String name, GgmlType type, long... shape) {
        return tensorRaw(name.getBytes(StandardCharsets.UTF_8), shape.length, shape, type.id(), null);
    }

    public GgufWriter tensorAt(String name, GgmlType type, long offset, long... shape) {
        return tensorRaw(name.getBytes(StandardCharsets.UTF_8), shape.length, shape, type.id(), offset);
    }

    /** A tensor info with any fields: {@code nDims} is written as given, then every value of {@code dims}. */
    public GgufWriter tensorRaw(byte[] name, int nDims, long[] dims, int typeId, Long offset) {
        tensors.add(new TensorSpec(name, nDims, dims.clone(), typeId, offset));
        return this;
    }

    public GgufWriter tensorCount(long count) {
        tensorCount = count;
        return this;
    }

    public GgufWriter kvCount(long count) {
        kvCount = count;
        return this;
    }

    /** Size of the data section in bytes, instead of the aligned end of the last tensor. */
    public GgufWriter dataBytes(long bytes) {
        dataBytes = bytes;
        return this;
    }

    public Written write() {
        Out out = new Out();
        out.bytes(new byte[] {'G', 'G', 'U', 'F'});
        out.u32(version);
        out.field("tensor_count").u64(tensorCount != null ? tensorCount : tensors.size());
        out.field("kv_count").u64(kvCount != null ? kvCount : kvs.size());
        for (Kv kv : kvs) {
            String key = "kv:" + new String(kv.key, StandardCharsets.UTF_8);
            out.field(key).string(kv.key);
            out.field(key + ":type").u32(kv.type);
            out.field(key + ":value").value(kv.type, kv.value, key);
        }
        long next = 0;
        long end = 0;
        for (TensorSpec t : tensors) {
            String name = "tensor:" + new String(t.name, StandardCharsets.UTF_8);
            out.field(name).string(t.name);
            out.field(name + ":n_dims").u32(t.nDims);
            for (int d = 0; d < t.dims.length; d++) {
                out.field(name + ":dim" + d).u64(t.dims[d]);
            }
            out.field(name + ":type").u32(t.type);
            long bytes = bytes(t);
            long offset = t.offset != null ? t.offset : alignUp(next, alignment);
            out.field(name + ":offset").u64(offset);
            next = offset + bytes;
            end = Math.max(end, next);
        }
        out.pad(alignment);
        out.field("data");
        long data = dataBytes != null ? dataBytes : alignUp(end, alignment);
        for (long i = 0; i < data; i++) {
            out.u8((int) (i * 31 + 7));
        }
        return new Written(out.buffer.toByteArray(), out.at, out.u64Fields);
    }

    /** Data bytes of a tensor, or 0 for a hostile one whose size is not defined. */
    private static long bytes(TensorSpec t) {
        try {
            long n = 1;
            for (long d : t.dims) {
                n = Math.multiplyExact(n, d);
            }
            long elements = n;
            return GgmlType.byId(t.type).map(type -> type.bytesFor(elements)).orElse(0L);
        } catch (ArithmeticException | IllegalArgumentException e) {
            return 0;
        }
    }

    private static long alignUp(long offset, long alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    /** A written file: its bytes, the offset of each named field, and the offsets of every u64 count or length. */
    public record Written(byte[] bytes, Map<String, Long> at, List<Long> u64Fields) {

        long at(String field) {
            Long offset = at.get(field);
            if (offset == null) {
                throw new IllegalArgumentException("no field " + field + " in " + at.keySet());
            }
            return offset;
        }

        Written withU64(String field, long value) {
            return withU64At(at(field), value);
        }

        Written withU64At(long offset, long value) {
            byte[] copy = bytes.clone();
            for (int i = 0; i < 8; i++) {
                copy[(int) offset + i] = (byte) (value >>> (8 * i));
            }
            return new Written(copy, at, u64Fields);
        }

        Written withU32(String field, int value) {
            byte[] copy = bytes.clone();
            for (int i = 0; i < 4; i++) {
                copy[(int) at(field) + i] = (byte) (value >>> (8 * i));
            }
            return new Written(copy, at, u64Fields);
        }

        Written truncated(int length) {
            return new Written(Arrays.copyOf(bytes, length), at, u64Fields);
        }

        int size() {
            return bytes.length;
        }

        GgufFile read() throws IOException, ModelFormatException {
            return GgufReader.read(new BytesChannel(bytes), "test.gguf", bytes.length);
        }

        Path writeTo(Path file) throws IOException {
            return Files.write(file, bytes);
        }
    }

    /** Little-endian output that remembers field offsets. */
    private static final class Out {
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        final Map<String, Long> at = new LinkedHashMap<>();
        final List<Long> u64Fields = new ArrayList<>();

        /** Records where the field starts; a repeated name gets "#2", "#3"... */
        Out field(String name) {
            String unique = name;
            for (int n = 2; at.containsKey(unique); n++) {
                unique = name + "#" + n;
            }
            at.put(unique, (long) buffer.size());
            return this;
        }

        void u8(int v) {
            buffer.write(v);
        }

        void u16(int v) {
            u8(v);
            u8(v >>> 8);
        }

        void u32(int v) {
            u16(v);
            u16(v >>> 16);
        }

        void u64(long v) {
            u64Fields.add((long) buffer.size());
            u32((int) v);
            u32((int) (v >>> 32));
        }

        void bytes(byte[] b) {
            buffer.writeBytes(b);
        }

        void string(byte[] b) {
            u64(b.length);
            bytes(b);
        }

        void pad(long alignment) {
            while (buffer.size() % alignment != 0) {
                u8(0);
            }
        }

        void value(int type, Object v, String field) {
            if (v instanceof Raw raw) {
                bytes(raw.bytes);
                return;
            }
            switch (GgufValueType.byId(type).orElseThrow(() -> new IllegalArgumentException(
                    "type " + type + " needs a Raw value"))) {
                case UINT8, INT8 -> u8(((Number) v).intValue());
                case UINT16, INT16 -> u16(((Number) v).intValue());
                case UINT32, INT32 -> u32((int) ((Number) v).longValue());
                case FLOAT32 -> u32(Float.floatToRawIntBits(((Number) v).floatValue()));
                case BOOL -> u8((Boolean) v ? 1 : 0);
                case STRING -> string(v instanceof byte[] b ? b : ((String) v).getBytes(StandardCharsets.UTF_8));
                case UINT64, INT64 -> u64(v instanceof BigInteger b ? b.longValue() : ((Number) v).longValue());
                case FLOAT64 -> u64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
                case ARRAY -> {
                    Arr arr = (Arr) v;
                    field(field + ":element_type").u32(arr.elementType.id());
                    field(field + ":count").u64(arr.values.size());
                    for (Object element : arr.values) {
                        value(arr.elementType.id(), element, field + "[]");
                    }
                }
                default -> throw new AssertionError(type);
            }
        }
    }
}
