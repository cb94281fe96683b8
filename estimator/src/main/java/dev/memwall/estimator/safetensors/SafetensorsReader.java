package dev.memwall.estimator.safetensors;

import com.fasterxml.jackson.core.JsonToken;
import dev.memwall.estimator.io.InputFiles;
import dev.memwall.estimator.io.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and checks the header of a {@code .safetensors} file (8-byte little-endian header length in bytes, that
 * many bytes of UTF-8 JSON, then the data section) without reading the tensor data.
 *
 * <p>Everything malformed is a {@link ModelFormatException} naming the file and the byte offset. The header may be
 * at most 100 MiB and {@link #MAX_TENSORS} tensors; it is parsed as it streams from the file, so memory follows the
 * tensors kept, not the header's bytes. Unlike upstream, gaps between tensors and bytes after the last one are
 * allowed.
 */
public final class SafetensorsReader {
    private static final String METADATA = "__metadata__";

    /**
     * Most tensors read from one file or from one model's shards together. Each costs about 300 bytes of heap once
     * read (name, shape, range, the map by name, the model's entry), so this bounds what a header can make memwall
     * hold: 500,000 read within a 256 MiB heap (LargeHeaderIT). Published checkpoints list far fewer: tens of
     * thousands for the largest mixture-of-experts models.
     */
    public static final int MAX_TENSORS = 500_000;

    private SafetensorsReader() {
    }

    /** The file's header, checked against the file's size. */
    public static SafetensorsFile read(Path file) throws IOException, ModelFormatException {
        String name = file.toString();
        try (FileChannel ch = InputFiles.open(file, name)) {
            long size = ch.size();
            if (size < 8) {
                throw new ModelFormatException(name, 0, "file is " + size
                        + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lengthField, 0, name);
            long n = lengthField.getLong(0);
            String shown = Long.toUnsignedString(n);
            if (n == 0) {
                throw new ModelFormatException(name, 0, "header length is 0");
            }
            if (n < 0 || n > size - 8) {
                throw new ModelFormatException(name, 0, "header length " + shown + " exceeds the " + (size - 8)
                        + " bytes after the length field");
            }
            if (n > Json.MAX_JSON_BYTES) {
                throw new ModelFormatException(name, 0, "header length " + shown
                        + " exceeds the 100 MiB (104857600-byte) cap");
            }
            HeaderStream header = new HeaderStream(ch, name, 8, 8 + n, "header");
            try {
                return parse(file, name, header, n, size);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer into, long position, String name) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int r = ch.read(into, at);
            if (r < 0) {
                throw new EOFException(name + ": file shrank while being read, at byte " + at);
            }
            at += r;
        }
    }

    /**
     * Parses the header as it streams from the file. What stays in memory is what the result holds (each tensor's
     * name, dtype, shape and range) plus one offset per tensor for messages, never the header's bytes.
     */
    private static SafetensorsFile parse(Path file, String name, HeaderStream header, long headerLength,
            long fileSize) throws IOException, ModelFormatException {
        long dataSection = fileSize - 8 - headerLength;
        Json json = new Json(name, 8, header);
        if (json.next("header") != JsonToken.START_OBJECT) {
            throw json.fail(json.tokenOffset(), "header is not a JSON object");
        }
        LinkedHashMap<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        long[] offsets = new long[64];
        Map<String, String> metadata = null;
        while (json.next("header") == JsonToken.FIELD_NAME) {
            String key = json.text();
            long at = json.tokenOffset();
            JsonToken value = json.next("header");
            if (key.equals(METADATA)) {
                if (metadata != null) {
                    throw json.fail(at, "duplicate key \"__metadata__\"");
                }
                metadata = readMetadata(json, value, at);
            } else {
                if (tensors.containsKey(key)) {
                    throw json.fail(at, "duplicate tensor " + Json.quote(key));
                }
                if (tensors.size() == MAX_TENSORS) {
                    throw json.fail(at, "header holds more than " + MAX_TENSORS
                            + " tensors, the most memwall reads from one model");
                }
                if (tensors.size() == offsets.length) {
                    offsets = Arrays.copyOf(offsets, offsets.length * 2);
                }
                offsets[tensors.size()] = at;
                tensors.put(key, readTensor(json, key, value, at, dataSection));
            }
        }
        requireOnlyWhitespace(json, header);
        List<SafetensorsTensor> list = List.copyOf(tensors.values());
        checkOverlaps(json, list, offsets);
        return new SafetensorsFile(file, headerLength, fileSize, list, tensors,
                metadata == null ? Map.of() : metadata);
    }

    /** After the header object, only whitespace up to the end of the header: what the parser holds, then the rest. */
    private static void requireOnlyWhitespace(Json json, HeaderStream header) throws IOException, ModelFormatException {
        long at = json.endOffset();
        ByteArrayOutputStream buffered = new ByteArrayOutputStream();
        try {
            json.parser().releaseBuffered(buffered);
        } catch (IOException e) {
            throw Json.unreadable(e);
        }
        byte[] chunk = buffered.toByteArray();
        int n = chunk.length;
        while (true) {
            for (int i = 0; i < n; i++, at++) {
                byte b = chunk[i];
                if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                    throw json.fail(at, "trailing data after the header object");
                }
            }
            if (chunk.length < 8192) {
                chunk = new byte[8192];
            }
            try {
                n = header.read(chunk, 0, chunk.length);
            } catch (HeaderStream.NotUtf8 e) {
                throw e.refusal;
            }
            if (n < 0) {
                return;
            }
        }
    }

    private static Map<String, String> readMetadata(Json json, JsonToken value, long at) throws ModelFormatException {
        if (value != JsonToken.START_OBJECT) {
            throw json.fail(at, "__metadata__ must be an object of strings");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        while (json.next("header") == JsonToken.FIELD_NAME) {
            String key = json.text();
            long keyAt = json.tokenOffset();
            if (json.next("header") != JsonToken.VALUE_STRING) {
                throw json.fail(keyAt, "__metadata__ entry " + Json.quote(key) + " must be a string");
            }
            if (metadata.put(key, json.text()) != null) {
                throw json.fail(keyAt, "duplicate __metadata__ key " + Json.quote(key));
            }
        }
        return metadata;
    }

    private static SafetensorsTensor readTensor(Json json, String name, JsonToken value, long at, long dataSection)
            throws ModelFormatException {
        String t = "tensor " + Json.quote(name) + ": ";
        if (value != JsonToken.START_OBJECT) {
            throw json.fail(at, t + "entry must be an object");
        }
        String dtypeName = null;
        long[] shape = null;
        long[] range = null;
        while (json.next("header") == JsonToken.FIELD_NAME) {
            String field = json.text();
            long fieldAt = json.tokenOffset();
            JsonToken v = json.next("header");
            switch (field) {
                case "dtype" -> {
                    if (dtypeName != null) {
                        throw json.fail(fieldAt, t + "duplicate key \"dtype\"");
                    }
                    if (v != JsonToken.VALUE_STRING) {
                        throw json.fail(fieldAt, t + "dtype must be a string");
                    }
                    dtypeName = json.text();
                }
                case "shape" -> {
                    if (shape != null) {
                        throw json.fail(fieldAt, t + "duplicate key \"shape\"");
                    }
                    shape = readIntegers(json, v, fieldAt, t + "shape must be an array of integers",
                            t + "shape dimension %s does not fit in 64 bits");
                }
                case "data_offsets" -> {
                    if (range != null) {
                        throw json.fail(fieldAt, t + "duplicate key \"data_offsets\"");
                    }
                    String wrong = t + "data_offsets must be [begin, end], two integers";
                    range = readIntegers(json, v, fieldAt, wrong, t + "data_offsets value %s does not fit in 64 bits");
                    if (range.length != 2) {
                        throw json.fail(fieldAt, wrong);
                    }
                }
                default -> json.skip("header");
            }
        }
        String missing = dtypeName == null ? "dtype" : shape == null ? "shape" : range == null ? "data_offsets" : null;
        if (missing != null) {
            throw json.fail(at, t + "missing " + missing);
        }
        Optional<SafetensorsDtype> dtype = SafetensorsDtype.byName(dtypeName);
        if (dtype.isEmpty()) {
            throw json.fail(at, t + "unknown dtype " + Json.quote(dtypeName));
        }
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw json.fail(at, t + "shape dimension " + i + " is " + shape[i] + ", must be >= 0");
            }
        }
        try {
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
        } catch (ArithmeticException e) {
            throw json.fail(at, t + "shape has more than 2^63-1 elements");
        }
        long begin = range[0];
        long end = range[1];
        String shownRange = "data_offsets [" + begin + ", " + end + "]";
        if (begin < 0 || end < begin) {
            throw json.fail(at, t + shownRange + " must satisfy 0 <= begin <= end");
        }
        if (end > dataSection) {
            throw json.fail(at, t + shownRange + " end past the " + dataSection + "-byte data section");
        }
        SafetensorsDtype d = dtype.get();
        if (!d.fillsWholeBytes(elements)) {
            throw json.fail(at, t + elements + " elements of " + d + " do not fill whole bytes");
        }
        long needed;
        try {
            needed = d.byteSize(elements);
        } catch (ArithmeticException e) {
            throw json.fail(at, t + elements + " elements of " + d + " need more than 2^63-1 bytes");
        }
        if (end - begin != needed) {
            throw json.fail(at, t + shownRange + " hold " + (end - begin) + " bytes, but " + elements
                    + " elements of " + d + " need " + needed);
        }
        return new SafetensorsTensor(name, d, shape, begin, end);
    }

    /** An array of integers at the current token; {@code tooBig} is a format with one %s for the number. */
    private static long[] readIntegers(Json json, JsonToken v, long at, String wrong, String tooBig)
            throws ModelFormatException {
        if (v != JsonToken.START_ARRAY) {
            throw json.fail(at, wrong);
        }
        long[] values = new long[4];
        int n = 0;
        JsonToken e;
        while ((e = json.next("header")) != JsonToken.END_ARRAY) {
            if (e != JsonToken.VALUE_NUMBER_INT) {
                throw json.fail(at, wrong);
            }
            Long value = json.longValue();
            if (value == null) {
                String digits = json.text();
                throw json.fail(at, String.format(tooBig, digits));
            }
            if (n == values.length) {
                values = Arrays.copyOf(values, n * 2);
            }
            values[n++] = value;
        }
        return Arrays.copyOf(values, n);
    }

    /** Ranges may leave gaps but may not share a byte; empty tensors share none. */
    private static void checkOverlaps(Json json, List<SafetensorsTensor> tensors, long[] offsets)
            throws ModelFormatException {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i).byteSize() > 0) {
                order.add(i);
            }
        }
        order.sort(Comparator.comparingLong((Integer i) -> tensors.get(i).dataBegin())
                .thenComparingLong(i -> tensors.get(i).dataEnd()));
        int previous = -1;
        for (int i : order) {
            SafetensorsTensor t = tensors.get(i);
            if (previous >= 0 && t.dataBegin() < tensors.get(previous).dataEnd()) {
                SafetensorsTensor p = tensors.get(previous);
                int later = Math.max(i, previous);
                SafetensorsTensor a = later == i ? p : t;
                SafetensorsTensor b = later == i ? t : p;
                throw json.fail(offsets[later], "tensors " + Json.quote(a.name()) + " " + range(a) + " and "
                        + Json.quote(b.name()) + " " + range(b) + " overlap");
            }
            if (previous < 0 || t.dataEnd() > tensors.get(previous).dataEnd()) {
                previous = i;
            }
        }
    }

    private static String range(SafetensorsTensor t) {
        return "[" + t.dataBegin() + ", " + t.dataEnd() + "]";
    }
}
