package dev.memwall.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memwall.device.opencl.OpenClBackend;
import dev.memwall.device.testing.Clinfo;
import dev.memwall.device.testing.SystemParts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar and the ./memwall launcher, run as a user runs them. */
class MemwallJarIT {

    private static final Path JAR = Paths.get(System.getProperty("memwall.jar", "target/memwall.jar"));
    private static final Path ROOT = Paths.get(System.getProperty("memwall.root", ".."));

    record Run(int code, String out, String err) {
    }

    static Run run(Path dir, Map<String, String> env, long timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("memwall-out", ".txt");
        Path err = Files.createTempFile("memwall-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void probeListsTheOpenClDeviceWithTheTotalClinfoPrints(@TempDir Path dir) throws Exception {
        SystemParts.require(new OpenClBackend().availability().available(), "an OpenCL device",
                "apt-get install pocl-opencl-icd ocl-icd-opencl-dev");
        SystemParts.require(Clinfo.present(), "clinfo", "apt-get install clinfo");
        // PoCL sizes its memory from the host's when it starts: take clinfo's readings around memwall's.
        List<Clinfo.ClDevice> before = Clinfo.devices();
        Run r = run(dir, Map.of(), 120, java(), "-jar", JAR.toAbsolutePath().toString(), "probe", "--json");
        List<Clinfo.ClDevice> after = Clinfo.devices();
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode devices = new ObjectMapper().readTree(r.out()).get("devices");
        List<JsonNode> opencl = new ArrayList<>();
        devices.forEach(d -> {
            if (d.get("backend").asText().equals("opencl")) {
                opencl.add(d);
            }
        });
        assertThat(opencl).hasSameSizeAs(before);
        for (int i = 0; i < opencl.size(); i++) {
            JsonNode d = opencl.get(i);
            assertThat(d.get("name").asText()).isEqualTo(before.get(i).name());
            assertThat(d.get("memory").get("total_bytes").asLong())
                    .isIn(before.get(i).globalMemSize(), after.get(i).globalMemSize());
            assertThat(d.get("bandwidth").get("read_bytes_per_second").asLong()).isPositive();
            assertThat(d.get("bandwidth").get("copy_bytes_per_second").asLong()).isPositive();
            assertThat(d.get("bandwidth").get("read").get("samples").asInt()).isBetween(3, 20);
        }
    }

    @Test
    void theBenchmarkOnAHostMemoryDeviceTakesLittleOfIt(@TempDir Path dir) throws Exception {
        SystemParts.require(new OpenClBackend().availability().available(), "an OpenCL device",
                "apt-get install pocl-opencl-icd ocl-icd-opencl-dev");
        SystemParts.require(Files.isExecutable(Paths.get("/usr/bin/time")), "GNU time", "apt-get install time");
        Path rss = dir.resolve("rss.txt");
        Run r = run(dir, Map.of(), 120, "/usr/bin/time", "-f", "%M", "-o", rss.toString(), java(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", JAR.toAbsolutePath().toString(), "probe",
                "--backend", "opencl", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        long peakKib = Long.parseLong(Files.readAllLines(rss).stream().filter(l -> l.matches("\\d+"))
                .reduce((a, b) -> b).orElseThrow());
        long largestBuffer = 0;
        for (JsonNode d : new ObjectMapper().readTree(r.out()).get("devices")) {
            JsonNode read = d.get("bandwidth").get("read");
            assertThat(read.get("converged").isBoolean()).isTrue();
            assertThat(read.get("spread").asDouble()).isNotNegative();
            largestBuffer = Math.max(largestBuffer, read.get("buffer_bytes").asLong());
            // One buffer for both figures: the copy moves its first half onto its second.
            assertThat(d.get("bandwidth").get("copy").get("buffer_bytes").asLong())
                    .isEqualTo(read.get("buffer_bytes").asLong() / 2);
        }
        // A CPU device's buffer is host memory: the probe holds it and little else (it held two 1 GiB buffers,
        // 2.2 GB in all). 600 MiB is the bound for the 256 MiB buffer a host without a large cache gets.
        assertThat(peakKib * 1024).as("peak resident memory with a %d-byte buffer", largestBuffer)
                .isLessThan(largestBuffer + (344L << 20));
    }

    @Test
    void noOpenClPlatformIsSaidPlainlyAndHostMemoryIsStillReported(@TempDir Path dir) throws Exception {
        SystemParts.require(new OpenClBackend().availability().available(), "an OpenCL loader and device",
                "apt-get install pocl-opencl-icd ocl-icd-opencl-dev");
        // The ICD loader reads vendor files from OCL_ICD_VENDORS: an empty folder means no platform.
        Run r = run(dir, Map.of("OCL_ICD_VENDORS", dir.toString()), 60, java(), "-jar",
                JAR.toAbsolutePath().toString(), "probe", "--backend", "auto");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("No accelerator found. Tried:\n")
                .contains("  opencl: the OpenCL loader found no platform; install")
                .contains("Host memory: ");
        Run explicit = run(dir, Map.of("OCL_ICD_VENDORS", dir.toString()), 60, java(), "-jar",
                JAR.toAbsolutePath().toString(), "probe", "--backend", "opencl");
        assertThat(explicit.code()).isEqualTo(1);
        assertThat(explicit.err()).startsWith("memwall: opencl backend unavailable: the OpenCL loader found no platform")
                .hasLineCount(1);
    }

    @Test
    void launcherRunsFromAnyDirectoryWithoutRebuilding(@TempDir Path dir) throws Exception {
        Path launcher = ROOT.resolve("memwall").toAbsolutePath();
        Run r = run(dir, Map.of(), 120, launcher.toString(), "probe", "--no-bench", "--json", "--simulate", "h100-sxm");
        assertThat(r.err()).doesNotContain("building");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).get("devices").get(0).get("id").asText()).isEqualTo("sim:0");
    }

    @Test
    void launcherPreloadsSignalChainingForInProcessCompilers(@TempDir Path dir) throws Exception {
        SystemParts.require(new OpenClBackend().availability().available(), "an OpenCL device",
                "apt-get install pocl-opencl-icd ocl-icd-opencl-dev");
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.remove("LD_PRELOAD");
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("memwall").toAbsolutePath().toString(), "probe",
                "--no-bench", "--backend", "opencl", "--verbose").directory(dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Path err = dir.resolve("err.txt");
        Process p = pb.redirectError(err.toFile()).redirectOutput(dir.resolve("out.txt").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(err)).contains("JVM signal chaining (libjsig) loaded: true");
    }

    @Test
    void launcherBuildsTheJarOnFirstUse(@TempDir Path dir) throws Exception {
        // A copy of the sources without any build output, as a fresh clone has.
        Path copy = dir.resolve("memwall");
        for (String part : List.of("memwall", "mvnw", "pom.xml", ".mvn", "estimator", "native-bindings", "agent")) {
            copyTree(ROOT.resolve(part), copy.resolve(part));
        }
        Run first = run(dir, Map.of(), 600, copy.resolve("memwall").toString(), "--version");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).contains("memwall: building");
        assertThat(first.out()).startsWith("memwall ");
        assertThat(copy.resolve("agent/target/memwall.jar")).exists();
        Run second = run(dir, Map.of(), 60, copy.resolve("memwall").toString(), "--version");
        assertThat(second.code()).isZero();
        assertThat(second.err()).isEmpty();
        // A changed test does not go into the jar: no rebuild.
        try (Stream<Path> tests = Files.walk(copy.resolve("agent/src/test/java"))) {
            Path test = tests.filter(Files::isRegularFile).findFirst().orElseThrow();
            Files.setLastModifiedTime(test, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        }
        Run unchanged = run(dir, Map.of(), 60, copy.resolve("memwall").toString(), "--version");
        assertThat(unchanged.err()).isEmpty();
        // A changed source makes the jar stale again.
        Path source = copy.resolve("agent/src/main/java/dev/memwall/agent/cli/Main.java");
        Files.setLastModifiedTime(source, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Run third = run(dir, Map.of(), 600, copy.resolve("memwall").toString(), "--version");
        assertThat(third.err()).contains("memwall: building");
        assertThat(third.code()).isZero();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.sorted(Comparator.naturalOrder()).toList()) {
                Path rel = from.relativize(p);
                if (rel.toString().equals("target") || rel.startsWith("target")) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.createDirectories(dest.getParent());
                    Files.copy(p, dest, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    @Test
    void anUnwritableTempDirectoryIsSaidPlainlyNotTakenForAMissingDriver(@TempDir Path dir) throws Exception {
        // A file where the temporary directory should be stands in for a read-only disk (root writes anywhere).
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        Run r = run(dir, Map.of(), 120, java(), "-Djava.io.tmpdir=" + file.resolve("tmp"), "-jar",
                JAR.toAbsolutePath().toString(), "probe", "--no-bench");
        assertThat(r.code()).as(r.err()).isZero();
        String said = "the Java bindings could not unpack their native library: java.io.tmpdir (" + file.resolve("tmp")
                + ") is not a writable directory";
        assertThat(r.out()).contains("cuda: " + said, "nvml: " + said, "opencl: " + said, "Host memory: ");
        assertThat(r.err()).doesNotContain("Exception");
    }

    @Test
    void emptyOrMultiLineEnvironmentSettingsAreRefusedInOneLine(@TempDir Path dir) throws Exception {
        Run empty = run(dir, Map.of("MEMWALL_LISTEN", ""), 60, java(), "-jar", JAR.toAbsolutePath().toString(),
                "agent", "--simulate", "h100-sxm");
        assertThat(empty.code()).isEqualTo(2);
        assertThat(empty.err()).isEqualTo("memwall: MEMWALL_LISTEN is set but empty; give it a value or unset it"
                + System.lineSeparator());
        Run node = run(dir, Map.of("MEMWALL_NODE", "gpu-7\nforged line"), 60, java(), "-jar",
                JAR.toAbsolutePath().toString(), "agent", "--simulate", "h100-sxm");
        assertThat(node.code()).isEqualTo(2);
        assertThat(node.err()).isEqualTo("memwall: MEMWALL_NODE: the node name 'gpu-7\\nforged line' has a "
                + "control character (U+000A) at 5; a node name is one line of printable text"
                + System.lineSeparator());
    }

    @Test
    void specialFilesAreRefusedInOneLineByThePackagedJar(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/zero")), "/dev/zero");
        String jar = JAR.toAbsolutePath().toString();
        // /dev/zero reports size 0 and never ends: it ran the agent out of memory. 30 s covers a loaded JVM start.
        Run config = run(dir, Map.of("MEMWALL_CONFIG", "/dev/zero"), 30, java(), "-jar", jar, "agent");
        assertThat(config.code()).isEqualTo(2);
        assertThat(config.err()).isEqualTo("memwall: MEMWALL_CONFIG /dev/zero: is not a regular file (a character "
                + "device); memwall reads regular files only" + System.lineSeparator());
        Run token = run(dir, Map.of("MEMWALL_TOKEN_FILE", "/dev/urandom"), 30, java(), "-jar", jar, "agent",
                "--simulate", "h100-sxm");
        assertThat(token.code()).isEqualTo(2);
        assertThat(token.err()).isEqualTo("memwall: --token-file /dev/urandom: is not a regular file (a character "
                + "device); memwall reads regular files only" + System.lineSeparator());
        Path fifo = dir.resolve("model.gguf");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        Run fit = run(dir, Map.of(), 30, java(), "-jar", jar, "fit", fifo.toString());
        assertThat(fit.code()).isEqualTo(2);
        assertThat(fit.err()).isEqualTo("memwall: " + fifo + ": is not a regular file (a FIFO); memwall reads "
                + "regular files only" + System.lineSeparator());
    }
}
