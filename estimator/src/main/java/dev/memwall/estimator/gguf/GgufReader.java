package dev.memwall.estimator.gguf;

import dev.memwall.estimator.io.InputFiles;
import dev.memwall.estimator.io.ModelFormatException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the header of a little-endian GGUF file (version 2 or 3): metadata and tensor infos, never tensor data.
 *
 * <p>Every malformed input is a {@link ModelFormatException} naming the byte offset of the bad field. Counts and
 * lengths the file claims are checked against the bytes left before anything sized by them is allocated, so memory
 * grows with the file's real size, not with what it claims.
 */
public final class GgufReader {

    /** Bytes of magic, version, tensor count and metadata count. */
    public static final int HEADER_BYTES = 24;
    /** Longest string read, in bytes. */
    public static final long MAX_STRING_BYTES = 64L << 20;
    /** Deepest array nesting read; an array in an array is depth 2. */
    public static final int MAX_ARRAY_DEPTH = 8;
    /** Largest {@code general.alignment}, in bytes. */
    public static final long MAX_ALIGNMENT = 1L << 20;
    /** {@code general.alignment} when the file has none, in bytes. */
    public static final long DEFAULT_ALIGNMENT = 32;
    public static final int MAX_DIMS = 4;

    private static final byte[] MAGIC = {0x47, 0x47, 0x55, 0x46};
    /** Key length (8) + a non-empty key (1) + value type (4) + the smallest value (1). */
    private static final long MIN_KV_BYTES = 14;
    /** Name length (8) + n_dims (4) + type (4) + offset (8). */
    private static final long MIN_TENSOR_INFO_BYTES = 24;
    private static final String ALIGNMENT_KEY = "general.alignment";

    private final ByteInput in;
    /** Array elements this file may still keep ({@link GgufArray#MAX_KEPT_PER_FILE}). */
    private long keptBudget = GgufArray.MAX_KEPT_PER_FILE;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    private GgufReader(ByteInput in) {
        this.in = in;
    }

    /**
     * Whether the file begins with GGUF's magic (whatever it is named); false where it cannot be read or is not a
     * regular file (a FIFO is never opened: reading one would wait for a writer).
     */
    public static boolean hasMagic(Path file) {
        try (SeekableByteChannel channel = InputFiles.open(file, file.toString())) {
            java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(MAGIC.length);
            while (head.hasRemaining() && channel.read(head) > 0) {
                // a few bytes
            }
            return !head.hasRemaining() && Arrays.equals(head.array(), MAGIC);
        } catch (IOException | ModelFormatException | SecurityException e) {
            return false;
        }
    }

    /** Reads the header of {@code file}; the exception messages name it as given. */
    public static GgufFile read(Path file) throws IOException, ModelFormatException {
        try (SeekableByteChannel channel = InputFiles.open(file, file.toString())) {
            return read(channel, file.toString(), channel.size());
        }
    }

    /** Reads the header of the {@code size}-byte file in {@code channel} from byte 0; messages name it {@code name}. */
    public static GgufFile read(SeekableByteChannel channel, String name, long size)
            throws IOException, ModelFormatException {
        return new GgufReader(new ByteInput(channel, name, size)).read();
    }

