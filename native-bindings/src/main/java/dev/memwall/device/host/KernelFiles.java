package dev.memwall.device.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the small text files Linux keeps under {@code /proc} and {@code /sys}: at most a stated number of bytes
 * (their sizes read as 0 or 4096 whatever they hold, so the size is no guide), ASCII, or null when the file is
 * absent or unreadable.
 */
final class KernelFiles {

    private KernelFiles() {
    }

    /** The first {@code maxBytes} bytes of the file as ASCII text, or null. */
    static String read(Path file, int maxBytes) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(maxBytes), StandardCharsets.US_ASCII);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }
}
