package dev.memwall.device.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why JCuda's driver bindings, or the driver library they link against, did not load, read from the dynamic
 * loader's message (glibc's dlerror text, which the JVM and JNA pass on inside an UnsatisfiedLinkError). "Not
 * found" is only one of the answers: an old driver, a noexec temporary directory and a 32-bit library each need a
 * different fix.
 */
final class CudaLinkErrors {

    static final String DRIVER_LIBRARY = CudaLibrary.DRIVER_LIBRARY;
    static final String NOT_FOUND = "the NVIDIA driver library (" + DRIVER_LIBRARY
            + ") was not found; install the NVIDIA driver to use the cuda backend";
    /** Longest loader line quoted in a reason. */
    static final int MAX_LINE_CHARS = 300;

    // glibc: "undefined symbol: NAME" (", version V" follows for a versioned symbol).
    private static final Pattern UNDEFINED = Pattern.compile("undefined symbol: ([^\\s,]+)");
    // glibc: "FILE: wrong ELF class: ELFCLASS32".
    private static final Pattern ELF_CLASS = Pattern.compile("([^\\s:]+): wrong ELF class: ELFCLASS(32|64)");
    // glibc: "FILE: failed to map segment from shared object" (some versions add ": Operation not permitted").
    private static final Pattern NO_EXEC = Pattern.compile("([^\\s:]+): failed to map segment from shared object");
    // EPERM on a shared object otherwise: "FILE: ...: Operation not permitted" (a security policy, or noexec).
    private static final Pattern NOT_PERMITTED = Pattern.compile(
            "([^\\s:]*\\.so[^\\s:]*): [^\\n]*(?i:operation not permitted)");
    // glibc: "NAME: cannot open shared object file: No such file or directory".
    private static final Pattern CANNOT_OPEN = Pattern.compile(
            "([^\\s:]+): cannot open shared object file: ([^\\n]+)");
    private static final String LINK_ERROR = "UnsatisfiedLinkError: ";

    private CudaLinkErrors() {
    }

    /** The messages of a throwable and of its causes, one after another: the loader's text may be in any. */
    static String text(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null) {
                s.append(c.getMessage()).append('\n');
            }
        }
        return s.toString();
    }

    /**
     * A one-line reason, naming the library and what to do, for a loader message that says why; null when the
     * text holds none of the known causes.
     *
     * @param text    what the UnsatisfiedLinkError (and its causes) said
     * @param tmpDir  {@code java.io.tmpdir}, where JCuda unpacks its JNI library
     * @param bindNow whether {@code LD_BIND_NOW} is set, which makes the loader resolve every symbol at load
     */
    static String reason(String text, String tmpDir, boolean bindNow) {
        Matcher m = UNDEFINED.matcher(text);
        if (m.find()) {
            String symbol = m.group(1);
            if (symbol.startsWith("cu")) {
                // JCuda calls the driver through lazily bound PLT entries: only LD_BIND_NOW (or a prelinked
                // system) makes a missing function fail the load instead of the first call.
                return "the NVIDIA driver's " + DRIVER_LIBRARY + " lacks " + symbol + ", which JCuda 12.6's driver "
                        + "bindings link against: the driver is older than the CUDA 12.6 API; install a newer NVIDIA "
                        + "driver" + (bindNow ? ", or unset LD_BIND_NOW so that only the functions memwall calls must "
                                + "exist (drivers for CUDA 11.0 and later have them all)" : "");
            }
            return "JCuda's driver bindings need the symbol " + symbol + ", which no library loaded with them "
                    + "provides; check that " + DRIVER_LIBRARY + " is the NVIDIA driver's (" + line(m, text) + ")";
        }
        m = ELF_CLASS.matcher(text);
        if (m.find()) {
            String library = m.group(1);
            boolean is32 = m.group(2).equals("32");
            return "the " + library + " the loader found first is a " + (is32 ? "32" : "64") + "-bit library and "
                    + "this Java is " + (is32 ? "64" : "32") + "-bit (wrong ELF class: ELFCLASS" + m.group(2)
                    + "); put the " + (is32 ? "64" : "32") + "-bit NVIDIA driver libraries first on the library path "
                    + "(LD_LIBRARY_PATH, ldconfig)";
        }
        m = first(text, NO_EXEC, NOT_PERMITTED);
        if (m != null) {
            String file = m.group(1);
            if (tmpDir != null && !tmpDir.isBlank() && file.startsWith(tmpDir)) {
                return "JCuda unpacks its driver bindings into java.io.tmpdir (" + tmpDir + "), where the system "
                        + "does not allow loading code (mounted noexec?); point java.io.tmpdir at a directory that "
                        + "does (e.g. JAVA_OPTS=-Djava.io.tmpdir=/var/tmp)";
            }
            return "the system does not allow loading code from " + file + " (a noexec mount or a security "
                    + "policy): " + line(m, text);
        }
        m = CANNOT_OPEN.matcher(text);
        if (m.find()) {
            String library = m.group(1);
            String why = m.group(2).strip();
            if (library.equals(DRIVER_LIBRARY) && why.equals("No such file or directory")) {
                return NOT_FOUND;
            }
            return library.equals(DRIVER_LIBRARY)
                    ? "the NVIDIA driver library (" + DRIVER_LIBRARY + ") could not be opened: " + why
                    : "JCuda's driver bindings need " + library + ", which could not be opened (" + why
                            + "); install it or add its folder to LD_LIBRARY_PATH";
        }
        return null;
    }

    /**
     * The loader's own line: in JCuda's report (one attempt from the library path, one from its jar, each with a
     * stack trace) the last UnsatisfiedLinkError line, else the first line that says anything.
     */
    static String loaderLine(String text) {
        String found = null;
        for (String line : text.split("\n")) {
            int at = line.indexOf(LINK_ERROR);
            if (at >= 0) {
                found = line.substring(at + LINK_ERROR.length());
            }
        }
        if (found == null) {
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    found = line;
                    break;
                }
            }
        }
        String s = found == null ? "" : found.strip();
        return s.length() <= MAX_LINE_CHARS ? s : s.substring(0, MAX_LINE_CHARS - 3) + "...";
    }

    /** A matcher positioned on the first of the patterns that occurs in the text, or null. */
    private static Matcher first(String text, Pattern... patterns) {
        for (Pattern p : patterns) {
            Matcher m = p.matcher(text);
            if (m.find()) {
                return m;
            }
        }
        return null;
    }

    /** The line a match lies on, cut like {@link #loaderLine}. */
    private static String line(Matcher m, String text) {
        int start = text.lastIndexOf('\n', m.start()) + 1;
        int end = text.indexOf('\n', m.end());
        return loaderLine(text.substring(start, end < 0 ? text.length() : end));
    }
}
