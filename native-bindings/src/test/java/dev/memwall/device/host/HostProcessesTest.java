package dev.memwall.device.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processes holding a model, read from a /proc tree laid out as Linux lays it out. */
class HostProcessesTest {

    @TempDir
    Path root;
    Path proc;

    private Path process(long pid, String comm, String maps) throws Exception {
        proc = root.resolve("proc");
        Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("stat"), pid + " (" + comm + ") S");
        Files.writeString(dir.resolve("comm"), comm + "\n");
        Files.writeString(dir.resolve("cmdline"), comm + "\u0000-c\u00004096\u0000");
        Files.writeString(dir.resolve("status"), "Name:\t" + comm + "\nVmRSS:\t  409600 kB\nRssAnon:\t  102400 kB\nRssFile:\t  307200 kB\nThreads:\t4\n");
        Files.writeString(dir.resolve("cgroup"), "0::/system.slice/docker-" + "ab".repeat(32) + ".scope\n");
        if (maps != null) {
            Files.writeString(dir.resolve("maps"), maps);
        }
        Files.createDirectories(dir.resolve("fd"));
        return dir;
    }

    @Test
    void aMappedModelAnOpenModelARuntimeAloneAndAnUnreadableProcess() throws Exception {
        Path models = Files.createDirectories(root.resolve("models"));
        Path model = Files.write(models.resolve("modèle.gguf"), new byte[4096]);
        Path weights = Files.write(models.resolve("the weights.safetensors"), new byte[100]);
        Path server = process(100, "llama-server", ""
                + "55d0c0000000-55d0c0100000 r-xp 00000000 fd:01 11 /usr/bin/llama-server\n"
                + "7f0000000000-7f0000200000 r--p 00000000 fd:01 12 " + model + "\n"
                + "7f0000200000-7f0000400000 rw-p 00000000 00:00 0 \n"
                + "7f0000400000-7f0000500000 r-xp 00000000 fd:01 13 /usr/lib/libggml-cpu.so\n"
                + "7f0000500000-7f0000600000 r-xp 00000000 fd:01 14 /usr/lib/libllama.so.0\n"
                + "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n");
        Files.writeString(server.resolve("smaps"), ""
                + "7f0000000000-7f0000200000 r--p 00000000 fd:01 12 " + model + "\n"
                + "Size:               2048 kB\nRss:                1024 kB\nAnonHugePages:         0 kB\n"
                + "VmFlags: rd mr mw me\n"
                + "7f0000200000-7f0000400000 rw-p 00000000 00:00 0 \n"
                + "Size:               2048 kB\nRss:                2048 kB\n");
        Path reader = process(200, "python3", "55d0c0000000-55d0c0100000 r-xp 00000000 fd:01 11 /usr/bin/python3\n");
        Files.createSymbolicLink(reader.resolve("fd").resolve("5"), weights);
        // Ollama's runner maps its model as a blob named by its digest: found by GGUF's magic, beside a mapped file
        // that is not a model.
        Path blob = Files.write(models.resolve("sha256-" + "0f".repeat(32)), new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0});
        Path locale = Files.write(models.resolve("locale-archive"), new byte[] {1, 2, 3, 4, 5});
        process(300, "ollama", "7f0000400000-7f0000500000 r-xp 00000000 fd:01 13 /opt/lib/libggml-base.so\n"
                + "7f0000600000-7f0000700000 r--p 00000000 fd:01 14 " + blob + "\n"
                + "7f0000700000-7f0000800000 r--p 00000000 fd:01 15 " + locale + "\n");
        process(400, "bash", "55d0c0000000-55d0c0100000 r-xp 00000000 fd:01 11 /usr/bin/bash\n");
        process(500, "secret", null); // maps unreadable: another user's
        process(600, "self", "7f0000000000-7f0000200000 r--p 00000000 fd:01 12 " + model + "\n");
        Files.createDirectories(proc.resolve("self"));

        HostProcesses.Scan scan = HostProcesses.scan(proc, 600);

        assertThat(scan.examined()).isEqualTo(5);
        assertThat(scan.unreadable()).isEqualTo(1);
        assertThat(scan.processes()).extracting(HostProcesses.HostProcess::pid).containsExactly(100L, 200L, 300L);
        HostProcesses.HostProcess s = scan.processes().get(0);
        assertThat(s.name()).isEqualTo("llama-server");
        assertThat(s.commandLine()).containsExactly("llama-server", "-c", "4096");
        assertThat(s.residentBytes()).isEqualTo(409600L * 1024);
        assertThat(s.anonymousBytes()).isEqualTo(102400L * 1024);
        assertThat(s.runtimeLibraries()).containsExactly("libggml-cpu.so", "libllama.so.0");
        assertThat(s.runsLlamaCpp()).isTrue();
        assertThat(s.containerId()).isEqualTo("ab".repeat(32));
        assertThat(s.cgroup()).startsWith("/system.slice/docker-");
        assertThat(s.models()).containsExactly(new HostProcesses.ModelFile(model.toString(), 4096L, 1024L * 1024));
        HostProcesses.HostProcess r = scan.processes().get(1);
        assertThat(r.runsLlamaCpp()).isFalse();
        assertThat(r.models()).containsExactly(new HostProcesses.ModelFile(weights.toString(), 100L, null));
        assertThat(scan.processes().get(2).models()).extracting(HostProcesses.ModelFile::path)
                .containsExactly(blob.toString());
        assertThat(scan.processes().get(2).runsLlamaCpp()).isTrue();
    }

    /**
     * A CUDA process maps device files (/dev/nvidia0, /dev/nvidia-uvm) beside its libraries; looking for a model by
     * its magic opens only regular files (a FIFO stands in for them here: opening one would wait for a writer).
     */
    @Test
    void mappedFilesThatAreNotRegularAreNeverOpened() throws Exception {
        Path fifo = root.resolve("nvidia0");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo");
        process(300, "llama-server", ""
                + "7f0000000000-7f0000100000 rw-s 00000000 00:05 99 " + fifo + "\n"
                + "7f0000400000-7f0000500000 r-xp 00000000 fd:01 13 /usr/lib/libggml-cuda.so\n");
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
            HostProcesses.Scan scan = HostProcesses.scan(proc, 1);
            assertThat(scan.processes()).hasSize(1);
            assertThat(scan.processes().get(0).models()).isEmpty();
        });
    }

    @Test
    void theControlGroupAndTheContainerItNames() {
        String id = "4f3c2b1a".repeat(8);
        assertThat(HostProcesses.cgroup("0::/system.slice/docker-" + id + ".scope\n")).isEqualTo(
                "/system.slice/docker-" + id + ".scope");
        assertThat(HostProcesses.containerId("/system.slice/docker-" + id + ".scope")).isEqualTo(id);
        assertThat(HostProcesses.containerId("/kubepods/burstable/pod1b2c3d4e-0000-4000-8000-000000000001/"
                + "cri-containerd-" + id + ".scope")).isEqualTo(id);
        // cgroup v1: the memory controller's path
        assertThat(HostProcesses.cgroup("9:name=systemd:/\n4:memory:/docker/" + id + "\n1:cpu:/\n"))
                .isEqualTo("/docker/" + id);
        assertThat(HostProcesses.containerId("/user.slice/user-1000.slice/session-2.scope")).isNull();
        assertThat(HostProcesses.containerId("/x/" + id + "0")).isNull();
        assertThat(HostProcesses.cgroup(null)).isNull();
    }

    @Test
    void aMapsLineNamesItsFileSpacesAndDeletionIncluded() {
        assertThat(HostProcesses.mappedPath("7f0-7f1 r--p 00000000 fd:01 12 /m/a b.gguf")).isEqualTo("/m/a b.gguf");
        assertThat(HostProcesses.mappedPath("7f0-7f1 r--p 00000000 fd:01 12 /m/x.gguf (deleted)"))
                .isEqualTo("/m/x.gguf");
        assertThat(HostProcesses.mappedPath("7f0-7f1 rw-p 00000000 00:00 0 ")).isNull();
        assertThat(HostProcesses.mappedPath("7f0-7f1 rw-p 00000000 00:00 0      [heap]")).isNull();
        assertThat(HostProcesses.mappedPath("garbage")).isNull();
        assertThat(List.of("/a/B.GGUF", "/a/x.safetensors")).allMatch(HostProcesses::isModelFile);
        assertThat(HostProcesses.isModelFile("/a/x.gguf.part")).isFalse();
    }
}
