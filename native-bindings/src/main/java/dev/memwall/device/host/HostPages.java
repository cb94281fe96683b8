package dev.memwall.device.host;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anonymous host memory mapped for a benchmark buffer, with transparent huge pages asked for
 * ({@code madvise(MADV_HUGEPAGE)}). A CPU device's buffer is host memory that must be touched page by page
 * before it is read; with 2 MiB pages the kernel maps it in 1/512th of the faults (about 0.08 s instead of
 * 0.46 s for 256 MiB on a 2-core virtual machine). Where the kernel has no huge pages to give, the same memory
 * comes in 4 KiB pages and only the fill is slower. Linux only: elsewhere {@link #map} answers null.
 */
public final class HostPages implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HostPages.class);
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final long MAP_FAILED = -1L;

    /** The three calls of the C library used here. */
    interface LibC extends Library {
        Pointer mmap(Pointer address, long length, int prot, int flags, int fd, long offset);

        int madvise(Pointer address, long length, int advice);

        int munmap(Pointer address, long length);
    }

    private static final class Holder {
        static final LibC LIBC = load();

        private static LibC load() {
            try {
                return Native.load("c", LibC.class);
            } catch (LinkageError e) {
                LOG.debug("the C library did not load", e);
                return null;
            }
        }
    }

    private final Pointer address;
    private final long bytes;
    private final boolean hugePagesAdvised;
    private boolean closed;

    private HostPages(Pointer address, long bytes, boolean hugePagesAdvised) {
        this.address = address;
        this.bytes = bytes;
        this.hugePagesAdvised = hugePagesAdvised;
    }

    /**
     * Maps {@code bytes} of zeroed private memory, asking for huge pages; null where that is not possible here
     * (not Linux, no C library, mmap refused): the caller then lets the driver allocate.
     */
    public static HostPages map(long bytes) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || bytes <= 0 || bytes > Integer.MAX_VALUE) {
            return null;
        }
        LibC libc = Holder.LIBC;
        if (libc == null) {
            return null;
        }
        Pointer p = libc.mmap(null, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0);
        if (p == null || Pointer.nativeValue(p) == MAP_FAILED) {
            LOG.debug("mmap of {} bytes failed: errno {}", bytes, Native.getLastError());
            return null;
        }
        boolean advised = libc.madvise(p, bytes, MADV_HUGEPAGE) == 0;
        if (!advised) {
            LOG.debug("madvise(MADV_HUGEPAGE) refused: errno {}", Native.getLastError());
        }
        return new HostPages(p, bytes, advised);
    }

    /** The memory as a direct buffer (for a driver call that takes a host pointer). */
    public ByteBuffer buffer() {
        return address.getByteBuffer(0, bytes);
    }

    public long bytes() {
        return bytes;
    }

    /** True when the kernel accepted the request for huge pages (whether it had any to give is its affair). */
    public boolean hugePagesAdvised() {
        return hugePagesAdvised;
    }

    /** Unmaps the memory; nothing may use it afterwards. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (Holder.LIBC.munmap(address, bytes) != 0) {
                LOG.debug("munmap of {} bytes failed: errno {}", bytes, Native.getLastError());
            }
        }
    }
}
