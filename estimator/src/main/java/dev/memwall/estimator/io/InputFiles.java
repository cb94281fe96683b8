package dev.memwall.estimator.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * The one way memwall opens a file a user named (a model file, a config.json, an index, the agent's token and
 * config files): the kind is checked before the file is opened, and what is read is bounded.
 *
 * <p>Opening a FIFO for reading blocks until a writer comes, and {@code /dev/zero} never ends, so a FIFO, socket or
 * device is refused from its attributes (links followed) before {@code open}, and a directory is refused where a
 * file is expected. A file swapped for a FIFO between the check and the open is not caught (Java has no
 * {@code O_NONBLOCK} open); one that grows while read is caught by the byte limit.
 */
public final class InputFiles {

    private static final int CHUNK = 64 << 10;

    private InputFiles() {
    }

    /**
     * The size of {@code file} in bytes once it is known to be a regular file.
     *
     * @param name the file as messages name it (as the user gave it)
     * @throws ModelFormatException naming {@code name} when it is a directory, FIFO, socket or device
     */
    public static long requireRegular(Path file, String name) throws IOException, ModelFormatException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (a.isRegularFile()) {
            return a.size();
        }
        if (a.isDirectory()) {
            throw new ModelFormatException(name, -1, "is a directory, not a file");
        }
        throw new ModelFormatException(name, -1, "is not a regular file (" + kind(file)
                + "); memwall reads regular files only");
    }

    /** {@code file} opened for reading after {@link #requireRegular} accepted it. */
    public static FileChannel open(Path file, String name) throws IOException, ModelFormatException {
        requireRegular(file, name);
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /**
     * All of {@code file}, at most {@code limitBytes} of it; over the limit the message is {@code <name>: is N bytes;
     * <limitText>} (or "is larger than" when the file grew while read).
     *
     * @param limitText the limit in words, e.g. "a JSON file memwall reads is at most 16777216 bytes"
     */
    public static byte[] read(Path file, String name, long limitBytes, String limitText)
            throws IOException, ModelFormatException {
        long size = requireRegular(file, name);
        if (size > limitBytes) {
            throw new ModelFormatException(name, -1, "is " + size + " bytes; " + limitText);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            // The size is a hint: the read stops one byte past the limit whatever the file does meanwhile.
            byte[] bytes = new byte[(int) Math.min(size + 1, limitBytes + 1)];
            int n = 0;
            while (true) {
                if (n == bytes.length) {
                    if (n > limitBytes) {
                        throw new ModelFormatException(name, -1, "is larger than it was when opened; "
                                + limitText);
                    }
                    bytes = Arrays.copyOf(bytes, (int) Math.min(limitBytes + 1, Math.max(CHUNK, 2L * n)));
                }
                int r = ch.read(ByteBuffer.wrap(bytes, n, bytes.length - n));
                if (r < 0) {
                    return Arrays.copyOf(bytes, n);
                }
                n += r;
            }
        }
    }

    /** What a file that is neither regular nor a directory is, where the platform says. */
    private static String kind(Path file) {
        try {
            Object mode = Files.getAttribute(file, "unix:mode");
            if (mode instanceof Integer m) {
                switch (m & 0170000) {
                    case 0010000:
                        return "a FIFO";
                    case 0020000:
                        return "a character device";
                    case 0060000:
                        return "a block device";
                    case 0140000:
                        return "a socket";
                    default:
                        break;
                }
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // No unix view here: the generic words below.
        }
        return "a FIFO, device or socket";
    }
}
