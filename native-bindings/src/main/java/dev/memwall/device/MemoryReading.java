package dev.memwall.device;

import java.util.ArrayList;
import java.util.List;

/**
 * One reading of a device's memory, in bytes. {@code null} means the backend cannot know (never a guess).
 *
 * @param totalBytes    total memory
 * @param freeBytes     free memory now, or null
 * @param usedBytes     memory in use now, or null
 * @param reservedBytes memory the driver keeps for itself, or null
 * @param freeSource    how free memory was read (e.g. {@code cl_amd_device_attribute_query}), or null when it was not
 * @param queryContextBytes memory a CUDA context took to answer a query (NVML's free minus CUDA's), or null
 * @param notes         caveats a reader should know (e.g. parts that do not add up to the total); empty when none
 */
public record MemoryReading(long totalBytes, Long freeBytes, Long usedBytes, Long reservedBytes, String freeSource,
        Long queryContextBytes, List<String> notes) {

    public MemoryReading {
        if (totalBytes <= 0) {
            throw new IllegalArgumentException("totalBytes must be > 0, was " + totalBytes);
        }
        if (freeBytes != null && (freeBytes < 0 || freeBytes > totalBytes)) {
            throw new IllegalArgumentException(
                    "freeBytes must be within [0, totalBytes=" + totalBytes + "], was " + freeBytes);
        }
        if (usedBytes != null && (usedBytes < 0 || usedBytes > totalBytes)) {
            throw new IllegalArgumentException(
                    "usedBytes must be within [0, totalBytes=" + totalBytes + "], was " + usedBytes);
        }
        if (reservedBytes != null && (reservedBytes < 0 || reservedBytes > totalBytes)) {
            throw new IllegalArgumentException(
                    "reservedBytes must be within [0, totalBytes=" + totalBytes + "], was " + reservedBytes);
        }
        if (notes == null) {
            throw new IllegalArgumentException("notes must not be null (an empty list when there are none)");
        }
        notes = List.copyOf(notes);
    }

    /** A reading without notes. */
    public MemoryReading(long totalBytes, Long freeBytes, Long usedBytes, Long reservedBytes, String freeSource,
            Long queryContextBytes) {
        this(totalBytes, freeBytes, usedBytes, reservedBytes, freeSource, queryContextBytes, List.of());
    }

    /** A reading without a context cost or notes. */
    public MemoryReading(long totalBytes, Long freeBytes, Long usedBytes, Long reservedBytes, String freeSource) {
        this(totalBytes, freeBytes, usedBytes, reservedBytes, freeSource, null, List.of());
    }

    /** A reading where only the total is known. */
    public static MemoryReading totalOnly(long totalBytes) {
        return new MemoryReading(totalBytes, null, null, null, null);
    }

    /** The same reading with the context cost of a query stated; notes are kept. */
    public MemoryReading withQueryContextBytes(Long bytes) {
        return new MemoryReading(totalBytes, freeBytes, usedBytes, reservedBytes, freeSource, bytes, notes);
    }

    /** The same reading with one more note after those it has. */
    public MemoryReading withNote(String note) {
        if (note == null || note.isBlank()) {
            throw new IllegalArgumentException("a note must say something, was " + (note == null ? "null" : "blank"));
        }
        List<String> more = new ArrayList<>(notes);
        more.add(note);
        return new MemoryReading(totalBytes, freeBytes, usedBytes, reservedBytes, freeSource, queryContextBytes, more);
    }
}
