package dev.memwall.device.host;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import oshi.SystemInfo;
import oshi.hardware.GlobalMemory;

/**
 * Reads the host's memory. On Linux from the kernel's own {@code /proc/meminfo} (MemTotal, MemAvailable: the
 * figures OSHI reads there too) and {@code /proc/sys/kernel/hostname}, which takes a millisecond; elsewhere, or
 * where those files say nothing usable, through OSHI, whose first use costs about a quarter of a second (its
 * classes, JNA, and a command it runs for the host name).
 */
public final class HostProbe {

    private static final Logger LOG = LoggerFactory.getLogger(HostProbe.class);
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    private HostProbe() {
    }

    /** Total and available memory now. */
    public static HostMemory read() {
        HostMemory fromKernel = fromProc(MEMINFO, HOSTNAME);
        return fromKernel != null ? fromKernel : throughOshi();
    }

    /** Through OSHI, on any system it supports. */
    static HostMemory throughOshi() {
        SystemInfo info = new SystemInfo();
        GlobalMemory memory = info.getHardware().getMemory();
        long total = memory.getTotal();
        long available = Math.min(total, memory.getAvailable());
        String hostname = info.getOperatingSystem().getNetworkParams().getHostName();
        return new HostMemory(total, available, hostname == null || hostname.isBlank() ? null : hostname);
    }

    /** From Linux's files, or null when they are absent or do not give both figures. */
    static HostMemory fromProc(Path meminfo, Path hostnameFile) {
        String text = KernelFiles.read(meminfo, 64 * 1024);
        if (text == null) {
            return null;
        }
        Long total = null;
        Long available = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("MemTotal:")) {
                total = kib(line);
            } else if (line.startsWith("MemAvailable:")) {
                available = kib(line);
            }
        }
        if (total == null || available == null || total <= 0) {
            LOG.debug("{} gave no MemTotal and MemAvailable; asking OSHI", meminfo);
            return null;
        }
        String hostname = KernelFiles.read(hostnameFile, 256);
        hostname = hostname == null ? null : hostname.trim();
        return new HostMemory(total, Math.max(0, Math.min(total, available)),
                hostname == null || hostname.isEmpty() ? null : hostname);
    }

    /** "MemTotal:       24683748 kB" in bytes, or null. */
    private static Long kib(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length != 3 || !"kB".equals(f[2]) || !f[1].matches("[0-9]{1,15}")) {
            return null;
        }
        return Long.parseLong(f[1]) * 1024;
    }
}
