package dev.memwall.device.cuda;

import dev.memwall.device.DeviceException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads PTX with the driver's JIT (cuModuleLoadDataEx) and its error and info logs captured: the error code alone
 * (CUDA_ERROR_INVALID_PTX) does not say which line or which limit the compiler refused.
 */
final class PtxModule {

    /** Bytes given to each JIT log; ptxas reports a refused module in a few lines. */
    static final int LOG_BYTES = 8192;
    /** A log longer than this is cut in an exception message (the full one goes to the debug log). */
    static final int MAX_LOG_CHARS = 500;

    private static final Logger LOG = LoggerFactory.getLogger(PtxModule.class);

    private PtxModule() {
    }

    /**
     * Loads PTX into the current context.
     *
     * @param ptx the PTX text, NUL-terminated as the driver reads it
     * @throws DeviceException with the JIT's error log, on one line, when the driver refuses it
     */
    static CUmodule load(byte[] ptx, String deviceId) throws DeviceException {
        byte[] errorLog = new byte[LOG_BYTES];
        byte[] infoLog = new byte[LOG_BYTES];
        // JCuda's cuModuleLoadDataJIT passes these as cuModuleLoadDataEx's options and copies the logs and the
        // filled sizes back into the arrays and the options.
        JITOptions jit = new JITOptions();
        jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, errorLog);
        jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
        jit.putBytes(CUjit_option.CU_JIT_INFO_LOG_BUFFER, infoLog);
        jit.putInt(CUjit_option.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
        CUmodule module = new CUmodule();
        int rc = JCudaDriver.cuModuleLoadDataJIT(module, Pointer.to(ptx), jit);
        String info = text(infoLog, jit.getInt(CUjit_option.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES));
        if (!info.isBlank()) {
            LOG.debug("{}: JIT info log: {}", deviceId, info);
        }
        if (rc != Cu.CUDA_SUCCESS) {
            String error = text(errorLog, jit.getInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES));
            LOG.debug("{}: JIT error log:\n{}", deviceId, error);
            String line = oneLine(error, MAX_LOG_CHARS);
            throw DeviceException.ofCall("cuModuleLoadDataEx", rc, Cu.name(rc), deviceId,
                    line.isEmpty() ? null : "JIT error log: " + line);
        }
        return module;
    }

    /**
     * The text a driver wrote into a log buffer: up to the first NUL, within the size it says it filled (the
     * driver's count includes the NUL; 0 or a count beyond the buffer is read up to the NUL alone).
     */
    static String text(byte[] buffer, int filledBytes) {
        int limit = filledBytes > 0 && filledBytes <= buffer.length ? filledBytes : buffer.length;
        int end = 0;
        while (end < limit && buffer[end] != 0) {
            end++;
        }
        return new String(buffer, 0, end, StandardCharsets.UTF_8);
    }

    /**
     * A multi-line compiler log as one line: each line trimmed, runs of blanks made one (ptxas aligns its
     * "error   :" columns), blank lines dropped, lines joined by " | ", cut to {@code maxChars} with "...".
     */
    static String oneLine(String log, int maxChars) {
        List<String> lines = new ArrayList<>();
        for (String line : log.split("\r?\n|\r")) {
            String s = line.strip().replaceAll("[ \t]+", " ");
            if (!s.isEmpty()) {
                lines.add(s);
            }
        }
        String joined = String.join(" | ", lines);
        return joined.length() <= maxChars ? joined : joined.substring(0, Math.max(0, maxChars - 3)) + "...";
    }

    /** Text as the driver reads it: UTF-8 with a terminating NUL. */
    static byte[] nulTerminated(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] withNul = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, withNul, 0, bytes.length);
        return withNul;
    }
}
