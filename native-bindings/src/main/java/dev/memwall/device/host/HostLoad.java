package dev.memwall.device.host;

import java.nio.file.Path;

/**
 * What else the host's CPUs did while a benchmark ran: CPU time taken by other processes (and by the hypervisor,
 * as steal) between two readings of {@code /proc/stat}, less this process's own time from
 * {@code /proc/self/stat}; and the time of this JVM's own compiler and collector threads
 * ({@code /proc/self/task/*}{@code /schedstat}), which compete with a benchmark as much as another process does.
 * Each in cores on average over the wall time, with the one-minute load average at the end. A benchmark on a CPU
 * device competes with that load directly; on a GPU it slows the launches.
 *
 * @param otherCores      CPU cores other processes and the hypervisor kept busy on average, or null when unknown
 * @param cores           the host's CPU cores (as the JVM sees them)
 * @param loadAverage     the one-minute load average at the end, or null when unknown
 * @param jvmCores        CPU cores this JVM's compiler and collector threads kept busy, or null when unknown
 */
public record HostLoad(Double otherCores, int cores, Double loadAverage, Double jvmCores) {


    /** Clock ticks per second of /proc/stat and /proc/PID/stat (USER_HZ, 100 on every Linux architecture). */
    private static final double TICKS_PER_SECOND = 100;
    private static final Path STAT = Path.of("/proc/stat");
    private static final Path SELF_STAT = Path.of("/proc/self/stat");
    private static final Path LOADAVG = Path.of("/proc/loadavg");

    /** Shorter than this (two clock ticks), a share of CPU time is noise: unknown. */
    static final double MIN_SECONDS = 0.02;

    /** Others kept at least this share of the host's cores busy: the figure is probably low. */
    public static final double BUSY_SHARE = 0.10;

    /** True when others and the JVM's own threads kept at least {@link #BUSY_SHARE} of the host's cores busy. */
    public boolean busy() {
        double busy = (otherCores == null ? 0 : otherCores) + (jvmCores == null ? 0 : jvmCores);
        return (otherCores != null || jvmCores != null) && busy >= BUSY_SHARE * cores;
    }

    /** A reading to measure from; {@link #since} gives the load from then to now. */
    public record Mark(long nanos, Long allTicks, Long selfTicks, Long jvmNanos) {
    }

    /** Marks now. */
    public static Mark mark() {
        return new Mark(System.nanoTime(), busyTicks(), selfTicks(), JvmThreads.cpuNanos());
    }

    /**
     * Waits, up to {@code maxNanos}, until this JVM's compiler and collector threads have been idle (under a
     * twentieth of a core) for 20 ms: a benchmark started right after the JVM's start-up otherwise shares the
     * CPUs with the compiler. Returns the nanoseconds waited.
     */
    public static long awaitQuietJvm(long maxNanos) {
        long start = System.nanoTime();
        Long before = JvmThreads.cpuNanos();
        if (before == null) {
            return 0;
        }
        while (System.nanoTime() - start < maxNanos) {
            long windowStart = System.nanoTime();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            Long after = JvmThreads.cpuNanos();
            if (after == null) {
                break;
            }
            long spent = after - before;
            before = after;
            if (spent < (System.nanoTime() - windowStart) / 20) {
                break;
            }
        }
        return System.nanoTime() - start;
    }

    /** The load from the mark to now. */
    public static HostLoad since(Mark mark) {
        double seconds = (System.nanoTime() - mark.nanos()) / 1e9;
        Long all = busyTicks();
        Long self = selfTicks();
        Double others = null;
        if (seconds >= MIN_SECONDS && all != null && self != null && mark.allTicks() != null && mark.selfTicks() != null) {
            double ticks = (all - mark.allTicks()) - (self - mark.selfTicks());
            others = Math.max(0, ticks / TICKS_PER_SECOND / seconds);
        }
        Long jvm = JvmThreads.cpuNanos();
        Double jvmCores = seconds >= MIN_SECONDS && jvm != null && mark.jvmNanos() != null
                ? Math.max(0, (jvm - mark.jvmNanos()) / 1e9 / seconds) : null;
        return new HostLoad(others, Runtime.getRuntime().availableProcessors(), readLoadAverage(), jvmCores);
    }

    /** Busy ticks of all CPUs: user, nice, system, irq, softirq and steal (idle and iowait are not busy). */
    static Long busyTicks() {
        String text = KernelFiles.read(STAT, 4096);
        if (text == null || !text.startsWith("cpu ")) {
            return null;
        }
        String[] f = text.substring(0, text.indexOf('\n') < 0 ? text.length() : text.indexOf('\n')).trim()
                .split("\\s+");
        if (f.length < 9) {
            return null;
        }
        try {
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** This process's user + system ticks (fields 14 and 15, counted after the command name's parenthesis). */
    static Long selfTicks() {
        String text = KernelFiles.read(SELF_STAT, 4096);
        int close = text == null ? -1 : text.lastIndexOf(')');
        if (close < 0) {
            return null;
        }
        String[] f = text.substring(close + 1).trim().split("\\s+");
        if (f.length < 13) {
            return null;
        }
        try {
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Double readLoadAverage() {
        String text = KernelFiles.read(LOADAVG, 4096);
        if (text == null) {
            return null;
        }
        try {
            return Double.parseDouble(text.trim().split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
