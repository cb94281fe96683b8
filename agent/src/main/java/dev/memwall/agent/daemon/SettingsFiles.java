package dev.memwall.agent.daemon;

import dev.memwall.estimator.io.InputFiles;
import dev.memwall.estimator.io.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the agent's token file and config file: a regular file (checked before it is opened, so a FIFO cannot
 * block), at most {@link #MAX_BYTES}, UTF-8 text with an optional byte order mark. A problem is an
 * {@link IllegalArgumentException} whose message is one line without the file's name (the caller says which
 * option named it): {@code is not text: byte 3 is not UTF-8}.
 */
public final class SettingsFiles {

    /** Largest token or config file read, in bytes: 1 MiB. */
    public static final long MAX_BYTES = 1L << 20;

    /** A token and, where the file's permissions let other users read it, a warning to log. */
    public record Token(String value, Optional<String> warning) {
    }

    private SettingsFiles() {
    }

    /** The text of {@code file}, a {@code what} ("token file", "config file") for messages. */
    public static String read(Path file, String what) throws IOException {
        byte[] bytes;
        try {
            bytes = InputFiles.read(file, file.toString(), MAX_BYTES, "a " + what + " is at most 1 MiB (" + MAX_BYTES
                    + " bytes)");
        } catch (ModelFormatException e) {
            throw new IllegalArgumentException(e.problem(), e);
        }
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        for (int i = start; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new IllegalArgumentException("is binary, not text: byte " + i + " is NUL; a " + what
                        + " is UTF-8 text");
            }
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        try {
            return utf8.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("is binary, not text: byte " + in.position()
                    + " is not valid UTF-8; a " + what + " is UTF-8 text", e);
        }
    }

    /** The first line of {@code file}, trimmed; an empty token is refused. */
    public static Token readToken(Path file) throws IOException {
        String text = read(file, "token file").strip();
        int newline = text.indexOf('\n');
        String token = newline < 0 ? text : text.substring(0, newline).strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no token");
        }
        return new Token(token, readableByOthers(file) ? Optional.of("--token-file " + file
                + " can be read by other users (mode " + mode(file) + "); chmod 600 it") : Optional.empty());
    }

    /** Whether POSIX permissions let users other than the owner and group read {@code file}; false elsewhere. */
    static boolean readableByOthers(Path file) {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return false;
        }
        try {
            return view.readAttributes().permissions().contains(PosixFilePermission.OTHERS_READ);
        } catch (IOException e) {
            return false;
        }
    }

    private static String mode(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            int m = 0;
            for (PosixFilePermission x : p) {
                m |= 1 << (8 - x.ordinal());
            }
            return String.format("%03o", m);
        } catch (IOException | UnsupportedOperationException e) {
            return "unknown";
        }
    }
}
