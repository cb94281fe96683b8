package dev.memwall.estimator.safetensors;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The parsed header of one {@code .safetensors} file: its tensors in header order, its {@code __metadata__}, and
 * the layout in bytes (header length, data section offset, file size).
 */
public final class SafetensorsFile {
    private final Path file;
    private final long headerLength;
    private final long fileSize;
    private final List<SafetensorsTensor> tensors;
    private final Map<String, SafetensorsTensor> byName;
    private final Map<String, String> metadata;

    /** {@code byName} maps each of {@code tensors} by its name; it is kept, not copied (the reader built it). */
    SafetensorsFile(Path file, long headerLength, long fileSize, List<SafetensorsTensor> tensors,
            Map<String, SafetensorsTensor> byName, Map<String, String> metadata) {
        this.file = Objects.requireNonNull(file, "file");
        this.headerLength = headerLength;
        this.fileSize = fileSize;
        this.tensors = List.copyOf(tensors);
        if (byName.size() != this.tensors.size()) {
            throw new IllegalArgumentException(byName.size() + " names for " + this.tensors.size() + " tensors");
        }
        this.byName = Collections.unmodifiableMap(byName);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    public Path file() {
        return file;
    }

    /** The file's name without its directory. */
    public String fileName() {
        Path name = file.getFileName();
        return name == null ? file.toString() : name.toString();
    }

    /** Length of the JSON header in bytes (the number in the first 8 bytes). */
    public long headerLength() {
        return headerLength;
    }

    /** Offset of the data section from the start of the file, in bytes: 8 + header length. */
    public long dataOffset() {
        return 8 + headerLength;
    }

    /** Size of the whole file in bytes. */
    public long fileSize() {
        return fileSize;
    }

    /** Size of the data section in bytes: file size - data offset. */
    public long dataSectionBytes() {
        return fileSize - dataOffset();
    }

    /** The tensors in header order. */
    public List<SafetensorsTensor> tensors() {
        return tensors;
    }

    public Optional<SafetensorsTensor> tensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Every tensor by its name (unmodifiable). */
    Map<String, SafetensorsTensor> byName() {
        return byName;
    }

    /** The header's {@code __metadata__} strings, in header order; empty when it has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public String toString() {
        return file + ": " + tensors.size() + " tensors, header " + headerLength + " bytes, file " + fileSize
                + " bytes";
    }
}
