package dev.memwall.device;

import java.util.Locale;

/** PCI bus ids in the one form memwall prints and merges by: {@code 0000:3b:00.0}. */
public final class PciBusIds {

    private PciBusIds() {
    }

    /** {@code 0000:3B:00.0} (CUDA) or {@code 00000000:3B:00.0} (NVML) as {@code 0000:3b:00.0}; null for blank. */
    public static String normalize(String busId) {
        if (busId == null || busId.isBlank()) {
            return null;
        }
        String s = busId.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        return colon > 4 ? s.substring(colon - 4) : s;
    }
}
