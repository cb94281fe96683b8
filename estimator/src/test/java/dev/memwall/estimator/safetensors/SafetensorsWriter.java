package dev.memwall.estimator.safetensors;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Writes structurally real safetensors files for tests: a header whose offsets are exact, padded with spaces to
 * 8 bytes as upstream does, and a data section of exactly the declared size (sparse, so large shapes cost no
 * disk). Raw entries, gaps and overrides make hostile files.
 */
public final class SafetensorsWriter {
    private final List<String> entries = new ArrayList<>();
    private final List<SafetensorsTensor> expected = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private long next;
    private Long dataBytes;

    /** A tensor placed right after the previous one. */
    public SafetensorsWriter tensor(String name, SafetensorsDtype dtype, long... shape) {
        long elements = 1;
        for (long d : shape) {
            elements = Math.multiplyExact(elements, d);
        }
        return tensorAt(name, dtype, shape, next, next + dtype.byteSize(elements));
    }

    /** A tensor at an explicit range, which must be valid for its dtype and shape. */
    public SafetensorsWriter tensorAt(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {
        expected.add(new SafetensorsTensor(name, dtype, shape, begin, end));
        StringJoiner dims = new StringJoiner(",", "[", "]");
        for (long d : shape) {
            dims.add(Long.toString(d));
        }
        entries.add(quote(name) + ":{\"dtype\":\"" + dtype + "\",\"shape\":" + dims + ",\"data_offsets\":[" + begin
                + "," + end + "]}");
        next = Math.max(next, end);
        return this;
    }

    /** A header entry written as given: {@code name: entryJson}. Nothing is expected of it. */
    public SafetensorsWriter raw(String name, String entryJson) {
        entries.add(quote(name) + ":" + entryJson);
        return this;
    }

    /** Leaves {@code bytes} unused before the next tensor. */
    public SafetensorsWriter gap(long bytes) {
        next += bytes;
        return this;
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** The data section's size in bytes instead of the end of the last tensor. */
    public SafetensorsWriter dataBytes(long bytes) {
        dataBytes = bytes;
        return this;
    }

    /** GPTQ (AutoGPTQ layout): qweight [in*bits/32, out], qzeros [in/group, out*bits/32], scales, g_idx, bias. */
    public SafetensorsWriter gptqLinear(String prefix, long in, long out, int group, int bits) {
        return tensor(prefix + ".qweight", SafetensorsDtype.I32, in * bits / 32, out)
                .tensor(prefix + ".qzeros", SafetensorsDtype.I32, in / group, out * bits / 32)
                .tensor(prefix + ".scales", SafetensorsDtype.F16, in / group, out)
                .tensor(prefix + ".g_idx", SafetensorsDtype.I32, in)
                .tensor(prefix + ".bias", SafetensorsDtype.F16, out);
    }

    /** AWQ (AutoAWQ layout): qweight [in, out*bits/32], qzeros [in/group, out*bits/32], scales [in/group, out]. */
    public SafetensorsWriter awqLinear(String prefix, long in, long out, int group, int bits) {
        return tensor(prefix + ".qweight", SafetensorsDtype.I32, in, out * bits / 32)
                .tensor(prefix + ".qzeros", SafetensorsDtype.I32, in / group, out * bits / 32)
                .tensor(prefix + ".scales", SafetensorsDtype.F16, in / group, out);
    }

    /**
     * bitsandbytes nf4 with nested statistics, block size 64, as transformers saves it: weight U8 [in*out/2, 1],
     * absmax U8 per block, nested absmax F32 per 256 blocks, two quant maps and the JSON quant state.
     */
    public SafetensorsWriter bnb4Linear(String prefix, long in, long out) {
        String w = prefix + ".weight";
        long blocks = in * out / 64;
        return tensor(w, SafetensorsDtype.U8, in * out / 2, 1)
                .tensor(w + ".absmax", SafetensorsDtype.U8, blocks)
                .tensor(w + ".nested_absmax", SafetensorsDtype.F32, blocks / 256)
                .tensor(w + ".nested_quant_map", SafetensorsDtype.F32, 256)
                .tensor(w + ".quant_map", SafetensorsDtype.F32, 16)
                .tensor(w + ".quant_state.bitsandbytes__nf4", SafetensorsDtype.U8, 105);
    }

    /** bitsandbytes LLM.int8: weight I8 [out, in], SCB F32 [out], weight_format U8 scalar. */
    public SafetensorsWriter bnb8Linear(String prefix, long in, long out) {
        return tensor(prefix + ".weight", SafetensorsDtype.I8, out, in)
                .tensor(prefix + ".SCB", SafetensorsDtype.F32, out)
                .tensor(prefix + ".weight_format", SafetensorsDtype.U8);
    }

    /** The tensors as the reader should report them, in header order. */
    public List<SafetensorsTensor> expected() {
        return List.copyOf(expected);
    }

    public String headerJson() {
        StringJoiner all = new StringJoiner(",", "{", "}");
        if (!metadata.isEmpty()) {
            StringJoiner m = new StringJoiner(",", "{", "}");
            metadata.forEach((k, v) -> m.add(quote(k) + ":" + quote(v)));
            all.add("\"__metadata__\":" + m);
        }
        entries.forEach(all::add);
        return all.toString();
    }

    /** The header as written: UTF-8, padded with spaces to a multiple of 8 bytes. */
    public byte[] headerBytes() {
        byte[] json = headerJson().getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[(json.length + 7) / 8 * 8];
        java.util.Arrays.fill(padded, (byte) ' ');
        System.arraycopy(json, 0, padded, 0, json.length);
        return padded;
    }

    public long dataSectionBytes() {
        return dataBytes != null ? dataBytes : next;
    }

    public Path write(Path file) throws IOException {
        byte[] header = headerBytes();
        return writeRaw(file, header.length, header, dataSectionBytes());
    }

    /** The whole file in memory; for small tensors only. */
    public byte[] bytes() {
        byte[] header = headerBytes();
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(8 + header.length + dataSectionBytes()))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        return b.array();
    }

    /** Any length field, header bytes and data section size (zeros, sparse). */
    public static Path writeRaw(Path file, long declaredLength, byte[] header, long dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        Files.write(file, b.array());
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(8L + header.length + dataBytes);
        }
        return file;
    }

    /** {@code model.safetensors.index.json} text. */
    public static String indexJson(Map<String, String> weightMap, long totalSize) {
        StringJoiner m = new StringJoiner(",\n    ", "{\n    ", "\n  }");
        weightMap.forEach((k, v) -> m.add(quote(k) + ": " + quote(v)));
        return "{\n  \"metadata\": {\"total_size\": " + totalSize + "},\n  \"weight_map\": " + m + "\n}\n";
    }

    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
