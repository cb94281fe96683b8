package dev.memwall.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code memwall agent}'s configuration errors: one line, exit 2, nothing started. */
class AgentCommandTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--listen 9464 | memwall: --listen takes HOST:PORT (e.g. 127.0.0.1:9464 or 0.0.0.0:9464), was '9464'",
        "--listen 127.0.0.1:http | memwall: --listen: port 'http' is not a number",
        "--listen 127.0.0.1:70000 | memwall: --listen: port 70000 is outside 0-65535",
        "--sample-interval 5 | memwall: --sample-interval: '5' needs a unit: ms, s, m, h or d",
        "--sample-interval 10ms | memwall: --sample-interval must be at least 100ms, was 10ms",
        "--bench-interval often | memwall: --bench-interval: 'often' is not a duration; write e.g. 500ms, 5s, 10m, 6h or 0",
        "--watch llama-3.1-8b,nope | memwall: unknown model 'nope' for --watch",
        "--busy-below-free 1.5 | memwall: --busy-below-free must be in [0, 1), was 1.5",
        "--log-format xml | memwall: --log-format must be text or json, was 'xml'",
        "--token-file /nonexistent/token | memwall: --token-file /nonexistent/token: no such file",
        "--config /nonexistent/agent.conf | memwall: --config /nonexistent/agent.conf: no such file",
        "--backend tpu | memwall: unknown backend 'tpu' for --backend; choose one of auto, cuda, nvml, opencl, simulated"})
    void badSettingsAreOneLineAndExitTwo(String args, String message) {
        CliTest.Result r = CliTest.run(("agent --simulate h100-sxm " + args).split(" "));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(message + System.lineSeparator());
    }

    @Test
    void aConfigFileIsCheckedKeyByKey() throws Exception {
        Path config = dir.resolve("agent.conf");
        Files.writeString(config, "listen = 127.0.0.1:9999\nsample_intervall = 5s\n");
        CliTest.Result r = CliTest.run("agent", "--config", config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("memwall: --config " + config + ": unknown setting 'sample_intervall'; known: ");
        Files.writeString(config, "sample-interval = never\n");
        assertThat(CliTest.run("agent", "--config", config.toString()).err())
                .isEqualTo("memwall: --sample-interval: 'never' is not a duration; write e.g. 500ms, 5s, 10m, 6h or 0"
                        + System.lineSeparator());
        // A flag wins over the file.
        Files.writeString(config, "sample-interval = never\nlisten = 127.0.0.1:http\n");
        assertThat(CliTest.run("agent", "--config", config.toString(), "--sample-interval", "2s").err())
                .isEqualTo("memwall: --listen: port 'http' is not a number" + System.lineSeparator());
    }

    @Test
    void aNodeNameIsOnePrintableLine() {
        CliTest.Result r = CliTest.run("agent", "--simulate", "h100-sxm", "--node", "gpu-7\nmemwall INFO forged");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("memwall: --node: the node name 'gpu-7\\nmemwall INFO forged' has a control "
                + "character (U+000A) at 5; a node name is one line of printable text" + System.lineSeparator());
        CliTest.Result long_ = CliTest.run("agent", "--simulate", "h100-sxm", "--node", "n".repeat(300));
        assertThat(long_.code()).isEqualTo(2);
        assertThat(long_.err()).isEqualTo("memwall: --node: the node name has 300 characters; at most 253"
                + System.lineSeparator());
    }

    @Test
    void anEmptyTokenFileIsRefused() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "\n\n");
        CliTest.Result r = CliTest.run("agent", "--simulate", "h100-sxm", "--token-file", token.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("memwall: --token-file " + token + ": " + token + " holds no token"
                + System.lineSeparator());
    }

    @Test
    void aTakenPortIsOneLineAndExitOne() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            CliTest.Result r = CliTest.run("agent", "--simulate", "h100-sxm", "--listen", "127.0.0.1:" + port);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).startsWith("memwall: could not listen on 127.0.0.1:" + port + ": ")
                    .doesNotContain("\tat ").hasLineCount(1);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--token-file | /dev/zero | character device",
        "--token-file | /dev/urandom | character device",
        "--config | /dev/zero | character device",
        "--config | /dev/urandom | character device",
        "--token-file | FIFO | FIFO",
        "--config | FIFO | FIFO"})
    void aSpecialFileIsRefusedInOneLineWithoutBeingOpened(String option, String file, String kind) throws Exception {
        String path = file;
        if (file.equals("FIFO")) {
            Path fifo = dir.resolve("fifo");
            Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
            Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo");
            path = fifo.toString();
        }
        Assumptions.assumeTrue(Files.exists(Path.of(path)), path);
        String[] args = {"agent", "--simulate", "h100-sxm", option, path};
        // Opening a FIFO blocks and /dev/zero never ends: a regression hangs or runs out of memory, so bound it.
        CliTest.Result r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CliTest.run(args));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("memwall: " + option + " " + path + ": is not a regular file (a " + kind
                + "); memwall reads regular files only" + System.lineSeparator());
    }

    @Test
    void aDirectoryOrABinaryTokenFileIsRefusedInOneLine() throws Exception {
        CliTest.Result folder = CliTest.run("agent", "--simulate", "h100-sxm", "--token-file", dir.toString());
        assertThat(folder.code()).isEqualTo(2);
        assertThat(folder.err()).isEqualTo("memwall: --token-file " + dir + ": is a directory, not a file"
                + System.lineSeparator());
        Path token = dir.resolve("token");
        Files.write(token, new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        CliTest.Result binary = CliTest.run("agent", "--simulate", "h100-sxm", "--token-file", token.toString());
        assertThat(binary.code()).isEqualTo(2);
        assertThat(binary.err()).isEqualTo("memwall: --token-file " + token + ": is binary, not text: byte 0 is not "
                + "valid UTF-8; a token file is UTF-8 text" + System.lineSeparator());
    }

    @Test
    void aConfigFileWithAByteOrderMarkIsRead() throws Exception {
        Path config = dir.resolve("agent.conf");
        Files.write(config, "\ufeffsample-interval = never\n".getBytes(StandardCharsets.UTF_8));
        // The setting is known (the mark was dropped) and its value is what is refused.
        CliTest.Result r = CliTest.run("agent", "--config", config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("memwall: --sample-interval: 'never' is not a duration; write e.g. 500ms, "
                + "5s, 10m, 6h or 0" + System.lineSeparator());
    }

    @Test
    void aTokenFileOthersCanReadIsWarnedAboutInTheLog() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cret\n");
        Assumptions.assumeTrue(Files.getFileAttributeView(token, PosixFileAttributeView.class) != null, "POSIX");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        // A taken port stops the agent right after it logs its settings; the log goes to System.err.
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            CliTest.Result r = CliTest.run("agent", "--simulate", "h100-sxm", "--no-bench", "--token-file",
                    token.toString(), "--listen", "127.0.0.1:" + taken.getLocalPort());
            assertThat(r.code()).isEqualTo(1);
        } finally {
            System.setErr(stderr);
        }
        assertThat(log.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("can be read by other users")))
                .singleElement().asString()
                .contains("WARN").endsWith("--token-file " + token + " can be read by other users (mode 644); "
                        + "chmod 600 it");
    }
}
