package dev.memwall.device.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Processes found by the model files their command lines name, where no memory map can be read. */
class CommandLineProcessesTest {

    @TempDir
    Path dir;

    @Test
    void aModelFileNamedOnTheCommandLineIsFoundByExtensionOrAfterModelByItsMagic() throws Exception {
        Path gguf = Files.write(dir.resolve("m.gguf"), "GGUF....".getBytes(StandardCharsets.US_ASCII));
        Path blob = Files.write(dir.resolve("sha256-" + "ab".repeat(32)), "GGUF....".getBytes(StandardCharsets.US_ASCII));
        Path notes = Files.write(dir.resolve("notes.txt"), "hello".getBytes(StandardCharsets.US_ASCII));
        Files.createDirectories(dir.resolve("models"));
        Path relative = Files.write(dir.resolve("models/r.safetensors"), new byte[16]);
        HostProcesses.Scan scan = CommandLineProcesses.of(List.of(
                new CommandLineProcesses.Listed(1, "llama-server", List.of("llama-server", "-m", gguf.toString(), "-c",
                        "4096"), null, 1L << 30),
                new CommandLineProcesses.Listed(2, "ollama", List.of("/usr/bin/ollama", "runner", "--model",
                        blob.toString(), "--ctx-size", "8192"), null, 2L << 30),
                new CommandLineProcesses.Listed(3, "python3", List.of("python3", "serve.py", "models/r.safetensors"),
                        dir.toString(), null),
                new CommandLineProcesses.Listed(4, "cat", List.of("cat", "-m", notes.toString(),
                        dir.resolve("gone.gguf").toString()), null, 1L),
                new CommandLineProcesses.Listed(5, "secret", null, null, null),
                new CommandLineProcesses.Listed(6, "llama-cli", List.of("llama-cli", "--model=" + gguf), null, null)));
        assertThat(scan.examined()).isEqualTo(6);
        assertThat(scan.unreadable()).isEqualTo(1);
        assertThat(scan.processes()).extracting(HostProcesses.HostProcess::pid).containsExactly(1L, 2L, 3L, 6L);
        HostProcesses.HostProcess server = scan.processes().get(0);
        assertThat(server.models()).containsExactly(new HostProcesses.ModelFile(gguf.toString(), 8L, null));
        assertThat(server.residentBytes()).isEqualTo(1L << 30);
        assertThat(server.anonymousBytes()).isNull();
        assertThat(server.commandLine()).containsExactly("llama-server", "-m", gguf.toString(), "-c", "4096");
        assertThat(scan.processes().get(1).models().get(0).path()).isEqualTo(blob.toString());
        assertThat(scan.processes().get(2).models().get(0).path()).isEqualTo(relative.toString());
        assertThat(scan.processes().get(3).models().get(0).path()).isEqualTo(gguf.toString());
    }

    @Test
    void theOperatingSystemsListFindsAProcessNamingAModel() throws Exception {
        Path gguf = Files.write(dir.resolve("held.gguf"), "GGUF....".getBytes(StandardCharsets.US_ASCII));
        Process p = new ProcessBuilder("sh", "-c", "read line", "sh", gguf.toString()).start();
        try {
            HostProcesses.Scan scan = CommandLineProcesses.scan();
            assertThat(scan.processes()).as("OSHI's process list: %s", scan.processes())
                    .anyMatch(h -> h.pid() == p.pid() && h.models().size() == 1
                            && h.models().get(0).path().equals(gguf.toString())
                            && h.residentBytes() != null && h.residentBytes() > 0);
        } finally {
            p.getOutputStream().close();
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
