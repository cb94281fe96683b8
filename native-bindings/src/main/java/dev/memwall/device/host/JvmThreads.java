package dev.memwall.device.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this JVM's own housekeeping threads (JIT compilers, garbage collector, VM thread), from Linux's
 * {@code /proc/self/task/TID/comm} and {@code schedstat} (run time in nanoseconds). Null where those files are
 * absent.
 */
final class JvmThreads {

    private static final Path TASKS = Path.of("/proc/self/task");

    private JvmThreads() {
    }

    /** Nanoseconds the compiler, collector and VM threads have run so far, or null when unknown. */
    static Long cpuNanos() {
        if (!Files.isDirectory(TASKS)) {
            return null;
        }
        long total = 0;
        boolean any = false;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String name = KernelFiles.read(task.resolve("comm"), 64);
                if (name == null || !housekeeping(name.trim())) {
                    continue;
                }
                Long ns = runNanos(KernelFiles.read(task.resolve("schedstat"), 256));
                if (ns != null) {
                    total += ns;
                    any = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return any ? total : null;
    }

    /** The first field of a schedstat line: nanoseconds run. */
    private static Long runNanos(String schedstat) {
        if (schedstat == null) {
            return null;
        }
        String[] f = schedstat.trim().split("\\s+");
        return f.length > 0 && f[0].matches("[0-9]{1,18}") ? Long.valueOf(f[0]) : null;
    }

    /** HotSpot's names for its compiler, collector and VM threads (cut to 15 characters by the kernel). */
    static boolean housekeeping(String name) {
        return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")
                || name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")
                || name.startsWith("Sweeper thread");
    }
}
