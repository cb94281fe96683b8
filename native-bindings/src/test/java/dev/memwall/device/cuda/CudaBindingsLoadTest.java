package dev.memwall.device.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.device.testing.FakeDriver;
import dev.memwall.device.testing.SystemParts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JCuda's bindings loaded for real, in a child JVM, against the fake libcuda, which lacks most of the driver
 * functions JCuda 12.6 links against (it has those memwall calls). The loader binds them lazily, so the bindings
 * load; with LD_BIND_NOW every one must exist at load, and the reason must name the missing one.
 */
@Tag("fake-driver")
class CudaBindingsLoadTest {

    @BeforeAll
    static void needsGcc() {
        SystemParts.require(FakeDriver.gccPresent(), "gcc (to build the fake NVIDIA driver)", "apt-get install gcc");
    }

    @Test
    void aDriverWithoutAFunctionTheBindingsNeedIsNamedWhenEverySymbolIsBoundAtLoad(@TempDir Path tmp)
            throws Exception {
        String reason = availabilityInChild(tmp.resolve("bind-now"), Map.of("LD_BIND_NOW", "1"));
        assertThat(reason).matches("the NVIDIA driver's libcuda\\.so\\.1 lacks cu\\w+, which JCuda 12\\.6's driver "
                + "bindings link against: the driver is older than the CUDA 12\\.6 API; install a newer NVIDIA "
                + "driver, or unset LD_BIND_NOW so that only the functions memwall calls must exist \\(drivers for "
                + "CUDA 11\\.0 and later have them all\\)");
    }

    @Test
    void boundLazilyTheSameDriverLoadsAndIsAsked(@TempDir Path tmp) throws Exception {
        // No configuration: the fake answers cuInit with CUDA_ERROR_NO_DEVICE, which only a loaded binding hears.
        assertThat(availabilityInChild(tmp.resolve("lazy"), Map.of()))
                .isEqualTo("the NVIDIA driver reports no CUDA device (CUDA_ERROR_NO_DEVICE)");
    }

    /** Runs {@link PrintCudaAvailability} with the fakes first on the library path and a fresh temporary folder. */
    private static String availabilityInChild(Path tmpDir, Map<String, String> env) throws Exception {
        java.nio.file.Files.createDirectories(tmpDir);
        Path fakes = FakeDriver.build();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-Djava.io.tmpdir=" + tmpDir, "-cp",
                classpath, PrintCudaAvailability.class.getName()));
        pb.environment().remove(FakeDriver.CONFIG_ENV);
        pb.environment().remove("LD_PRELOAD");
        pb.environment().put("LD_LIBRARY_PATH", fakes.toAbsolutePath().toString());
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
