package dev.memwall.estimator.gguf;

import static dev.memwall.estimator.gguf.GgufValueType.ARRAY;
import static dev.memwall.estimator.gguf.GgufValueType.INT32;
import static dev.memwall.estimator.gguf.GgufValueType.STRING;
import static dev.memwall.estimator.gguf.GgufValueType.UINT32;
import static dev.memwall.estimator.gguf.GgufValueType.UINT8;
import static dev.memwall.estimator.gguf.GgufWriter.array;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.memwall.estimator.gguf.GgufWriter.Raw;
import dev.memwall.estimator.gguf.GgufWriter.Written;
import dev.memwall.estimator.io.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of malformed GGUF header, each with the exact message the reader gives. */
class GgufHostileTest {

    private static final String MAX_LONG = "9223372036854775807";
    private static final String MAX_U64 = "18446744073709551615";

    @ParameterizedTest(name = "{0}")
    @MethodSource({"header", "counts", "strings", "arrays", "keys", "alignment", "tensorShapes", "tensorData",
        "truncations"})
    void rejectsWithExactMessage(String name, byte[] file, String message) {
        assertThatThrownBy(() -> GgufReader.read(new BytesChannel(file), "test.gguf", file.length))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(message);
    }

    static Stream<Arguments> header() {
        byte[] valid = base().write().bytes();
        return Stream.of(
                bad("empty file", new byte[0], 0, "file is 0 bytes, shorter than the 24-byte GGUF header"),
                bad("three bytes", bytes(0x47, 0x47, 0x55), 0,
                        "file is 3 bytes, shorter than the 24-byte GGUF header"),
                bad("magic and version only", java.util.Arrays.copyOf(valid, 12), 0,
                        "file is 12 bytes, shorter than the 24-byte GGUF header"),
                bad("ELF file", patch(valid, 0, 0x7f, 0x45, 0x4c, 0x46), 0,
                        "not a GGUF file: magic is 0x7f 0x45 0x4c 0x46, expected 0x47 0x47 0x55 0x46 (\"GGUF\")"),
                bad("short non-GGUF file", bytes('g', 'g', 'u', 'f', 3), 0,
                        "not a GGUF file: magic is 0x67 0x67 0x75 0x66, expected 0x47 0x47 0x55 0x46 (\"GGUF\")"),
                bad("version 1", patch(valid, 4, 1, 0, 0, 0), 4,
                        "GGUF version 1 is not supported (only versions 2 and 3)"),
                bad("version 1 in 8 bytes", bytes(0x47, 0x47, 0x55, 0x46, 1, 0, 0, 0), 4,
                        "GGUF version 1 is not supported (only versions 2 and 3)"),
                bad("version 0", patch(valid, 4, 0, 0, 0, 0), 4,
                        "GGUF version 0 is not supported (only versions 2 and 3)"),
                bad("version 4", patch(valid, 4, 4, 0, 0, 0), 4,
                        "GGUF version 4 is not supported (only versions 2 and 3)"),
                bad("version u32 max", patch(valid, 4, 0xff, 0xff, 0xff, 0xff), 4,
                        "GGUF version 4294967295 is not supported (only versions 2 and 3)"),
                bad("big-endian version 3", patch(valid, 4, 0, 0, 0, 3), 4,
                        "big-endian GGUF file (version 3 byte-swapped) is not supported; only little-endian"
                                + " files are"),
                bad("big-endian version 2", patch(valid, 4, 0, 0, 0, 2), 4,
                        "big-endian GGUF file (version 2 byte-swapped) is not supported; only little-endian"
                                + " files are"));
    }

    static Stream<Arguments> counts() {
        Written w = base().write();
        long size = w.size();
        Written headerOnly = new GgufWriter().write();
        return Stream.of(
                bad("tensor count 9999999999", w.withU64("tensor_count", 9_999_999_999L), 8,
                        "tensor count 9999999999 exceeds what a " + size + "-byte file can hold"),
                bad("tensor count u64 max", w.withU64("tensor_count", -1), 8,
                        "tensor count " + MAX_U64 + " exceeds what a " + size + "-byte file can hold"),
                // 8 bytes after the header hold no 24-byte tensor info
                bad("one tensor in an empty file", headerOnly.withU64("tensor_count", 1), 8,
                        "tensor count 1 exceeds what a 32-byte file can hold"),
                bad("metadata count 2^40", w.withU64("kv_count", 1L << 40), 16,
                        "metadata count 1099511627776 exceeds what a " + size + "-byte file can hold"),
                bad("metadata count u64 max", w.withU64("kv_count", -1), 16,
                        "metadata count " + MAX_U64 + " exceeds what a " + size + "-byte file can hold"),
                // 8 bytes after the header hold no 14-byte pair
                bad("one pair in an empty file", headerOnly.withU64("kv_count", 1), 16,
                        "metadata count 1 exceeds what a 32-byte file can hold"));
    }

