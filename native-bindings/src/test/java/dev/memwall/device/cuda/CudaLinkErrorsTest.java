package dev.memwall.device.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Loader messages as JCuda 12.6.0 and JNA 5.18 report them on Linux. The loader lines are glibc's dlerror texts,
 * captured on glibc 2.36 (Debian 12) with the fake libcuda; only the temporary directory was made /tmp.
 */
class CudaLinkErrorsTest {

    static final String TMP = "/tmp";

    /** JCuda's report: a first attempt from java.library.path, then one from its jar, each with its stack. */
    static String jcuda(String resourceAttempt) {
        return """
                Error while loading native library "JCudaDriver-12.6.0-linux-x86_64"
                Operating system name: Linux
                Architecture         : amd64
                Architecture bit size: 64
                ---(start of nested stack traces)---
                Stack trace from the attempt to load the library as a file:
                java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: \
                /usr/java/packages/lib:/usr/lib/x86_64-linux-gnu/jni:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:\
                /usr/lib/jni:/lib:/usr/lib
                \tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2434)
                \tat java.base/java.lang.System.loadLibrary(System.java:2006)
                \tat jcuda.LibUtils.loadLibrary(LibUtils.java:168)
                \tat jcuda.driver.JCudaDriver.<clinit>(JCudaDriver.java:350)
                Stack trace from the attempt to load the library as a resource:
                java.lang.UnsatisfiedLinkError: %s
                \tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)
                \tat java.base/java.lang.System.load(System.java:1970)
                \tat jcuda.LibUtils.loadLibraryResource(LibUtils.java:285)
                \tat jcuda.driver.JCudaDriver.<clinit>(JCudaDriver.java:350)
                ---(end of nested stack traces)---
                """.formatted(resourceAttempt);
    }

    static final String UNPACKED = "/tmp/libJCudaDriver-12.6.0-linux-x86_64.so";

    /** JNA's NativeLibrary.getInstance("libcuda.so.1"): the loader's text for each name it tried. */
    static String jna(String loaderLine) {
        return "Unable to load library 'libcuda.so.1':\n" + loaderLine + "\n" + loaderLine + "\n"
                + "Native library (linux-x86-64/libcuda.so.1) not found in resource path (/opt/memwall/memwall.jar)\n";
    }

    @Test
    void anUndefinedDriverFunctionMeansTheDriverIsOlderThanTheBindings() {
        String text = jcuda(UNPACKED + ": " + UNPACKED + ": undefined symbol: cuMemCreate");
        assertThat(CudaLinkErrors.reason(text, TMP, false)).isEqualTo("the NVIDIA driver's libcuda.so.1 lacks "
                + "cuMemCreate, which JCuda 12.6's driver bindings link against: the driver is older than the CUDA "
                + "12.6 API; install a newer NVIDIA driver");
        assertThat(CudaLinkErrors.reason(text, TMP, true)).endsWith("install a newer NVIDIA driver, or unset "
                + "LD_BIND_NOW so that only the functions memwall calls must exist (drivers for CUDA 11.0 and later "
                + "have them all)");
    }

    @Test
    void aVersionedSymbolIsNamedWithoutItsVersion() {
        // glibc: "undefined symbol: NAME, version VERSION".
        String text = jcuda(UNPACKED + ": " + UNPACKED + ": undefined symbol: cuGetProcAddress_v2, version libcuda");
        assertThat(CudaLinkErrors.reason(text, TMP, false)).contains(" lacks cuGetProcAddress_v2, which ");
    }

    @Test
    void anUndefinedSymbolOutsideTheDriverSaysWhichLineAndWhatToCheck() {
        String line = UNPACKED + ": " + UNPACKED + ": undefined symbol: _ZSt28__throw_bad_array_new_lengthv";
        assertThat(CudaLinkErrors.reason(jcuda(line), TMP, false)).isEqualTo("JCuda's driver bindings need the "
                + "symbol _ZSt28__throw_bad_array_new_lengthv, which no library loaded with them provides; check "
                + "that libcuda.so.1 is the NVIDIA driver's (" + line + ")");
    }

    @Test
    void aNoexecTemporaryDirectoryIsNamedWithTheFix() {
        String expected = "JCuda unpacks its driver bindings into java.io.tmpdir (/tmp), where the system does not "
                + "allow loading code (mounted noexec?); point java.io.tmpdir at a directory that does (e.g. "
                + "JAVA_OPTS=-Djava.io.tmpdir=/var/tmp)";
        // As glibc 2.36 says it, and as other versions do (with errno's text).
        assertThat(CudaLinkErrors.reason(jcuda(UNPACKED + ": " + UNPACKED
                + ": failed to map segment from shared object"), TMP, false)).isEqualTo(expected);
        assertThat(CudaLinkErrors.reason(jcuda(UNPACKED + ": " + UNPACKED
                + ": failed to map segment from shared object: Operation not permitted"), TMP, false))
                .isEqualTo(expected);
    }

