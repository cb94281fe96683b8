package dev.memwall.device.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the text files Linux keeps under {@code /proc} and {@code /sys}: at most a stated number of bytes (their
 * sizes read as 0 or 4096 whatever they hold, so the size is no guide), ASCII or, where paths and command lines are
 * in them, UTF-8; null when the file is absent or unreadable.
 */
final class KernelFiles {

    private KernelFiles() {
    }

    /**
     * The first {@code maxBytes} bytes of the file as UTF-8 text (what Linux writes paths and command lines in), or
     * null; malformed bytes become U+FFFD.
     */
    static String readUtf8(Path file, int maxBytes) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(maxBytes), StandardCharsets.UTF_8);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
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