    static Stream<Arguments> strings() {
        Written w = base().write();
        long keyAt = w.at("kv:general.architecture");
        long valueAt = w.at("kv:general.architecture:value");
        long nameAt = w.at("tensor:w");
        return Stream.of(
                bad("key length past the end", w.withU64At(keyAt, 5000), keyAt,
                        "metadata key length 5000 runs past the end of the file (" + (w.size() - keyAt - 8)
                                + " bytes left)"),
                bad("key length u64 max", w.withU64At(keyAt, -1), keyAt,
                        "metadata key length " + MAX_U64 + " runs past the end of the file ("
                                + (w.size() - keyAt - 8) + " bytes left)"),
                bad("string value length past the end", w.withU64At(valueAt, 1L << 32), valueAt,
                        "metadata 'general.architecture' string length 4294967296 runs past the end of the file ("
                                + (w.size() - valueAt - 8) + " bytes left)"),
                bad("tensor name length past the end", w.withU64At(nameAt, w.size()), nameAt,
                        "tensor name length " + w.size() + " runs past the end of the file ("
                                + (w.size() - nameAt - 8) + " bytes left)"));
    }

    @Test
    void rejectsStringsOverSixtyFourMebibytesThatTheFileHolds() {
        // The channel reads zeros past the written bytes: a 100 MiB file without the memory.
        Written w = new GgufWriter().kv("k", UINT8, 1L).write();
        byte[] bytes = w.withU64("kv:k", (64L << 20) + 1).bytes();

        assertThatThrownBy(() -> GgufReader.read(new BytesChannel(bytes, 100L << 20), "big.gguf", 100L << 20))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage("big.gguf: byte 24: metadata key length 67108865 exceeds the 64 MiB limit");
    }

    static Stream<Arguments> arrays() {
        Written ints = base().kv("ids", ARRAY, array(UINT32, 1L, 2L, 3L)).write();
        long countAt = ints.at("kv:ids:count");
        long left = ints.size() - countAt - 8;
        Written strings = base().kv("tokens", ARRAY, array(STRING, "a", "b")).write();
        long stringsCountAt = strings.at("kv:tokens:count");
        Object deep = array(UINT8, 7L);
        for (int depth = 2; depth <= GgufReader.MAX_ARRAY_DEPTH + 1; depth++) {
            deep = array(ARRAY, deep);
        }
        Written nested = base().kv("deep", ARRAY, deep).write();
        Written unknownType = base().kvRaw(utf8("odd"), 13, new Raw(bytes(1))).write();
        Written unknownElement = base().kv("odd", ARRAY, new Raw(le(99, 0L))).write();
        Written nestedUnknown = base().kv("odd", ARRAY, new Raw(le(GgufValueType.ARRAY.id(), 1L, 77))).write();
        return Stream.of(
                bad("UINT32 array count past the end", ints.withU64At(countAt, 1_000_000), countAt,
                        "metadata 'ids': array of 1000000 UINT32 elements cannot fit in the " + left + " bytes left"),
                // one element more than the bytes left could hold
                bad("UINT32 array count one past", ints.withU64At(countAt, left / 4 + 1), countAt,
                        "metadata 'ids': array of " + (left / 4 + 1) + " UINT32 elements cannot fit in the " + left
                                + " bytes left"),
                bad("STRING array count u64 max", strings.withU64At(stringsCountAt, -1), stringsCountAt,
                        "metadata 'tokens': array of " + MAX_U64 + " STRING elements cannot fit in the "
                                + (strings.size() - stringsCountAt - 8) + " bytes left"),
                bad("arrays nested nine deep", nested.bytes(), nested.at("kv:deep:value") + 8 * 12,
                        "metadata 'deep': arrays nested deeper than 8 levels"),
                bad("unknown value type", unknownType.bytes(), unknownType.at("kv:odd:type"),
                        "metadata 'odd': unknown value type 13"),
                bad("unknown value type u32 max", unknownType.withU32("kv:odd:type", -1).bytes(),
                        unknownType.at("kv:odd:type"), "metadata 'odd': unknown value type 4294967295"),
                bad("unknown array element type", unknownElement.bytes(), unknownElement.at("kv:odd:value"),
                        "metadata 'odd': unknown array element type 99"),
                bad("unknown element type in a nested array", nestedUnknown.bytes(),
                        nestedUnknown.at("kv:odd:value") + 12, "metadata 'odd': unknown array element type 77"));
    }

