package dev.memwall.device;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The size of the benchmark buffer. It is sized by the cache it must defeat: {@code cacheMultiple} x the
 * last-level cache, and at least the default for the kind of memory (1 GiB of device memory, which a GPU fills
 * in a millisecond; 256 MiB of host memory, which a CPU device touches page by page). It never exceeds the
 * bounds: a fraction of free memory (of total when free is unknown) and the largest single allocation. When
 * the bounds leave less than the cache asks for, the bounds win and a note says the figure may include cache
 * hits.
 *
 * @param bufferBytes size of the buffer, a multiple of {@link #ALIGN_BYTES}
 * @param limitBytes  the size that applied before alignment
 * @param limitReason what decided it, in words
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
     * @param cacheBytes         last-level cache size, or null (or 0) when unknown
     * @param hostMemory         true when the device's memory is the host's (a CPU device)
     * @throws DeviceException when the bounds leave less than {@link #MIN_BUFFER_BYTES}
     */
    public static BufferPlan of(long totalBytes, Long freeBytes, Long maxAllocationBytes, Long cacheBytes,
            boolean hostMemory, BenchmarkSettings settings) throws DeviceException {
        boolean cacheKnown = cacheBytes != null && cacheBytes > 0;
        long wanted = hostMemory ? settings.hostBufferBytes() : settings.deviceBufferBytes();
        String reason = "the " + human(wanted) + " default for " + (hostMemory ? "host" : "device") + " memory";
        // A driver may report any cache size: the product stops at Long.MAX_VALUE.
        long cacheWants = !cacheKnown ? 0 : cacheBytes > Long.MAX_VALUE / settings.cacheMultiple()
                ? Long.MAX_VALUE : cacheBytes * settings.cacheMultiple();
        if (cacheWants > wanted) {
            wanted = cacheWants;
            reason = settings.cacheMultiple() + "x the " + human(cacheBytes) + " cache";
        }
        long limit = wanted;
        long base = freeBytes != null ? freeBytes : totalBytes;
        long share = (long) (base * settings.memoryFraction());
        if (share < limit) {
            limit = share;
            reason = Math.round(settings.memoryFraction() * 100) + "% of "
                    + (freeBytes != null ? "free" : "total (free unknown)") + " memory";
        }
        if (maxAllocationBytes != null && maxAllocationBytes < limit) {
            limit = maxAllocationBytes;
            reason = "the largest single allocation";
        }
        long buffer = limit / ALIGN_BYTES * ALIGN_BYTES;
        if (buffer < MIN_BUFFER_BYTES) {
            throw new DeviceException("not enough memory to benchmark: " + reason + " allows " + human(limit)
                    + ", at least " + human(MIN_BUFFER_BYTES) + " needed");
        }
        List<String> notes = new ArrayList<>();
        if (cacheKnown && cacheWants > buffer) {
            notes.add("buffer " + human(buffer) + " is below " + settings.cacheMultiple() + "x the "
                    + human(cacheBytes) + " cache (limited by " + reason + "); cache hits may raise the figure");
        } else if (!cacheKnown && hostMemory) {
            notes.add("the cache size is not reported here; the " + human(buffer) + " buffer defeats a cache of up "
                    + "to " + human(buffer / settings.cacheMultiple()));
        }
        return new BufferPlan(buffer, limit, reason, notes);
    }

    private static String human(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (double) (1L << 20));
    }
}
