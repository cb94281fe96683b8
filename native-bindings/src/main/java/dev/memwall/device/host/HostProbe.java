package dev.memwall.device.host;

import oshi.SystemInfo;
import oshi.hardware.GlobalMemory;

/** Reads the host's memory through OSHI. */
public final class HostProbe {

    private HostProbe() {
    }

    /** Total and available memory now. */
    public static HostMemory read() {
        SystemInfo info = new SystemInfo();
        GlobalMemory memory = info.getHardware().getMemory();
        long total = memory.getTotal();
        long available = Math.min(total, memory.getAvailable());
        String hostname = info.getOperatingSystem().getNetworkParams().getHostName();
        return new HostMemory(total, available, hostname == null || hostname.isBlank() ? null : hostname);
    }
}