    static Stream<Arguments> keys() {
        // Each pair: 8-byte length, the 1-byte key "a", 4-byte type, 1-byte value: the second starts at 24 + 14.
        Written twice = new GgufWriter().kv("a", UINT8, 1L).kv("a", UINT8, 2L).write();
        Written empty = new GgufWriter().kv("", UINT8, 1L).write();
        Written badKey = new GgufWriter().kvRaw(bytes('k', 0xff, 'y'), UINT8.id(), 1L).write();
        Written surrogate = new GgufWriter().kvRaw(bytes(0xed, 0xa0, 0x80), UINT8.id(), 1L).write();
        Written badName = base().tensorRaw(bytes('w', 0xc3), 1, new long[] {32}, GgmlType.F32.id(), 256L).write();
        Written longBadName = base().tensorRaw(bytes(
                'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 0x80),
                1, new long[] {32}, GgmlType.F32.id(), 256L).write();
        Written twoW = base().tensor("w", GgmlType.F32, 32).write();
        return Stream.of(
                bad("duplicate metadata key", twice.bytes(), 38, "duplicate metadata key 'a'"),
                bad("empty metadata key", empty.bytes(), 24, "empty metadata key"),
                bad("key not UTF-8", badKey.bytes(), 24, "metadata key is not valid UTF-8: 0x6b 0xff 0x79"),
                bad("key with a UTF-8 surrogate", surrogate.bytes(), 24,
                        "metadata key is not valid UTF-8: 0xed 0xa0 0x80"),
                bad("tensor name cut inside a UTF-8 sequence", badName.bytes(), badName.at("tensor:w\ufffd"),
                        "tensor name is not valid UTF-8: 0x77 0xc3"),
                bad("long tensor name not UTF-8", longBadName.bytes(), longBadName.at("tensor:abcdefghijklmnop\ufffd"),
                        "tensor name is not valid UTF-8: 0x61 0x62 0x63 0x64 0x65 0x66 0x67 0x68 0x69 0x6a 0x6b 0x6c"
                                + " 0x6d 0x6e 0x6f 0x70 ..."),
                bad("duplicate tensor name", twoW.bytes(), twoW.at("tensor:w#2"), "duplicate tensor name 'w'"));
    }

    static Stream<Arguments> alignment() {
        return Stream.of(
                badAlignment(UINT32, 48L, ":value",
                        "general.alignment must be a power of two from 1 to 1048576, was 48"),
                badAlignment(UINT32, 0L, ":value", "general.alignment must be a power of two from 1 to 1048576, was 0"),
                badAlignment(UINT32, 2L << 20, ":value",
                        "general.alignment must be a power of two from 1 to 1048576, was 2097152"),
                badAlignment(UINT32, 4294967295L, ":value",
                        "general.alignment must be a power of two from 1 to 1048576, was 4294967295"),
                badAlignment(INT32, 32L, ":type", "general.alignment must be UINT32, was INT32"),
                badAlignment(GgufValueType.UINT64, 32L, ":type", "general.alignment must be UINT32, was UINT64"),
                badAlignment(STRING, "32", ":type", "general.alignment must be UINT32, was STRING"));
    }

    static Stream<Arguments> tensorShapes() {
        Written fiveDims = base().tensorRaw(utf8("x"), 5, new long[] {32, 1, 1, 1, 1}, 0, 256L).write();
        Written u32Dims = base().tensorRaw(utf8("x"), -1, new long[] {}, 0, 256L).write();
        Written zero = base().tensorRaw(utf8("x"), 2, new long[] {64, 0}, 0, 256L).write();
        Written huge = base().tensorRaw(utf8("x"), 1, new long[] {-1}, 0, 256L).write();
        Written overflow = base().tensorRaw(utf8("x"), 2, new long[] {1L << 32, 1L << 32}, 0, 256L).write();
        Written overflow4 = base().tensorRaw(utf8("x"), 4, new long[] {1L << 20, 1L << 20, 1L << 30, 2}, 0, 256L)
                .write();
        Written q4 = base().tensorRaw(utf8("x"), 2, new long[] {48, 2}, GgmlType.Q4_0.id(), 256L).write();
        Written q4k = base().tensorRaw(utf8("x"), 2, new long[] {128, 4}, GgmlType.Q4_K.id(), 256L).write();
        Written tooBig = base().tensorRaw(utf8("x"), 2, new long[] {1L << 31, 1L << 31}, GgmlType.F64.id(), 256L)
                .write();
        return Stream.of(
                bad("five dimensions", fiveDims.bytes(), fiveDims.at("tensor:x:n_dims"),
                        "tensor 'x': 5 dimensions, at most 4 allowed"),
                bad("u32 max dimensions", u32Dims.bytes(), u32Dims.at("tensor:x:n_dims"),
                        "tensor 'x': 4294967295 dimensions, at most 4 allowed"),
                bad("dimension of 0", zero.bytes(), zero.at("tensor:x:dim1"), "tensor 'x': dimension 1 is 0"),
                bad("dimension past a long", huge.bytes(), huge.at("tensor:x:dim0"),
                        "tensor 'x': dimension 0 is " + MAX_U64 + ", more than " + MAX_LONG),
                bad("2^64 elements", overflow.bytes(), overflow.at("tensor:x:dim1"),
                        "tensor 'x': shape [4294967296, 4294967296] has more than " + MAX_LONG + " elements"),
                bad("2^71 elements in four dimensions", overflow4.bytes(), overflow4.at("tensor:x:dim2"),
                        "tensor 'x': shape [1048576, 1048576, 1073741824, ...] has more than " + MAX_LONG
                                + " elements"),
                bad("removed ggml type 4", base().tensorRaw(utf8("x"), 1, new long[] {32}, 4, 256L).write(),
                        "tensor:x:type", "tensor 'x': unknown ggml type 4"),
                bad("removed ggml type 31", base().tensorRaw(utf8("x"), 1, new long[] {32}, 31, 256L).write(),
                        "tensor:x:type", "tensor 'x': unknown ggml type 31"),
                bad("ggml type 40", base().tensorRaw(utf8("x"), 1, new long[] {32}, 40, 256L).write(),
                        "tensor:x:type", "tensor 'x': unknown ggml type 40"),
                bad("ggml type u32 max", base().tensorRaw(utf8("x"), 1, new long[] {32}, -1, 256L).write(),
                        "tensor:x:type", "tensor 'x': unknown ggml type 4294967295"),
                bad("Q4_0 row of 48", q4.bytes(), q4.at("tensor:x:type"),
                        "tensor 'x': 48 elements per row (ne0) is not a multiple of the Q4_0 block size 32"),
                // 512 elements are two Q4_K blocks, but a row of 128 is half a block
                bad("Q4_K row of 128", q4k.bytes(), q4k.at("tensor:x:type"),
                        "tensor 'x': 128 elements per row (ne0) is not a multiple of the Q4_K block size 256"),
                bad("2^62 F64 elements", tooBig.bytes(), tooBig.at("tensor:x:type"),
                        "tensor 'x': 4611686018427387904 F64 elements take more than " + MAX_LONG + " bytes"));
    }

    static Stream<Arguments> tensorData() {
        Written w = base().write();
        long data = w.at("data");
        Written unaligned = w.withU64("tensor:w:offset", 16);
        Written short100 = base().dataBytes(100).write();
        Written two = base().tensorAt("v", GgmlType.F32, 256, 64).write();
        Written same = base().tensorAt("v", GgmlType.F16, 0, 32).write();
        // 'b' is listed first but lies inside 'a': sorted by offset, 'b' is the one reported.
        Written inside = new GgufWriter().tensorAt("b", GgmlType.F32, 64, 32).tensorAt("a", GgmlType.F32, 0, 256)
                .write();
        long insideData = inside.at("data");
        return Stream.of(
                bad("offset not aligned", unaligned, "tensor:w:offset",
                        "tensor 'w': offset 16 is not a multiple of the alignment 32"),
                bad("offset u64 max", w.withU64("tensor:w:offset", -1), "tensor:w:offset",
                        "tensor 'w': offset " + MAX_U64 + " is not a multiple of the alignment 32"),
                bad("data past the end", short100, "tensor:w:offset", "tensor 'w': data [" + data + ", "
                        + (data + 256) + ") runs past the end of the " + short100.size() + "-byte file"),
                bad("data 32 bytes on", w.withU64("tensor:w:offset", 32), "tensor:w:offset", "tensor 'w': data ["
                        + (data + 32) + ", " + (data + 288) + ") runs past the end of the " + w.size() + "-byte file"),
                bad("offset 2^63", w.withU64("tensor:w:offset", Long.MIN_VALUE), "tensor:w:offset",
                        "tensor 'w': data [" + (data + "+9223372036854775808").transform(GgufHostileTest::sum) + ", "
                                + (data + "+9223372036854776064").transform(GgufHostileTest::sum)
                                + ") runs past the end of the " + w.size() + "-byte file"),
                bad("overlapping tensors", two.withU64("tensor:v:offset", 224), "tensor:v:offset",
                        "tensor 'v': data [" + (two.at("data") + 224) + ", " + (two.at("data") + 480)
                                + ") overlaps tensor 'w' at [" + two.at("data") + ", " + (two.at("data") + 256) + ")"),
                bad("two tensors at one offset", same, "tensor:v:offset", "tensor 'v': data [" + same.at("data")
                        + ", " + (same.at("data") + 64) + ") overlaps tensor 'w' at [" + same.at("data") + ", "
                        + (same.at("data") + 256) + ")"),
                bad("tensor inside another", inside, "tensor:b:offset", "tensor 'b': data [" + (insideData + 64)
                        + ", " + (insideData + 192) + ") overlaps tensor 'a' at [" + insideData + ", "
                        + (insideData + 1024) + ")"));
    }

    static Stream<Arguments> truncations() {
        Written w = base().write();
        long offsetAt = w.at("tensor:w:offset");
        long typeAt = w.at("kv:general.architecture:type");
        // 24 + 8 + 1 + 4 + 8 + 40 = 85: where the second key starts
        Written two = new GgufWriter().kv("a", STRING, "x".repeat(40)).kv("b", UINT8, 1L).write();
        return Stream.of(
                bad("inside the second key length", two.truncated(85 + 6), 85,
                        "file ends inside metadata key length (8 bytes needed, 6 left)"),
                bad("inside a value type", w.truncated((int) typeAt + 2), typeAt,
                        "file ends inside metadata value type (4 bytes needed, 2 left)"),
                bad("inside a tensor offset", w.truncated((int) offsetAt + 3), offsetAt,
                        "file ends inside tensor 'w' offset (8 bytes needed, 3 left)"),
                bad("inside an INT32 value", new GgufWriter().kv("n", INT32, 5L).write().truncated(24 + 9 + 4 + 1),
                        24 + 9 + 4, "file ends inside metadata 'n' value (4 bytes needed, 1 left)"));
    }

    @Test
    void acceptsCountsThatTheFileCanHold() throws Exception {
        // A header-only file has 8 bytes of padding after the header: zero tensors and pairs fit.
        Written headerOnly = new GgufWriter().write();

        assertThat(headerOnly.read().tensors()).isEmpty();
        assertThat(GgufReader.HEADER_BYTES + 8).isEqualTo(headerOnly.size());
    }

    private static GgufWriter base() {
        return new GgufWriter().kv("general.architecture", STRING, "llama").tensor("w", GgmlType.F32, 64);
    }

    private static Arguments badAlignment(GgufValueType type, Object value, String field, String problem) {
        Written w = base().kv("general.alignment", type, value).write();
        return bad(type + " alignment " + value, w.bytes(), w.at("kv:general.alignment" + field), problem);
    }

    private static Arguments bad(String name, Written written, String field, String problem) {
        return bad(name, written.bytes(), written.at(field), problem);
    }

    private static Arguments bad(String name, Written written, long offset, String problem) {
        return bad(name, written.bytes(), offset, problem);
    }

    private static Arguments bad(String name, byte[] file, long offset, String problem) {
        return arguments(name, file, "test.gguf: byte " + offset + ": " + problem);
    }

    private static String sum(String expression) {
        String[] terms = expression.split("\\+");
        return new java.math.BigInteger(terms[0]).add(new java.math.BigInteger(terms[1])).toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] patch(byte[] file, int at, int... values) {
        byte[] copy = file.clone();
        for (int i = 0; i < values.length; i++) {
            copy[at + i] = (byte) values[i];
        }
        return copy;
    }

    /** An array header: u32 element type, u64 count, then optionally a nested u32 element type. */
    private static byte[] le(int type, long count, int... nestedType) {
        ByteBuffer b = ByteBuffer.allocate(12 + 4 * nestedType.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putLong(count);
        for (int t : nestedType) {
            b.putInt(t);
        }
        return b.array();
    }
}
