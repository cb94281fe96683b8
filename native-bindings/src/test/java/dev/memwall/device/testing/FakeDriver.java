package dev.memwall.device.testing;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Fake NVIDIA drivers for tests on machines without a GPU: a {@code libcuda.so.1} (driver API, called by
 * JCuda's real JNI code) and a {@code libnvidia-ml.so.1} (NVML, called through JNA), both small C libraries
 * in {@code native-bindings/src/test/c}, compiled here with gcc into {@code native-bindings/target/fake-driver/}.
 *
 * <h2>Two ways to use them</h2>
 * <ul>
 *   <li>In this JVM: {@link #loadIntoThisJvm()} before anything touches JCuda or NVML. It {@code System.load}s
 *       both by absolute path; when JCuda then loads {@code libJCudaDriver}, the dynamic loader satisfies its
 *       {@code NEEDED libcuda.so.1} with the library already loaded under that SONAME, and JNA's
 *       {@code NativeLibrary.getInstance("libnvidia-ml.so.1")} (or {@code "nvidia-ml"}) gets the fake too
 *       (the fake folder is also added to JNA's search path for {@code cuda}, {@code libcuda.so.1},
 *       {@code nvidia-ml} and {@code libnvidia-ml.so.1}). If JCuda was initialised before, in this JVM,
 *       against no driver, its class is broken for good: load the fakes first (or fork the test).</li>
 *   <li>In a child process (the memwall jar or launcher): {@link #processEnvironment(Path)} gives
 *       {@code LD_LIBRARY_PATH} and {@code MEMWALL_FAKE_GPU_CONFIG}; the fakes read that file on their first
 *       call.</li>
 * </ul>
 *
 * <h2>Configuration</h2>
 * One item per line, {@code #} comments. Settings {@code context_bytes=N} (device memory one CUDA context
 * costs, default 300 MiB), {@code driver_version=12060}, {@code nvml_driver_version=580.65.06}. Devices:
 * {@code device k=v ...} (values may be double-quoted) with keys {@code name uuid pci total free reserved cc sms
 * sm_clock_khz mem_clock_khz bus_width l2 ecc processes process_list process_growth nvml_processes_version nvml_v2
 * broken_identity nvml_memory_drift_bytes pci_device_id pci_subsystem_id}; sizes take K/KiB, M/MiB, G/GiB, T/TiB and fractions ({@code 1.5GiB}). NVML used
 * memory is {@code total - reserved - free}; {@code nvml_v2=0} makes {@code nvmlDeviceGetMemoryInfo_v2} return
 * NVML_ERROR_FUNCTION_NOT_FOUND; {@code nvml_memory_drift_bytes=N} (a size, may be negative) adds N to its
 * {@code used}, so the parts miss the total by -N (unsigned, as in C: below -used it wraps); {@code broken_identity=1}
 * adds another 1 MiB. Processes NVML lists, in this order: {@code processes=N} compute processes (pids 10000 + i,
 * {@code context_bytes} each); {@code process_list=12345:1GiB:compute,12346:hidden:graphics} (pid, bytes or
 * {@code hidden} for NVML_VALUE_NOT_AVAILABLE, kind; at most 32 entries, a pid may repeat); {@code process_growth=N}
 * compute processes more (pids 20000 + i) after every process query on the device, as if they started between the
 * count and the list. {@code nvml_processes_version=3|2|1} is the newest
 * {@code nvmlDevice{Compute,Graphics}RunningProcesses} version present (default 3): newer ones return
 * NVML_ERROR_FUNCTION_NOT_FOUND; version 1 (the unversioned names) fills the 16-byte legacy struct. Faults:
 * {@code fault cuda|nvml FUNCTION NTH ERRORCODE [device=N] [sticky]} — the NTH call of FUNCTION (counted from
 * when the fault was set; with {@code device=N} only calls concerning device N count) returns ERRORCODE
 * instead of doing its work; with {@code sticky} the device is lost: every later call concerning it fails with
 * that code (calls that release something still release, so leak counters stay meaningful; a sticky fault on
 * a call that concerns no device breaks the whole library). Unknown keys and function names are errors.
 * See {@code fake_common.h} for the details.
 *
 * <h2>Library state</h2>
 * The two libraries share the C source of the configuration parser and fault engine ({@code fake_common.h})
 * but each keeps its own state, so {@link #configure} sends the text to both. Control functions: in the
 * CUDA fake {@code fake_configure}, {@code fake_last_error}, {@code fake_inject(lib, ...)},
 * {@code fake_calls(lib, function)} (lib must be "cuda") and the {@code fake_cuda_live_*} counters; in the
 * NVML fake {@code fake_nvml_configure}, {@code fake_nvml_last_error}, {@code fake_nvml_inject(function, ...)},
 * {@code fake_nvml_calls(function)} and {@code fake_nvml_live_inits}. Configuring resets faults, call counts,
 * lost devices, and the initialised state ({@code cuInit}/{@code nvmlInit} must be called again); it also
 * frees the CUDA fake's device memory, streams, events and modules and invalidates every context.
 *
 * <h2>What the CUDA fake enforces</h2>
 * Calls need {@code cuInit}; memory, stream, event, module and launch calls need a live current context;
 * device pointers must lie inside a live allocation; handles must be live; {@code cuMemAlloc} fails with
 * out-of-memory past {@code free - context_bytes - allocated}; a PTX {@code .version} newer than
 * {@code driver_version} allows gives CUDA_ERROR_UNSUPPORTED_PTX_VERSION, a {@code .target sm_XY} above the
 * device gives CUDA_ERROR_INVALID_PTX, each with a ptxas-style line in {@code CU_JIT_ERROR_LOG_BUFFER} when
 * {@code cuModuleLoadDataEx} is given one (a fault injected into {@code cuModuleLoadDataEx} writes a two-line log
 * naming its code); the only kernel is {@code read_stream} (XOR fold, run on the host).
 * Releasing a primary context does not free what was allocated in it. A driver function the fake lacks is a
 * missing symbol: calling it ends the process ("symbol lookup error").
 */
public final class FakeDriver {

    public static final String CONFIG_ENV = "MEMWALL_FAKE_GPU_CONFIG";
    /**
     * When set in a child process's environment, the CUDA fake writes its live-object counters to this file at
     * exit ({@code contexts=N}, {@code context_refs}, {@code allocations}, {@code pinned}, {@code streams},
     * {@code events}, {@code modules}), one per line.
     */
    public static final String COUNTERS_ENV = "MEMWALL_FAKE_GPU_COUNTERS";
    public static final String CUDA_LIBRARY = "libcuda.so.1";
    public static final String NVML_LIBRARY = "libnvidia-ml.so.1";

    private static final String SOURCES = "native-bindings/src/test/c";
    private static final String COMMON_HEADER = "fake_common.h";

    /** Control functions of the fake libcuda.so.1. */
    public interface CudaControl extends Library {
        int fake_configure(String text);

        String fake_last_error();

        int fake_inject(String lib, String function, int nth, int code, int device, int sticky);

        long fake_calls(String lib, String function);

        int fake_cuda_live_contexts();

        int fake_cuda_live_context_refs();

        int fake_cuda_context_stack_depth();

        long fake_cuda_live_allocations();

        long fake_cuda_live_allocated_bytes();

        long fake_cuda_live_pinned();

        int fake_cuda_live_streams();

        int fake_cuda_live_events();

        int fake_cuda_live_modules();
    }

    /** Control functions of the fake libnvidia-ml.so.1. */
    public interface NvmlControl extends Library {
        int fake_nvml_configure(String text);

        String fake_nvml_last_error();

        int fake_nvml_inject(String function, int nth, int code, int device, int sticky);

        long fake_nvml_calls(String function);

        int fake_nvml_live_inits();
    }

    private static Boolean gcc;
    private static Path loadedFrom;
    private static CudaControl cuda;
    private static NvmlControl nvml;

    private FakeDriver() {
    }

    /** Whether {@code gcc} runs here. */
    public static synchronized boolean gccPresent() {
        if (gcc == null) {
            try {
                Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                gcc = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                gcc = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                gcc = false;
            }
        }
        return gcc;
    }

    /** The repository root: {@code -Dmemwall.root}, else the nearest folder above the working directory holding the C sources. */
    public static Path repositoryRoot() {
        String property = System.getProperty("memwall.root");
        if (property != null && !property.isBlank()) {
            return Paths.get(property).toAbsolutePath().normalize();
        }
        Path start = Paths.get("").toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(SOURCES))) {
                return dir;
            }
        }
        throw new IllegalStateException("no folder above " + start + " holds " + SOURCES + " (set -Dmemwall.root)");
    }

    /** The folder the fakes are built into: {@code native-bindings/target/fake-driver}. */
    public static Path libraryDirectory() {
        return repositoryRoot().resolve("native-bindings/target/fake-driver");
    }

    /**
     * Compiles both fakes with gcc when missing or older than their C sources, and returns their folder.
     *
     * @throws IOException with gcc's output when compilation fails
     */
    public static synchronized Path build() throws IOException {
        Path root = repositoryRoot();
        Path sources = root.resolve(SOURCES);
        Path out = root.resolve("native-bindings/target/fake-driver");
        Files.createDirectories(out);
        compileIfStale(sources, "fake_cuda.c", out, CUDA_LIBRARY);
        compileIfStale(sources, "fake_nvml.c", out, NVML_LIBRARY);
        return out;
    }

    private static void compileIfStale(Path sources, String source, Path out, String library) throws IOException {
        Path target = out.resolve(library);
        Path src = sources.resolve(source);
        Path header = sources.resolve(COMMON_HEADER);
        if (!Files.isRegularFile(src)) {
            throw new IOException("missing C source " + src);
        }
        if (Files.isRegularFile(target)) {
            FileTime built = Files.getLastModifiedTime(target);
            boolean fresh = built.compareTo(Files.getLastModifiedTime(src)) >= 0
                    && (!Files.isRegularFile(header) || built.compareTo(Files.getLastModifiedTime(header)) >= 0);
            if (fresh) {
                return;
            }
        }
        // Build beside the target and move into place: other JVMs may be building or using it right now.
        Path tmp = Files.createTempFile(out, library + ".", ".tmp");
        List<String> command = List.of("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Wl,-soname," + library,
                "-o", tmp.toString(), src.toString(), "-lpthread");
        String output;
        int exit;
        try {
            Process p = new ProcessBuilder(command).directory(sources.toFile()).redirectErrorStream(true).start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("gcc took more than 120 s for " + src);
            }
            exit = p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Files.deleteIfExists(tmp);
            throw new InterruptedIOException("interrupted while compiling " + src);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("cannot run gcc for " + src + ": " + e.getMessage(), e);
        }
        if (exit != 0) {
            Files.deleteIfExists(tmp);
            throw new IOException("gcc failed (exit " + exit + ") building " + library + ": " + String.join(" ", command)
                    + System.lineSeparator() + output);
        }
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep what gcc made
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Builds the fakes and loads both into this JVM (once), before JCuda or JNA look for the real ones, and
     * binds their control functions.
     */
    public static synchronized void loadIntoThisJvm() throws IOException {
        if (loadedFrom != null) {
            return;
        }
        Path dir = build();
        Path cudaLib = dir.resolve(CUDA_LIBRARY).toAbsolutePath();
        Path nvmlLib = dir.resolve(NVML_LIBRARY).toAbsolutePath();
        System.load(cudaLib.toString());
        System.load(nvmlLib.toString());
        for (String name : List.of("cuda", CUDA_LIBRARY)) {
            NativeLibrary.addSearchPath(name, dir.toString());
        }
        for (String name : List.of("nvidia-ml", NVML_LIBRARY)) {
            NativeLibrary.addSearchPath(name, dir.toString());
        }
        cuda = Native.load(cudaLib.toString(), CudaControl.class);
        nvml = Native.load(nvmlLib.toString(), NvmlControl.class);
        loadedFrom = dir;
    }

    private static synchronized CudaControl cuda() {
        ensureLoaded();
        return cuda;
    }

    private static synchronized NvmlControl nvml() {
        ensureLoaded();
        return nvml;
    }

    private static void ensureLoaded() {
        if (loadedFrom == null) {
            try {
                loadIntoThisJvm();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Replaces both fakes' configuration (see the class comment); resets faults, counts and initialisation. */
    public static void configure(String text) {
        if (cuda().fake_configure(text) != 0) {
            throw new IllegalArgumentException("fake libcuda rejects the configuration: " + cuda().fake_last_error());
        }
        if (nvml().fake_nvml_configure(text) != 0) {
            throw new IllegalArgumentException("fake NVML rejects the configuration: " + nvml().fake_nvml_last_error());
        }
    }

    /** Makes the {@code nth} next call of {@code function} (concerning {@code device}, -1 any) return {@code code}. */
    public static void injectCuda(String function, int nth, int code, int device, boolean sticky) {
        if (cuda().fake_inject("cuda", function, nth, code, device, sticky ? 1 : 0) != 0) {
            throw new IllegalArgumentException(cuda().fake_last_error());
        }
    }

    /** As {@link #injectCuda} for NVML functions. */
    public static void injectNvml(String function, int nth, int code, int device, boolean sticky) {
        if (nvml().fake_nvml_inject(function, nth, code, device, sticky ? 1 : 0) != 0) {
            throw new IllegalArgumentException(nvml().fake_nvml_last_error());
        }
    }

    /** Devices whose primary context is retained (0 when everything was released). */
    public static int liveContexts() {
        return cuda().fake_cuda_live_contexts();
    }

    /** Primary-context retains not yet released, summed over devices. */
    public static int liveContextRefs() {
        return cuda().fake_cuda_live_context_refs();
    }

    /** Depth of the calling thread's CUDA context stack (pushes not popped). */
    public static int contextStackDepth() {
        return cuda().fake_cuda_context_stack_depth();
    }

    public static long liveAllocations() {
        return cuda().fake_cuda_live_allocations();
    }

    public static long liveAllocatedBytes() {
        return cuda().fake_cuda_live_allocated_bytes();
    }

    public static long livePinned() {
        return cuda().fake_cuda_live_pinned();
    }

    public static int liveStreams() {
        return cuda().fake_cuda_live_streams();
    }

    public static int liveEvents() {
        return cuda().fake_cuda_live_events();
    }

    public static int liveModules() {
        return cuda().fake_cuda_live_modules();
    }

    /** {@code nvmlInit} calls not matched by {@code nvmlShutdown}. */
    public static int nvmlLiveInits() {
        return nvml().fake_nvml_live_inits();
    }

    /** Calls of a fake CUDA function since the last configuration. */
    public static long cudaCalls(String function) {
        long n = cuda().fake_calls("cuda", function);
        if (n < 0) {
            throw new IllegalArgumentException(cuda().fake_last_error());
        }
        return n;
    }

    /** Calls of a fake NVML function since the last configuration. */
    public static long nvmlCalls(String function) {
        long n = nvml().fake_nvml_calls(function);
        if (n < 0) {
            throw new IllegalArgumentException(nvml().fake_nvml_last_error());
        }
        return n;
    }

    /**
     * Environment for a child process that should see the fakes instead of a driver (builds them first):
     * {@code LD_LIBRARY_PATH} starting with the fake folder, and {@code MEMWALL_FAKE_GPU_CONFIG}.
     */
    public static Map<String, String> processEnvironment(Path configFile) throws IOException {
        Path dir = build().toAbsolutePath();
        String existing = System.getenv("LD_LIBRARY_PATH");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LD_LIBRARY_PATH", existing == null || existing.isEmpty() ? dir.toString() : dir + ":" + existing);
        env.put(CONFIG_ENV, configFile.toAbsolutePath().toString());
        return env;
    }

    /**
     * Two fake GPUs, different in every attribute (device 0 H100-like, device 1 A100-like; device 1's
     * domain, bus width and ECC are made different on purpose), with small memory so benchmark buffers stay
     * small: 4 GiB total / 3 GiB free and 2 GiB / 1.5 GiB; L2 8 MiB and 4 MiB; contexts cost 256 MiB.
     * Device 1 reports two compute processes in NVML.
     */
    public static String twoGpuConfig() {
        return String.join("\n",
                "# memwall fake driver: two GPUs, distinct in every attribute, small memory",
                "context_bytes=256MiB",
                "driver_version=12060",
                "nvml_driver_version=580.65.06",
                "device name=\"NVIDIA H100 80GB HBM3\" uuid=GPU-8e3b1c52-0000-4000-8000-000000000001"
                        + " pci=0000:3b:00.0 total=4GiB free=3GiB reserved=256MiB cc=9.0 sms=132"
                        + " sm_clock_khz=1980000 mem_clock_khz=2619000 bus_width=5120 l2=8MiB ecc=1 processes=0"
                        + " pci_device_id=0x233010DE pci_subsystem_id=0x16C110DE",
                "device name=\"NVIDIA A100-SXM4-40GB\" uuid=GPU-2f6a9d17-0000-4000-8000-000000000002"
                        + " pci=0001:86:01.0 total=2GiB free=1.5GiB reserved=128MiB cc=8.0 sms=108"
                        + " sm_clock_khz=1410000 mem_clock_khz=1215000 bus_width=4096 l2=4MiB ecc=0 processes=2"
                        + " pci_device_id=0x20B010DE pci_subsystem_id=0x134F10DE",
                "");
    }
}
