package dev.memwall.device;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * JNA, JCuda and JOCL unpack their JNI libraries into {@code java.io.tmpdir} before they can load anything; on a
 * read-only disk that fails, and the failure must not be reported as a missing driver.
 */
public final class NativeUnpack {

    private NativeUnpack() {
    }

    /**
     * Why native libraries cannot be unpacked here, or null when the temporary directory is a writable directory.
     */
    public static String problem() {
        String dir = System.getProperty("java.io.tmpdir", "");
        Path p = Path.of(dir);
        if (Files.isDirectory(p) && Files.isWritable(p)) {
            return null;
        }
        return "the Java bindings could not unpack their native library: java.io.tmpdir (" + dir + ") is not a "
                + "writable directory; point it at one (e.g. JAVA_OPTS=-Djava.io.tmpdir=/var/tmp)";
    }
}
