package dev.memwall.estimator.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.source.ModelSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Special files are refused before they are opened, and reads stop at their limit; each within 10 s. */
public class InputFilesTest {

    /** The contract's bound for bad input; a read that blocks on a FIFO fails here rather than hang the build. */
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** A FIFO made with mkfifo(1); the test is skipped where there is none (not POSIX). */
    public static void mkfifo(Path fifo) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no mkfifo here: " + e.getMessage());
            return;
        }
        Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo failed");
    }

    @Test
    void aFifoIsRefusedWithoutBeingOpened() throws Exception {
        Path fifo = dir.resolve("fifo");
        mkfifo(fifo);
        assertTimeoutPreemptively(LIMIT, () -> {
            assertThatThrownBy(() -> InputFiles.read(fifo, "the fifo", 100, "at most 100"))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessage("the fifo: is not a regular file (a FIFO); memwall reads regular files only");
            assertThatThrownBy(() -> InputFiles.open(fifo, "the fifo").close())
                    .hasMessage("the fifo: is not a regular file (a FIFO); memwall reads regular files only");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dev/zero", "/dev/urandom"})
    void anEndlessDeviceIsRefused(String device) {
        Assumptions.assumeTrue(Files.exists(Path.of(device)), device + " exists");
        assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> InputFiles.read(Path.of(device), device,
                1 << 20, "at most 1 MiB"))
                .hasMessage(device + ": is not a regular file (a character device); memwall reads regular files only"));
    }

    @Test
    void aDirectoryIsNotAFile() {
        assertThatThrownBy(() -> InputFiles.read(dir, "d", 10, "at most 10"))
                .hasMessage("d: is a directory, not a file");
    }

    @Test
    void aFileOverItsLimitIsRefusedWithTheLimitNamed() throws Exception {
        Path f = dir.resolve("f");
        Files.write(f, new byte[101]);
        assertThatThrownBy(() -> InputFiles.read(f, "f", 100, "a test file is at most 100 bytes"))
                .hasMessage("f: is 101 bytes; a test file is at most 100 bytes");
        Files.write(f, new byte[100]);
        assertThat(InputFiles.read(f, "f", 100, "unused")).hasSize(100);
        Files.write(f, new byte[0]);
        assertThat(InputFiles.read(f, "f", 100, "unused")).isEmpty();
    }

    /** Every way a model argument reaches a file: the file itself, and each file a model folder is read for. */
    @ParameterizedTest
    @ValueSource(strings = {"model.gguf", "model.safetensors", "model.safetensors.index.json", "config.json",
        "folder/config.json", "folder/model.safetensors.index.json", "folder/model.safetensors", "folder/model.gguf"})
    void aFifoAsAModelFileIsRefusedInOneLine(String layout) throws Exception {
        Path fifo = dir.resolve(layout);
        Files.createDirectories(fifo.getParent());
        mkfifo(fifo);
        String argument = layout.startsWith("folder/") ? fifo.getParent().toString() : fifo.toString();
        assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> ModelSources.load(argument,
                ModelCatalog::builtIn))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(fifo + ": is not a regular file (a FIFO); memwall reads regular files only"));
    }

    @Test
    void aDirectoryNamedConfigJsonIsRefused() throws Exception {
        Path config = Files.createDirectories(dir.resolve("m/config.json"));
        assertThatThrownBy(() -> ModelSources.load(config.getParent().toString(), ModelCatalog::builtIn))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(config + ": is a directory, not a file");
    }
}