    private GgufFile read() throws IOException, ModelFormatException {
        int version = header();
        long tensorCount = count(8, "tensor count", MIN_TENSOR_INFO_BYTES);
        long kvCount = count(16, "metadata count", MIN_KV_BYTES);

        Map<String, Object> metadata = new LinkedHashMap<>();
        long alignment = DEFAULT_ALIGNMENT;
        for (long i = 0; i < kvCount; i++) {
            long keyAt = in.position();
            String key = string("metadata key", true);
            if (key.isEmpty()) {
                throw in.error(keyAt, "empty metadata key");
            }
            if (metadata.containsKey(key)) {
                throw in.error(keyAt, "duplicate metadata key '" + key + "'");
            }
            long typeAt = in.position();
            GgufValueType type = valueType(in.u32("metadata value type"), typeAt, key, "value type");
            long valueAt = in.position();
            Object value = value(type, key, 0, true);
            if (key.equals(ALIGNMENT_KEY)) {
                alignment = alignment(type, value, typeAt, valueAt);
            }
            metadata.put(key, value);
        }

        List<Info> infos = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            infos.add(tensorInfo(names, alignment));
        }
        long dataOffset = alignUp(in.position(), alignment);
        return new GgufFile(version, alignment, dataOffset, in.size(), metadata, tensors(infos, dataOffset));
    }

    private int header() throws IOException, ModelFormatException {
        long size = in.size();
        if (size >= 4) {
            byte[] magic = in.bytes(4, "magic");
            if (!Arrays.equals(magic, MAGIC)) {
                throw in.error(0, "not a GGUF file: magic is " + hex(magic) + ", expected " + hex(MAGIC)
                        + " (\"GGUF\")");
            }
        }
        if (size >= 8) {
            int version = in.u32("version");
            if (version != 2 && version != 3) {
                int swapped = Integer.reverseBytes(version);
                if ((version & 0xffff) == 0 && swapped > 0 && swapped <= 3) {
                    throw in.error(4, "big-endian GGUF file (version " + swapped
                            + " byte-swapped) is not supported; only little-endian files are");
                }
                throw in.error(4, "GGUF version " + Integer.toUnsignedString(version)
                        + " is not supported (only versions 2 and 3)");
            }
            if (size >= HEADER_BYTES) {
                return version;
            }
        }
        throw in.error(0, "file is " + size + " bytes, shorter than the " + HEADER_BYTES + "-byte GGUF header");
    }

    private long count(long at, String what, long minBytesEach) throws IOException, ModelFormatException {
        long count = in.u64(what);
        long left = in.size() - HEADER_BYTES;
        if (count < 0 || count > left / minBytesEach) {
            throw in.error(at, what + " " + Long.toUnsignedString(count) + " exceeds what a " + in.size()
                    + "-byte file can hold");
        }
        return count;
    }

    private GgufValueType valueType(int id, long at, String key, String what) throws ModelFormatException {
        return GgufValueType.byId(id).orElseThrow(() -> in.error(at, "metadata '" + key + "': unknown " + what + " "
                + Integer.toUnsignedString(id)));
    }

    /** Reads a value; returns null when {@code keep} is false (then strings and arrays are skipped, not built). */
    private Object value(GgufValueType type, String key, int depth, boolean keep)
            throws IOException, ModelFormatException {
        String what = "metadata '" + key + "' value";
        switch (type) {
            case UINT8: return (long) in.u8(what);
            case INT8: return (long) (byte) in.u8(what);
            case UINT16: return (long) (in.u16(what) & 0xffff);
            case INT16: return (long) in.u16(what);
            case UINT32: return in.u32(what) & 0xffffffffL;
            case INT32: return (long) in.u32(what);
            case FLOAT32: return (double) Float.intBitsToFloat(in.u32(what));
            case BOOL: return in.u8(what) != 0;
            case UINT64: {
                long v = in.u64(what);
                return v >= 0 ? (Object) v : new BigInteger(Long.toUnsignedString(v));
            }
            case INT64: return in.u64(what);
            case FLOAT64: return Double.longBitsToDouble(in.u64(what));
            case STRING:
                if (keep) {
                    return string("metadata '" + key + "' string", false);
                }
                in.skip(stringLength("metadata '" + key + "' string"), "metadata '" + key + "' string");
                return null;
            case ARRAY: return array(key, depth + 1, keep);
            default: throw new AssertionError(type);
        }
    }

    private GgufArray array(String key, int depth, boolean keep) throws IOException, ModelFormatException {
        if (depth > MAX_ARRAY_DEPTH) {
            throw in.error(in.position(), "metadata '" + key + "': arrays nested deeper than " + MAX_ARRAY_DEPTH
                    + " levels");
        }
        long typeAt = in.position();
        GgufValueType type = valueType(in.u32("metadata '" + key + "' array type"), typeAt, key,
                "array element type");
        long countAt = in.position();
        long count = in.u64("metadata '" + key + "' array count");
        if (count < 0 || count > in.remaining() / type.minBytes()) {
            throw in.error(countAt, "metadata '" + key + "': array of " + Long.toUnsignedString(count) + " " + type
                    + " elements cannot fit in the " + in.remaining() + " bytes left");
        }
        long start = in.position();
        boolean whole = keep && count <= GgufArray.MAX_KEPT_ELEMENTS && count <= keptBudget;
        long kept = whole ? count : keep ? Math.min(Math.min(count, GgufArray.HEAD_ELEMENTS), keptBudget) : 0;
        keptBudget -= kept;
        List<Object> elements = new ArrayList<>((int) kept);
        for (long i = 0; i < kept; i++) {
            elements.add(value(type, key, depth, true));
        }
        if (type != GgufValueType.STRING && type != GgufValueType.ARRAY) {
            in.skip((count - kept) * type.minBytes(), "metadata '" + key + "' array");
        } else {
            for (long i = kept; i < count; i++) {
                value(type, key, depth, false);
            }
        }
        if (!keep) {
            return null;
        }
        List<Object> head = elements.subList(0, (int) Math.min(kept, GgufArray.HEAD_ELEMENTS));
        return new GgufArray(type, count, in.position() - start, whole ? elements : null, head);
    }

    private long stringLength(String what) throws IOException, ModelFormatException {
        long at = in.position();
        long length = in.u64(what + " length");
        if (length < 0 || length > in.remaining()) {
            throw in.error(at, what + " length " + Long.toUnsignedString(length)
                    + " runs past the end of the file (" + in.remaining() + " bytes left)");
        }
        if (length > MAX_STRING_BYTES) {
            throw in.error(at, what + " length " + length + " exceeds the 64 MiB limit");
        }
        return length;
    }

    private String string(String what, boolean strict) throws IOException, ModelFormatException {
        long at = in.position();
        byte[] bytes = in.bytes((int) stringLength(what), what);
        if (!strict) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        try {
            return utf8.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw in.error(at, what + " is not valid UTF-8: " + hex(Arrays.copyOf(bytes,
                    Math.min(bytes.length, 16))) + (bytes.length > 16 ? " ..." : ""));
        }
    }

    private long alignment(GgufValueType type, Object value, long typeAt, long valueAt) throws ModelFormatException {
        if (type != GgufValueType.UINT32) {
            throw in.error(typeAt, ALIGNMENT_KEY + " must be UINT32, was " + type);
        }
        long alignment = (Long) value;
        if (alignment == 0 || alignment > MAX_ALIGNMENT || Long.bitCount(alignment) != 1) {
            throw in.error(valueAt, ALIGNMENT_KEY + " must be a power of two from 1 to " + MAX_ALIGNMENT + ", was "
                    + alignment);
        }
        return alignment;
    }

    /** A tensor info as read, with the offset of its offset field for later errors. */
    private record Info(String name, GgmlType type, long[] shape, long elements, long bytes, long offset,
            long offsetAt) {
    }

    private Info tensorInfo(Set<String> names, long alignment) throws IOException, ModelFormatException {
        long nameAt = in.position();
        String name = string("tensor name", true);
        if (!names.add(name)) {
            throw in.error(nameAt, "duplicate tensor name '" + name + "'");
        }
        String tensor = "tensor '" + name + "'";
        long dimsAt = in.position();
        int nDims = in.u32(tensor + " n_dims");
        if (nDims < 0 || nDims > MAX_DIMS) {
            throw in.error(dimsAt, tensor + ": " + Integer.toUnsignedString(nDims) + " dimensions, at most "
                    + MAX_DIMS + " allowed");
        }
        long[] shape = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long at = in.position();
            shape[d] = in.u64(tensor + " dimension " + d);
            if (shape[d] == 0) {
                throw in.error(at, tensor + ": dimension " + d + " is 0");
            }
            if (shape[d] < 0) {
                throw in.error(at, tensor + ": dimension " + d + " is " + Long.toUnsignedString(shape[d])
                        + ", more than " + Long.MAX_VALUE);
            }
            try {
                elements = Math.multiplyExact(elements, shape[d]);
            } catch (ArithmeticException e) {
                throw in.error(at, tensor + ": shape " + shapeText(shape, d + 1) + " has more than " + Long.MAX_VALUE
                        + " elements");
            }
        }
        long typeAt = in.position();
        int typeId = in.u32(tensor + " type");
        GgmlType type = GgmlType.byId(typeId).orElseThrow(() -> in.error(typeAt, tensor + ": unknown ggml type "
                + Integer.toUnsignedString(typeId)));
        long row = nDims == 0 ? 1 : shape[0];
        if (row % type.blockSize() != 0) {
            // ggml checks the row (ne0), which also makes the element count a multiple of the block size
            throw in.error(typeAt, tensor + ": " + row + " elements per row (ne0) is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        long bytes;
        try {
            bytes = type.bytesFor(elements);
        } catch (ArithmeticException e) {
            throw in.error(typeAt, tensor + ": " + elements + " " + type + " elements take more than "
                    + Long.MAX_VALUE + " bytes");
        }
        long offsetAt = in.position();
        long offset = in.u64(tensor + " offset");
        if (Long.remainderUnsigned(offset, alignment) != 0) {
            throw in.error(offsetAt, tensor + ": offset " + Long.toUnsignedString(offset)
                    + " is not a multiple of the alignment " + alignment);
        }
        return new Info(name, type, shape, elements, bytes, offset, offsetAt);
    }

    private List<GgufTensor> tensors(List<Info> infos, long dataOffset) throws ModelFormatException {
        long dataBytes = in.size() - dataOffset;
        List<GgufTensor> tensors = new ArrayList<>(infos.size());
        for (Info t : infos) {
            if (t.offset < 0 || t.bytes > dataBytes || t.offset > dataBytes - t.bytes) {
                BigInteger start = BigInteger.valueOf(dataOffset).add(new BigInteger(Long.toUnsignedString(t.offset)));
                throw in.error(t.offsetAt, "tensor '" + t.name + "': data [" + start + ", "
                        + start.add(BigInteger.valueOf(t.bytes)) + ") runs past the end of the " + in.size()
                        + "-byte file");
            }
            tensors.add(new GgufTensor(t.name, t.type, t.shape, t.elements, t.bytes, t.offset, dataOffset + t.offset));
        }
        // Sorted by offset, ranges that do not overlap end in order: comparing neighbours is enough.
        List<Info> byOffset = new ArrayList<>(infos);
        byOffset.sort(Comparator.comparingLong(Info::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            Info before = byOffset.get(i - 1);
            Info t = byOffset.get(i);
            if (t.offset < before.offset + before.bytes) {
                throw in.error(t.offsetAt, "tensor '" + t.name + "': data " + range(t, dataOffset)
                        + " overlaps tensor '" + before.name + "' at " + range(before, dataOffset));
            }
        }
        return tensors;
    }

    private static String range(Info t, long dataOffset) {
        return "[" + (dataOffset + t.offset) + ", " + (dataOffset + t.offset + t.bytes) + ")";
    }

    private static String shapeText(long[] shape, int n) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return s.append(n < shape.length ? ", ...]" : "]").toString();
    }

    private static long alignUp(long offset, long alignment) {
        return (offset + alignment - 1) & -alignment;
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            s.append(s.length() == 0 ? "" : " ").append(String.format("0x%02x", b & 0xff));
        }
        return s.toString();
    }
}