    @Test
    void aLibraryRefusedOutsideTheTemporaryDirectoryIsNamed() {
        // EPERM from open(2): fapolicyd or another policy, not a missing file.
        String file = "/opt/memwall/lib/libJCudaDriver-12.6.0-linux-x86_64.so";
        String line = file + ": " + file + ": cannot open shared object file: Operation not permitted";
        assertThat(CudaLinkErrors.reason(jcuda(line), TMP, false)).isEqualTo("the system does not allow loading "
                + "code from " + file + " (a noexec mount or a security policy): " + line);
    }

    @Test
    void aMissingDriverIsNotFoundWhoeverLookedForIt() {
        String missing = "libcuda.so.1: cannot open shared object file: No such file or directory";
        assertThat(CudaLinkErrors.reason(jna(missing), TMP, false)).isEqualTo(CudaLinkErrors.NOT_FOUND)
                .isEqualTo("the NVIDIA driver library (libcuda.so.1) was not found; install the NVIDIA driver to use "
                        + "the cuda backend");
        assertThat(CudaLinkErrors.reason(jcuda(UNPACKED + ": " + missing), TMP, false))
                .isEqualTo(CudaLinkErrors.NOT_FOUND);
    }

    @Test
    void aDriverLibraryThatCannotBeOpenedIsNotCalledMissing() {
        String line = "libcuda.so.1: cannot open shared object file: Permission denied";
        assertThat(CudaLinkErrors.reason(jna(line), TMP, false))
                .isEqualTo("the NVIDIA driver library (libcuda.so.1) could not be opened: Permission denied");
    }

    @Test
    void anotherMissingLibraryIsNamed() {
        String line = UNPACKED + ": libstdc++.so.6: cannot open shared object file: No such file or directory";
        assertThat(CudaLinkErrors.reason(jcuda(line), TMP, false)).isEqualTo("JCuda's driver bindings need "
                + "libstdc++.so.6, which could not be opened (No such file or directory); install it or add its "
                + "folder to LD_LIBRARY_PATH");
    }

    @Test
    void aLibraryOfTheWrongWidthIsSaidWithTheFix() {
        String expected = "the libcuda.so.1 the loader found first is a 32-bit library and this Java is 64-bit "
                + "(wrong ELF class: ELFCLASS32); put the 64-bit NVIDIA driver libraries first on the library path "
                + "(LD_LIBRARY_PATH, ldconfig)";
        assertThat(CudaLinkErrors.reason(jna("libcuda.so.1: wrong ELF class: ELFCLASS32"), TMP, false))
                .isEqualTo(expected);
        assertThat(CudaLinkErrors.reason(jcuda(UNPACKED + ": libcuda.so.1: wrong ELF class: ELFCLASS32"), TMP,
                false)).isEqualTo(expected);
        assertThat(CudaLinkErrors.reason(jna("libcuda.so.1: wrong ELF class: ELFCLASS64"), TMP, false))
                .startsWith("the libcuda.so.1 the loader found first is a 64-bit library and this Java is 32-bit");
    }

    @Test
    void anUnknownFailureHasNoReasonButItsLoaderLineIsFound() {
        // java.io.tmpdir not writable: JCuda never reached the loader (NativeUnpack says this one).
        String text = jcuda("java.io.IOException: Could not create directory for temporary file: /nonexistent/")
                .replace("java.lang.UnsatisfiedLinkError: java.io.IOException", "java.io.IOException");
        assertThat(CudaLinkErrors.reason(text, TMP, false)).isNull();
        assertThat(CudaLinkErrors.loaderLine(text)).startsWith("no JCudaDriver-12.6.0-linux-x86_64 in "
                + "java.library.path: ");
        assertThat(CudaLinkErrors.loaderLine(jcuda(UNPACKED + ": something new")))
                .isEqualTo(UNPACKED + ": something new");
        assertThat(CudaLinkErrors.loaderLine("\n  first words\nsecond")).isEqualTo("first words");
        assertThat(CudaLinkErrors.loaderLine("x".repeat(1000))).hasSize(CudaLinkErrors.MAX_LINE_CHARS).endsWith("...");
    }

    @Test
    void theLoadersTextIsFoundInACause() {
        // The second touch of a class whose initialisation failed: Java 17 keeps the first error in the cause.
        UnsatisfiedLinkError first = new UnsatisfiedLinkError(jcuda(UNPACKED + ": " + UNPACKED
                + ": undefined symbol: cuMemCreate"));
        ExceptionInInitializerError cause = new ExceptionInInitializerError("Exception " + first
                + " [in thread \"main\"]");
        NoClassDefFoundError again = new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver");
        again.initCause(cause);
        assertThat(CudaLinkErrors.reason(CudaLinkErrors.text(again), TMP, false)).contains(" lacks cuMemCreate, ");
    }
}
