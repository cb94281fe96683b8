package dev.memwall.agent.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rules of docs/ARCHITECTURE.md that the compiler does not check: only a backend's own package imports its
 * native library, and the estimator knows nothing of devices.
 */
class LayeringTest {

    private static final Path ROOT = Paths.get(System.getProperty("memwall.root", "..")).toAbsolutePath().normalize();

    /** Import prefix -> the only source folders allowed to use it. */
    private static final Map<String, List<String>> NATIVE = Map.of(
            "org.jocl.", List.of("native-bindings/src/main/java/dev/memwall/device/opencl/"),
            "jcuda.", List.of("native-bindings/src/main/java/dev/memwall/device/cuda/"),
            "com.sun.jna.", List.of("native-bindings/src/main/java/dev/memwall/device/cuda/",
                    "native-bindings/src/main/java/dev/memwall/device/nvml/",
                    "native-bindings/src/main/java/dev/memwall/device/host/"),
            "oshi.", List.of("native-bindings/src/main/java/dev/memwall/device/host/"));

    @Test
    void onlyABackendsPackageImportsItsNativeLibrary() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Path file : javaSources()) {
            String rel = ROOT.relativize(file).toString().replace('\\', '/');
            for (String line : Files.readAllLines(file)) {
                if (!line.startsWith("import ")) {
                    continue;
                }
                String imported = line.substring(7).replace("static ", "").trim();
                NATIVE.forEach((prefix, allowed) -> {
                    if (imported.startsWith(prefix) && allowed.stream().noneMatch(rel::startsWith)) {
                        violations.add(rel + ": " + line.trim());
                    }
                });
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void theEstimatorKnowsNothingOfDevices() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Path file : javaSources()) {
            String rel = ROOT.relativize(file).toString().replace('\\', '/');
            if (!rel.startsWith("estimator/")) {
                continue;
            }
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("import dev.memwall.device") || line.startsWith("import dev.memwall.agent")) {
                    violations.add(rel + ": " + line.trim());
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void sourcesWereFound() throws IOException {
        assertThat(javaSources()).hasSizeGreaterThan(20);
    }

    private static List<Path> javaSources() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String module : List.of("estimator", "native-bindings", "agent")) {
            Path src = ROOT.resolve(module).resolve("src/main/java");
            try (Stream<Path> s = Files.walk(src)) {
                s.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
            }
        }
        return out;
    }
}
