package dev.memwall.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's token and config files: UTF-8 text of at most 1 MiB, and a token others cannot read. */
class SettingsFilesTest {

    @TempDir
    Path dir;

    @Test
    void aByteOrderMarkIsDropped() throws Exception {
        Path f = dir.resolve("agent.conf");
        Files.write(f, bytes("\ufefflisten = 127.0.0.1:1\n"));
        assertThat(SettingsFiles.read(f, "config file")).isEqualTo("listen = 127.0.0.1:1\n");
    }

    @Test
    void binaryIsRefusedInOneLine() throws Exception {
        Path f = dir.resolve("token");
        Files.write(f, new byte[] {'a', 'b', (byte) 0xff, (byte) 0xfe, 'c'});
        assertThatThrownBy(() -> SettingsFiles.readToken(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("is binary, not text: byte 2 is not valid UTF-8; a token file is UTF-8 text");
        Files.write(f, new byte[] {'a', 'b', 'c', 0, 'd'});
        assertThatThrownBy(() -> SettingsFiles.readToken(f))
                .hasMessage("is binary, not text: byte 3 is NUL; a token file is UTF-8 text");
    }

    @Test
    void aFileOverOneMebibyteIsRefusedWithTheLimit() throws Exception {
        Path f = dir.resolve("agent.conf");
        Files.write(f, new byte[(1 << 20) + 1]);
        assertThatThrownBy(() -> SettingsFiles.read(f, "config file"))
                .hasMessage("is 1048577 bytes; a config file is at most 1 MiB (1048576 bytes)");
    }

    @Test
    void aTokenOthersCanReadIsWarnedAbout() throws Exception {
        Path f = dir.resolve("token");
        Files.writeString(f, "s3cret\n");
        Assumptions.assumeTrue(Files.getFileAttributeView(f,
                java.nio.file.attribute.PosixFileAttributeView.class) != null, "POSIX permissions");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        SettingsFiles.Token open = SettingsFiles.readToken(f);
        assertThat(open.value()).isEqualTo("s3cret");
        assertThat(open.warning()).contains("--token-file " + f + " can be read by other users (mode 644); "
                + "chmod 600 it");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(SettingsFiles.readToken(f).warning()).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
