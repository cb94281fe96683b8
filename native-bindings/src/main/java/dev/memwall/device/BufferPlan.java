package dev.memwall.device;

import java.util.ArrayList;
import java.util.List;

/**
 * The size of each benchmark buffer: the largest allowed by min(cap, fraction of free memory or of total when
 * free is unknown, half the largest single allocation). It should be at least {@code cacheMultiple} x the
 * last-level cache; when the bounds do not allow that, the bounds win (never take more memory than allowed) and
 * a note says the figure may include cache hits.
 *
 * @param bufferBytes size of each buffer, a multiple of {@link #ALIGN_BYTES}
 * @param limitBytes  the upper bound that applied
 * @param limitReason which bound that was, in words
 * @param notes       caveats for the reader
 */
public record BufferPlan(long bufferBytes, long limitBytes, String limitReason, List<String> notes) {

    /** Buffers are whole multiples of this, so every vector width and work-group size divides them. */
    public static final long ALIGN_BYTES = 1L << 20;
    /** Below this a bandwidth figure would be mostly launch overhead. */
    public static final long MIN_BUFFER_BYTES = 4L << 20;

    public BufferPlan {
        notes = List.copyOf(notes);
    }

    /**
     * Plans the buffer for a device.
     *
     * @param totalBytes         total device memory
     * @param freeBytes          free device memory, or null when unknown
     * @param maxAllocationBytes largest single allocation, or null when unknown
     * @param cacheBytes         last-level cache size, or null when unknown
     * @throws DeviceException when the bounds leave less than {@link #MIN_BUFFER_BYTES}
     */
    public static BufferPlan of(long totalBytes, Long freeBytes, Long maxAllocationBytes, Long cacheBytes,
            BenchmarkSettings settings) throws DeviceException {
        long limit = settings.maxBufferBytes();
        String reason = "the " + human(limit) + " cap";
        long base = freeBytes != null ? freeBytes : totalBytes;
        long share = (long) (base * settings.memoryFraction());
        if (share < limit) {
            limit = share;
            reason = Math.round(settings.memoryFraction() * 100) + "% of "
                    + (freeBytes != null ? "free" : "total (free unknown)") + " memory";
        }
        if (maxAllocationBytes != null && maxAllocationBytes / 2 < limit) {
            limit = maxAllocationBytes / 2;
            reason = "half the largest single allocation";
        }
        long buffer = limit / ALIGN_BYTES * ALIGN_BYTES;
        if (buffer < MIN_BUFFER_BYTES) {
            throw new DeviceException("not enough memory to benchmark: " + reason + " allows " + human(limit)
                    + ", at least " + human(MIN_BUFFER_BYTES) + " needed");
        }
        List<String> notes = new ArrayList<>();
        if (cacheBytes != null && cacheBytes > 0) {
            long wanted = cacheBytes * settings.cacheMultiple();
            if (wanted > buffer) {
                notes.add("buffer " + human(buffer) + " is below " + settings.cacheMultiple() + "x the "
                        + human(cacheBytes) + " cache (limited by " + reason + "); cache hits may raise the figure");
            }
        }
        return new BufferPlan(buffer, limit, reason, notes);
    }

    private static String human(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.0f MiB", bytes / (double) (1L << 20));
    }
}
