package dev.memwall.device.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's last-level cache as Linux describes it under {@code /sys/devices/system/cpu/cpu*}{@code /cache}:
 * the highest level's size, summed over its instances (a server CPU has one L3 per core complex, and a
 * benchmark on every core reaches all of them). Unknown (null) where the kernel does not say, as in many
 * virtual machines.
 */
public final class HostCaches {

    private static final Logger LOG = LoggerFactory.getLogger(HostCaches.class);
    private static final Path CPUS = Path.of("/sys/devices/system/cpu");
    /** Sizes past this are not a cache; the entry is ignored. */
    private static final long MAX_BYTES = 1L << 40;

    private HostCaches() {
    }

    /** The total bytes of the last-level cache, or null when unknown. */
    public static Long lastLevelBytes() {
        return lastLevelBytes(CPUS);
    }

    static Long lastLevelBytes(Path cpus) {
        // level -> (shared_cpu_list -> size): each instance counted once.
        Map<Integer, Map<String, Long>> levels = new HashMap<>();
        try (DirectoryStream<Path> cpuDirs = Files.newDirectoryStream(cpus, "cpu[0-9]*")) {
            for (Path cpu : cpuDirs) {
                Path cache = cpu.resolve("cache");
                if (!Files.isDirectory(cache)) {
                    continue;
                }
                try (DirectoryStream<Path> indexes = Files.newDirectoryStream(cache, "index[0-9]*")) {
                    for (Path index : indexes) {
                        String type = read(index.resolve("type"));
                        Integer level = parseInt(read(index.resolve("level")));
                        Long size = parseSize(read(index.resolve("size")));
                        String shared = read(index.resolve("shared_cpu_list"));
                        if (level == null || size == null || "Instruction".equals(type)) {
                            continue;
                        }
                        levels.computeIfAbsent(level, l -> new HashMap<>())
                                .put(shared == null ? cpu.getFileName().toString() : shared, size);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cache sizes under {} could not be read", cpus, e);
            return null;
        }
        return levels.keySet().stream().max(Integer::compare)
                .map(top -> levels.get(top).values().stream().mapToLong(Long::longValue).sum())
                .filter(total -> total > 0)
                .orElse(null);
    }

    private static String read(Path file) {
        String text = KernelFiles.read(file, 4096);
        return text == null ? null : text.trim();
    }

    private static Integer parseInt(String s) {
        if (s == null || !s.matches("[0-9]{1,3}")) {
            return null;
        }
        return Integer.valueOf(s);
    }

    /** "32768K", "32M", "1G" or a plain byte count; null for anything else. */
    static Long parseSize(String s) {
        if (s == null || !s.matches("[0-9]{1,12}[KMG]?")) {
            return null;
        }
        char unit = s.charAt(s.length() - 1);
        long shift = switch (Character.toUpperCase(unit)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        long n = Long.parseLong(shift == 0 ? s : s.substring(0, s.length() - 1).toLowerCase(Locale.ROOT));
        long bytes = n << shift;
        return bytes > 0 && bytes <= MAX_BYTES ? bytes : null;
    }
}
