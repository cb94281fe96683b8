package dev.memwall.estimator.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memwall.estimator.io.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsBackEveryTensorAsWritten() throws Exception {
        SafetensorsWriter w = new SafetensorsWriter()
                .metadata("format", "pt")
                .metadata("note", "line\nbreak")
                .tensor("model.embed_tokens.weight", SafetensorsDtype.BF16, 8, 4)
                .tensor("model.layers.0.mlp.up_proj.weight", SafetensorsDtype.F32, 4, 4)
                .tensor("fp4", SafetensorsDtype.F4, 2, 3)
                .tensor("fp6", SafetensorsDtype.F6_E2M3, 4)
                .tensor("fp8", SafetensorsDtype.F8_E4M3, 5)
                .tensor("scale", SafetensorsDtype.F8_E8M0, 1)
                .tensor("step", SafetensorsDtype.I64)
                .tensor("empty", SafetensorsDtype.F32, 0, 3)
                .tensor("mask", SafetensorsDtype.BOOL, 3)
                .tensor("z", SafetensorsDtype.C64, 2)
                .tensor("ids", SafetensorsDtype.U16, 3);
        Path file = w.write(dir.resolve("model.safetensors"));

        SafetensorsFile read = SafetensorsReader.read(file);

        assertThat(read.tensors()).containsExactlyElementsOf(w.expected());
        assertThat(read.tensors()).extracting(SafetensorsTensor::name).first().isEqualTo("model.embed_tokens.weight");
        assertThat(read.tensor("fp4").orElseThrow().byteSize()).isEqualTo(3); // 6 values x 4 bits
        assertThat(read.tensor("fp6").orElseThrow().byteSize()).isEqualTo(3); // 4 values x 6 bits
        assertThat(read.tensor("step").orElseThrow().shape()).isEmpty();
        assertThat(read.tensor("step").orElseThrow().elements()).isEqualTo(1);
        assertThat(read.tensor("empty").orElseThrow().elements()).isZero();
        assertThat(read.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("note", "line\nbreak"));
        assertThat(read.headerLength()).isEqualTo(w.headerBytes().length).isEqualTo(read.headerLength() / 8 * 8);
        assertThat(read.dataOffset()).isEqualTo(8 + read.headerLength());
        assertThat(read.fileSize()).isEqualTo(Files.size(file)).isEqualTo(read.dataOffset() + w.dataSectionBytes());
        assertThat(read.fileName()).isEqualTo("model.safetensors");
    }

    /** The file of upstream's own test_deserialization (huggingface/safetensors, safetensors/src/tensor.rs). */
    @Test
    void readsUpstreamsExample() throws Exception {
        String header = "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        assertThat(header).hasSize(0x3c);
        Path file = write(raw(0x3c, header, 16));

        SafetensorsFile read = SafetensorsReader.read(file);

        assertThat(read.tensors()).containsExactly(
                new SafetensorsTensor("test", SafetensorsDtype.I32, new long[] {2, 2}, 0, 16));
        assertThat(read.metadata()).isEmpty();
        assertThat(read.dataOffset()).isEqualTo(68);
    }

    @Test
    void allowsGapsTrailingBytesUnknownKeysAndAnyOrder() throws Exception {
        String header = "{\"b\":{\"data_offsets\":[24,32],\"shape\":[2],\"dtype\":\"F32\",\"extra\":{\"x\":[1,{}]}},"
                + "\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[2,2]}}  \n\t";

        SafetensorsFile read = SafetensorsReader.read(write(raw(header.length(), header, 100)));

        assertThat(read.tensors()).extracting(SafetensorsTensor::name).containsExactly("b", "a", "e");
        assertThat(read.dataSectionBytes()).isEqualTo(100);
    }

    static Stream<Arguments> badFraming() {
        return Stream.of(
                Arguments.of("empty file", new byte[0], "byte 0: file is 0 bytes, shorter than the 8-byte header length"),
                Arguments.of("7 bytes", new byte[7], "byte 0: file is 7 bytes, shorter than the 8-byte header length"),
                Arguments.of("length 0", raw(0, "", 10), "byte 0: header length is 0"),
                Arguments.of("length past the end", raw(100, "{}", 18),
                        "byte 0: header length 100 exceeds the 20 bytes after the length field"),
                Arguments.of("length 2^64-1", raw(-1, "{}", 0),
                        "byte 0: header length 18446744073709551615 exceeds the 2 bytes after the length field"),
                Arguments.of("length 2^63", raw(Long.MIN_VALUE, "{}", 0),
                        "byte 0: header length 9223372036854775808 exceeds the 2 bytes after the length field"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFraming")
    void rejectsBadFraming(String label, byte[] bytes, String message) throws IOException {
        Path file = write(bytes);
        assertThatThrownBy(() -> SafetensorsReader.read(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(file + ": " + message);
    }

    /** A 100 MiB + 1 claim inside a file that does have that many bytes (sparse). */
    @Test
    void capsTheHeaderAt100MiB() throws IOException {
        Path file = SafetensorsWriter.writeRaw(dir.resolve("big.safetensors"), (100L << 20) + 1,
                "{}".getBytes(StandardCharsets.US_ASCII), 100L << 20);
        assertThatThrownBy(() -> SafetensorsReader.read(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(file + ": byte 0: header length 104857601 exceeds the 100 MiB (104857600-byte) cap");
    }

    /** The header streams in 64 KiB chunks: problems past the first chunk are found at their byte. */
    @Test
    void problemsPastTheFirstChunkAreFoundAtTheirByte() throws Exception {
        String pad = " ".repeat(200_000);
        Path late = write(raw(pad.length() + 2 + 5, "{}" + pad + "  x  ", 0));
        assertThatThrownBy(() -> SafetensorsReader.read(late))
                .hasMessage(late + ": byte " + (8 + 2 + 200_000 + 2) + ": trailing data after the header object");
        String prefix = "{\"__metadata__\":{\"k\":\"" + "a".repeat(150_000);
        byte[] header = (prefix + "\u00e9\"}}").getBytes(StandardCharsets.UTF_8);
        header[prefix.length() + 1] = 'x'; // the second byte of the e-acute: a cut sequence
        Path bad = write(bytes(header));
        assertThatThrownBy(() -> SafetensorsReader.read(bad))
                .hasMessage(bad + ": byte " + (8 + prefix.length()) + ": header is not valid UTF-8");
        // Characters of 2, 3 and 4 bytes (a 9-byte period) fall across the reads' boundaries and are fine.
        String text = "\u00e9\u20ac\ud83d\ude00".repeat(30_000);
        Path split = new SafetensorsWriter().metadata("k", text).tensor("t", SafetensorsDtype.F32, 1)
                .write(dir.resolve("split.safetensors"));
        assertThat(SafetensorsReader.read(split).metadata()).containsEntry("k", text);
    }

    static Stream<Arguments> badJson() {
        String deep = "{\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":" + "[".repeat(70)
                + "]".repeat(70) + "}}";
        return Stream.of(
                Arguments.of("bad UTF-8", bytes(new byte[] {'{', '"', 'a', (byte) 0xff, '"', ':', '1', '}'}),
                        "byte 11: header is not valid UTF-8"),
                Arguments.of("overlong UTF-8", bytes(new byte[] {'{', '"', (byte) 0xc0, (byte) 0x80, '"', '}'}),
                        "byte 10: header is not valid UTF-8"),
                Arguments.of("cut UTF-8", bytes(new byte[] {'{', '}', ' ', (byte) 0xc3}),
                        "byte 11: header is not valid UTF-8"),
                Arguments.of("not JSON", raw(6, "{\"a\":}", 0), "byte 13: header is not valid JSON: Unexpected character ('}' (code 125)): expected a value"),
                Arguments.of("cut JSON", raw(5, "{\"a\":", 0), "byte 13: header is not valid JSON: Unexpected end-of-input within/between Object entries"),
                Arguments.of("too deep", raw(deep.length(), deep, 4), "byte 127: header is not valid JSON: Document nesting depth (65) exceeds the maximum allowed (64)"),
                Arguments.of("array", raw(2, "[]", 0), "byte 8: header is not a JSON object"),
                Arguments.of("string", raw(3, "\"x\"", 0), "byte 8: header is not a JSON object"),
                Arguments.of("blank", raw(4, "    ", 0), "byte 12: header is not a JSON object"),
                Arguments.of("garbage after", raw(5, "{} x ", 0), "byte 11: trailing data after the header object"),
                Arguments.of("second object", raw(4, "{}{}", 0), "byte 10: trailing data after the header object"),
                Arguments.of("metadata not object", raw(19, "{\"__metadata__\":[]}", 0),
                        "byte 9: __metadata__ must be an object of strings"),
                Arguments.of("metadata value not string", raw(24, "{\"__metadata__\":{\"k\":1}}", 0),
                        "byte 25: __metadata__ entry \"k\" must be a string"),
                Arguments.of("metadata twice", raw(35, "{\"__metadata__\":{},\"__metadata__\":{}}", 0),
                        "byte 27: duplicate key \"__metadata__\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badJson")
    void rejectsBadJson(String label, byte[] bytes, String message) throws IOException {
        Path file = write(bytes);
        assertThatThrownBy(() -> SafetensorsReader.read(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(file + ": " + message);
    }

    static Stream<Arguments> badTensors() {
        return Stream.of(
                bad("duplicate name", "{\"a\":" + entry("F32", "[1]", "[0,4]") + ",\"a\":" + entry("F32", "[1]", "[4,8]") + "}",
                        "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4", "duplicate tensor \"a\""),
                bad("duplicate odd name", "{\"a\\nb\":" + entry("F32", "[1]", "[0,4]") + ",\"a\\nb\":{}}", "\"a\\nb\":{}",
                        "duplicate tensor \"a\\u000ab\""),
                bad("entry not object", "{\"t\":[1]}", "\"t\"", "tensor \"t\": entry must be an object"),
                bad("no dtype", "{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "\"t\"", "tensor \"t\": missing dtype"),
                bad("no shape", "{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "\"t\"", "tensor \"t\": missing shape"),
                bad("no offsets", "{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", "\"t\"", "tensor \"t\": missing data_offsets"),
                bad("dtype number", "{\"t\":" + entry("4", "[1]", "[0,4]").replace("\"4\"", "4") + "}", "\"dtype\"",
                        "tensor \"t\": dtype must be a string"),
                bad("dtype twice", "{\"t\":{\"dtype\":\"F32\",\"dtype\":\"F16\"}}", "\"dtype\":\"F16\"",
                        "tensor \"t\": duplicate key \"dtype\""),
                bad("shape string", "{\"t\":" + entry("F32", "\"1\"", "[0,4]") + "}", "\"shape\"",
                        "tensor \"t\": shape must be an array of integers"),
                bad("shape float", "{\"t\":" + entry("F32", "[1.0]", "[0,4]") + "}", "\"shape\"",
                        "tensor \"t\": shape must be an array of integers"),
                bad("shape nested", "{\"t\":" + entry("F32", "[[1]]", "[0,4]") + "}", "\"shape\"",
                        "tensor \"t\": shape must be an array of integers"),
                bad("shape null", "{\"t\":" + entry("F32", "null", "[0,4]") + "}", "\"shape\"",
                        "tensor \"t\": shape must be an array of integers"),
                bad("offsets one", "{\"t\":" + entry("F32", "[1]", "[0]") + "}", "\"data_offsets\"",
                        "tensor \"t\": data_offsets must be [begin, end], two integers"),
                bad("offsets three", "{\"t\":" + entry("F32", "[1]", "[0,4,8]") + "}", "\"data_offsets\"",
                        "tensor \"t\": data_offsets must be [begin, end], two integers"),
                bad("offsets strings", "{\"t\":" + entry("F32", "[1]", "[\"0\",\"4\"]") + "}", "\"data_offsets\"",
                        "tensor \"t\": data_offsets must be [begin, end], two integers"),
                bad("offsets object", "{\"t\":" + entry("F32", "[1]", "{}") + "}", "\"data_offsets\"",
                        "tensor \"t\": data_offsets must be [begin, end], two integers"),
                bad("unknown dtype", "{\"t\":" + entry("F7", "[1]", "[0,4]") + "}", "\"t\"",
                        "tensor \"t\": unknown dtype \"F7\""),
                bad("lower-case dtype", "{\"t\":" + entry("f32", "[1]", "[0,4]") + "}", "\"t\"",
                        "tensor \"t\": unknown dtype \"f32\""),
                bad("negative dimension", "{\"t\":" + entry("F32", "[2,-1]", "[0,4]") + "}", "\"t\"",
                        "tensor \"t\": shape dimension 1 is -1, must be >= 0"),
                bad("dimension over 64 bits", "{\"t\":" + entry("F32", "[99999999999999999999]", "[0,4]") + "}",
                        "\"shape\"", "tensor \"t\": shape dimension 99999999999999999999 does not fit in 64 bits"),
                bad("element count overflow", "{\"t\":" + entry("U8", "[4294967296,4294967296]", "[0,4]") + "}", "\"t\"",
                        "tensor \"t\": shape has more than 2^63-1 elements"),
                bad("byte count overflow", "{\"t\":" + entry("F64", "[4611686018427387904]", "[0,4]") + "}", "\"t\"",
                        "tensor \"t\": 4611686018427387904 elements of F64 need more than 2^63-1 bytes"),
                bad("offset over 64 bits", "{\"t\":" + entry("F32", "[1]", "[0,18446744073709551616]") + "}",
                        "\"data_offsets\"", "tensor \"t\": data_offsets value 18446744073709551616 does not fit in 64 bits"),
                bad("negative begin", "{\"t\":" + entry("F32", "[1]", "[-4,0]") + "}", "\"t\"",
                        "tensor \"t\": data_offsets [-4, 0] must satisfy 0 <= begin <= end"),
                bad("begin after end", "{\"t\":" + entry("F32", "[1]", "[8,4]") + "}", "\"t\"",
                        "tensor \"t\": data_offsets [8, 4] must satisfy 0 <= begin <= end"),
                bad("end past data", "{\"t\":" + entry("F32", "[5]", "[0,20]") + "}", "\"t\"",
                        "tensor \"t\": data_offsets [0, 20] end past the 16-byte data section"),
                bad("size mismatch", "{\"t\":" + entry("F32", "[2]", "[0,4]") + "}", "\"t\"",
                        "tensor \"t\": data_offsets [0, 4] hold 4 bytes, but 2 elements of F32 need 8"),
                bad("F4 half byte", "{\"t\":" + entry("F4", "[3]", "[0,2]") + "}", "\"t\"",
                        "tensor \"t\": 3 elements of F4 do not fill whole bytes"),
                bad("overlap", "{\"a\":" + entry("F32", "[2]", "[0,8]") + ",\"b\":" + entry("F32", "[2]", "[4,12]") + "}",
                        "\"b\"", "tensors \"a\" [0, 8] and \"b\" [4, 12] overlap"),
                bad("overlap, inner first", "{\"b\":" + entry("F32", "[1]", "[4,8]") + ",\"a\":"
                        + entry("F32", "[4]", "[0,16]") + "}", "\"a\"", "tensors \"b\" [4, 8] and \"a\" [0, 16] overlap"),
                bad("same range", "{\"a\":" + entry("F32", "[1]", "[0,4]") + ",\"b\":" + entry("F32", "[1]", "[0,4]") + "}",
                        "\"b\"", "tensors \"a\" [0, 4] and \"b\" [0, 4] overlap"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTensors")
    void rejectsBadTensors(String label, byte[] bytes, String message) throws IOException {
        Path file = write(bytes);
        assertThatThrownBy(() -> SafetensorsReader.read(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(file + ": " + message);
    }

    @Test
    void emptyTensorsOverlapNothing() throws Exception {
        String header = "{\"a\":" + entry("F32", "[4]", "[0,16]") + ",\"e\":" + entry("F32", "[0]", "[8,8]") + "}";
        assertThat(SafetensorsReader.read(write(raw(header.length(), header, 16))).tensors()).hasSize(2);
    }

    private static Arguments bad(String label, String header, String at, String problem) {
        int offset = header.indexOf(at);
        if (offset < 0) {
            throw new IllegalArgumentException(at + " not in " + header);
        }
        return Arguments.of(label, raw(header.length(), header, 16), "byte " + (8 + offset) + ": " + problem);
    }

    private static String entry(String dtype, String shape, String offsets) {
        return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    /** A file: length field, header text (ASCII) and a zero data section. */
    static byte[] raw(long declaredLength, String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(declaredLength).put(h).array();
    }

    /** A file whose header is {@code header} with the right length and no data. */
    private static byte[] bytes(byte[] header) {
        return ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array();
    }

    private Path write(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("hostile.safetensors"), bytes);
    }
}
