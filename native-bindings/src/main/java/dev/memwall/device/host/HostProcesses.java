package dev.memwall.device.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The processes on this host that hold a model: a {@code .gguf} or {@code .safetensors} file mapped into memory
 * ({@code /proc/PID/maps}) or open ({@code /proc/PID/fd}), or a llama.cpp runtime library mapped (ggml, llama),
 * whatever program loaded them. On Linux; elsewhere (no {@code /proc}) the processes whose command line names a
 * model file ({@link CommandLineProcesses}). Another user's maps and open files are
 * readable only with root or {@code CAP_SYS_PTRACE} (and, in Kubernetes, the host's PID namespace): such
 * processes are counted as unreadable, never guessed at. Every file read is bounded.
 */
public final class HostProcesses {

    /** Bytes of a process's memory map read at most (a large process's map is about 1 MiB). */
    static final int MAX_MAPS_BYTES = 8 << 20;
    /** Bytes of a command line read at most. */
    static final int MAX_COMMAND_LINE_BYTES = 64 << 10;
    /** Open files looked at per process at most. */
    static final int MAX_OPEN_FILES = 4096;
    /** Processes looked at at most. */
    static final int MAX_PROCESSES = 65_536;
    /** Arguments of a command line kept at most. */
    static final int MAX_ARGUMENTS = 512;

    /**
     * One model file a process holds.
     *
     * @param path          the file as the process names it
     * @param sizeBytes     the file's size, or null when it cannot be read from here
     * @param residentBytes bytes of it resident in the process's memory (its mapped pages in RAM), or null when
     *                      it is only open, not mapped, or the process's map details cannot be read
     */
    public record ModelFile(String path, Long sizeBytes, Long residentBytes) {
    }

    /**
     * A process that holds a model or a model runtime.
     *
     * @param pid              its process id
     * @param name             its name ({@code /proc/PID/comm}), or null
     * @param commandLine      its arguments, or null when unreadable
     * @param residentBytes    its resident memory ({@code VmRSS}), or null
     * @param anonymousBytes   the part of it not backed by a file ({@code RssAnon}: heaps and the buffers a runtime
     *                         allocates, not its program's and libraries' pages nor a mapped model's), or null
     * @param models           the model files it holds, mapped or open
     * @param runtimeLibraries the model-runtime libraries it has mapped (file names: {@code libllama.so},
     *                         {@code libggml-cpu.so}, ...)
     * @param cgroup           its control group ({@code /proc/PID/cgroup}: the unified hierarchy's path, else the
     *                         memory controller's), or null
     * @param containerId      the container it runs in, where the control group names one (the 64 hexadecimal
     *                         digits Docker, containerd and CRI-O put in it), else null
     */
    public record HostProcess(long pid, String name, List<String> commandLine, Long residentBytes,
            Long anonymousBytes, List<ModelFile> models, List<String> runtimeLibraries, String cgroup,
            String containerId) {

        /** One whose anonymous memory is not known. */
        public HostProcess(long pid, String name, List<String> commandLine, Long residentBytes, List<ModelFile> models,
                List<String> runtimeLibraries, String cgroup, String containerId) {
            this(pid, name, commandLine, residentBytes, null, models, runtimeLibraries, cgroup, containerId);
        }

        /** Whether it has a llama.cpp library (ggml or llama) mapped. */
        public boolean runsLlamaCpp() {
            return runtimeLibraries.stream().anyMatch(l -> l.startsWith("libllama") || l.startsWith("libggml"));
        }
    }

    /**
     * What a scan found.
     *
     * @param processes  the processes holding a model or runtime, by pid
     * @param unreadable processes whose memory map this process may not read (another user's, without root or
     *                   {@code CAP_SYS_PTRACE})
     * @param examined   processes looked at
     */
    public record Scan(List<HostProcess> processes, int unreadable, int examined) {
    }

    private HostProcesses() {
    }

    /** Every process of this host but this one that holds a model or a model runtime. */
    public static Scan scan() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            try {
                return CommandLineProcesses.scan();
            } catch (RuntimeException | LinkageError e) {
                return new Scan(List.of(), 0, 0);
            }
        }
        return scan(Path.of("/proc"), ProcessHandle.current().pid());
    }

    /** The process with this pid as a scan sees it, or null when it holds no model or runtime or is gone. */
    public static HostProcess read(long pid) {
        return read(Path.of("/proc"), pid);
    }

    /**
     * A process as a scan sees it whether or not it holds a model (name, command line, resident memory, control
     * group; model files and runtime libraries where it has them), or null when it is gone or its maps are not ours
     * to read.
     */
    public static HostProcess describe(long pid) {
        Path dir = Path.of("/proc", Long.toString(pid));
        String maps = KernelFiles.readUtf8(dir.resolve("maps"), MAX_MAPS_BYTES);
        if (maps == null) {
            return null;
        }
        HostProcess p = read(dir, pid, maps);
        if (p != null) {
            return p;
        }
        String comm = KernelFiles.readUtf8(dir.resolve("comm"), 64);
        String cgroup = cgroup(KernelFiles.readUtf8(dir.resolve("cgroup"), 16 << 10));
        Long[] memory = memory(dir);
        return new HostProcess(pid, comm == null ? null : comm.strip(), commandLine(dir), memory[0], memory[1],
                List.of(), List.of(), cgroup, containerId(cgroup));
    }

    static Scan scan(Path proc, long self) {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc)) {
            for (Path e : entries) {
                String n = e.getFileName().toString();
                if (pids.size() < MAX_PROCESSES && !n.isEmpty() && n.length() <= 18 && n.chars().allMatch(
                        c -> c >= '0' && c <= '9')) {
                    pids.add(Long.parseLong(n));
                }
            }
        } catch (IOException | SecurityException e) {
            return new Scan(List.of(), 0, 0);
        }
        pids.sort(null);
        List<HostProcess> found = new ArrayList<>();
        int unreadable = 0;
        int examined = 0;
        for (long pid : pids) {
            if (pid == self) {
                continue;
            }
            Path dir = proc.resolve(Long.toString(pid));
            String maps = KernelFiles.readUtf8(dir.resolve("maps"), MAX_MAPS_BYTES);
            if (maps == null) {
                if (Files.isDirectory(dir) && Files.exists(dir.resolve("stat"))) {
                    examined++;
                    unreadable++;
                }
                continue;
            }
            examined++;
            HostProcess p = read(dir, pid, maps);
            if (p != null) {
                found.add(p);
            }
        }
        return new Scan(List.copyOf(found), unreadable, examined);
    }

    static HostProcess read(Path proc, long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        String maps = KernelFiles.readUtf8(dir.resolve("maps"), MAX_MAPS_BYTES);
        return maps == null ? null : read(dir, pid, maps);
    }

    private static HostProcess read(Path dir, long pid, String maps) {
        Map<String, Boolean> models = new LinkedHashMap<>();
        List<String> libraries = new ArrayList<>();
        List<String> otherFiles = new ArrayList<>();
        for (String line : maps.split("\n")) {
            String path = mappedPath(line);
            if (path == null) {
                continue;
            }
            if (isModelFile(path)) {
                models.put(path, true);
            } else {
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (isRuntimeLibrary(file) && !libraries.contains(file)) {
                    libraries.add(file);
                } else if (!file.contains(".so") && !otherFiles.contains(path)) {
                    otherFiles.add(path);
                }
            }
        }
        // A llama.cpp runtime may map its model under a name without the extension (Ollama's blobs are named by
        // their digest): a mapped file that begins with GGUF's magic is a model too.
        if (!libraries.isEmpty()) {
            int looked = 0;
            for (String path : otherFiles) {
                if (looked++ == MAX_MAGIC_CHECKS) {
                    break;
                }
                if (startsWithGgufMagic(dir, path)) {
                    models.put(path, true);
                }
            }
        }
        for (String open : openFiles(dir)) {
            if (isModelFile(open)) {
                models.putIfAbsent(open, false);
            }
        }
        if (models.isEmpty() && libraries.isEmpty()) {
            return null;
        }
        Map<String, Long> resident = models.containsValue(true) ? residentByPath(dir, models.keySet()) : Map.of();
        List<ModelFile> files = new ArrayList<>();
        for (Map.Entry<String, Boolean> m : models.entrySet()) {
            files.add(new ModelFile(m.getKey(), size(dir, m.getKey()), m.getValue() ? resident.get(m.getKey()) : null));
        }
        String comm = KernelFiles.readUtf8(dir.resolve("comm"), 64);
        String cgroup = cgroup(KernelFiles.readUtf8(dir.resolve("cgroup"), 16 << 10));
        Long[] memory = memory(dir);
        return new HostProcess(pid, comm == null ? null : comm.strip(), commandLine(dir), memory[0], memory[1],
                List.copyOf(files), List.copyOf(libraries), cgroup, containerId(cgroup));
    }

    /** The path a line of {@code /proc/PID/maps} maps, or null for anonymous memory and pseudo-paths. */
    static String mappedPath(String line) {
        // address perms offset dev inode path; the path may contain spaces
        int fields = 0;
        int i = 0;
        int n = line.length();
        while (i < n && fields < 5) {
            while (i < n && line.charAt(i) != ' ') {
                i++;
            }
            fields++;
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
        }
        if (fields < 5 || i >= n || line.charAt(i) != '/') {
            return null;
        }
        String path = line.substring(i);
        return path.endsWith(" (deleted)") ? path.substring(0, path.length() - " (deleted)".length()) : path;
    }

    /** The control group path from {@code /proc/PID/cgroup}: cgroup v2's {@code 0::PATH}, else v1's memory one. */
    static String cgroup(String text) {
        if (text == null) {
            return null;
        }
        String memory = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("0::")) {
                return line.substring(3);
            }
            String[] f = line.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
                memory = f[2];
            }
        }
        return memory;
    }

    private static final java.util.regex.Pattern CONTAINER_ID = java.util.regex.Pattern.compile(
            "(?<![0-9a-f])([0-9a-f]{64})(?![0-9a-f])");

    /** The last 64-hex-digit run in a control group path (a container's id), or null. */
    static String containerId(String cgroup) {
        if (cgroup == null) {
            return null;
        }
        java.util.regex.Matcher m = CONTAINER_ID.matcher(cgroup);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }

    /** Mapped files of a llama.cpp process whose first bytes are read, at most, looking for a model by content. */
    static final int MAX_MAGIC_CHECKS = 32;

    /** Whether the file (as this process, or through the process's root, sees it) begins with "GGUF". */
    private static boolean startsWithGgufMagic(Path dir, String path) {
        for (Path p : List.of(Path.of(path), dir.resolve("root").resolve(path.substring(1)))) {
            Boolean gguf = ggufMagic(p);
            if (gguf != null) {
                return gguf;
            }
        }
        return false;
    }

    /**
     * Whether this file begins with GGUF's magic, or null when it cannot be read from here. Only a regular file is
     * opened: a process also maps device files (a GPU driver's /dev/nvidia*), and opening one, or a FIFO, could
     * wait or act on the device.
     */
    static Boolean ggufMagic(Path p) {
        try {
            if (!Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).isRegularFile()) {
                return false;
            }
        } catch (IOException | SecurityException | java.nio.file.InvalidPathException
                | UnsupportedOperationException e) {
            return null;
        }
        try (java.io.InputStream in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException | SecurityException | java.nio.file.InvalidPathException
                | UnsupportedOperationException e) {
            return null;
        }
    }

    static boolean isModelFile(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.endsWith(".gguf") || p.endsWith(".safetensors");
    }

    /** llama.cpp's libraries, as every runtime built on it ships them (llama-server, Ollama, node-llama-cpp). */
    static boolean isRuntimeLibrary(String file) {
        return (file.startsWith("libllama") || file.startsWith("libggml")) && file.contains(".so");
    }

    private static List<String> openFiles(Path dir) {
        List<String> out = new ArrayList<>();
        int seen = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir.resolve("fd"))) {
            for (Path fd : fds) {
                if (++seen > MAX_OPEN_FILES) {
                    break;
                }
                try {
                    out.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException | UnsupportedOperationException | SecurityException e) {
                    // closed meanwhile, or not ours to read
                }
            }
        } catch (IOException | SecurityException e) {
            // another user's files
        }
        return out;
    }

    /** Resident bytes of each of these paths' mappings, from {@code /proc/PID/smaps}. */
    private static Map<String, Long> residentByPath(Path dir, java.util.Set<String> paths) {
        Map<String, Long> out = new LinkedHashMap<>();
        String smaps = KernelFiles.readUtf8(dir.resolve("smaps"), MAX_MAPS_BYTES * 4);
        if (smaps == null) {
            return out;
        }
        String current = null;
        for (String line : smaps.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            char c = line.charAt(0);
            boolean header = (c >= '0' && c <= '9' || c >= 'a' && c <= 'f') && line.indexOf('-') > 0
                    && line.indexOf(':') > line.indexOf(' ');
            if (header && !line.startsWith("Rss:")) {
                String path = mappedPath(line);
                current = path != null && paths.contains(path) ? path : null;
            } else if (current != null && line.startsWith("Rss:")) {
                Long kib = kib(line);
                if (kib != null) {
                    out.merge(current, kib * 1024, Long::sum);
                }
            }
        }
        return out;
    }

    private static Long size(Path dir, String path) {
        for (Path p : List.of(Path.of(path), dir.resolve("root").resolve(path.substring(1)))) {
            try {
                if (Files.isRegularFile(p)) {
                    return Files.size(p);
                }
            } catch (IOException | SecurityException | java.nio.file.InvalidPathException e) {
                // try the next
            }
        }
        return null;
    }

    private static List<String> commandLine(Path dir) {
        String raw = KernelFiles.readUtf8(dir.resolve("cmdline"), MAX_COMMAND_LINE_BYTES);
        if (raw == null) {
            return null;
        }
        List<String> args = new ArrayList<>();
        for (String a : raw.split("\u0000")) {
            if (args.size() == MAX_ARGUMENTS) {
                break;
            }
            args.add(a);
        }
        while (!args.isEmpty() && args.get(args.size() - 1).isEmpty()) {
            args.remove(args.size() - 1);
        }
        return List.copyOf(args);
    }

    /** {@code VmRSS} and {@code RssAnon} in bytes, each null where unreadable. */
    private static Long[] memory(Path dir) {
        Long[] out = new Long[2];
        String status = KernelFiles.read(dir.resolve("status"), 16 << 10);
        if (status == null) {
            return out;
        }
        for (String line : status.split("\n")) {
            int i = line.startsWith("VmRSS:") ? 0 : line.startsWith("RssAnon:") ? 1 : -1;
            if (i >= 0) {
                Long kib = kib(line);
                out[i] = kib == null ? null : kib * 1024;
            }
        }
        return out;
    }

    /** The number of a {@code Name:   1234 kB} line, or null. */
    private static Long kib(String line) {
        String digits = line.replaceAll("[^0-9]", "");
        if (digits.isEmpty() || digits.length() > 15 || !line.trim().endsWith("kB")) {
            return null;
        }
        return Long.parseLong(digits);
    }
}
