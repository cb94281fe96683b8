package dev.memwall.estimator.io;

/**
 * A model file (GGUF, safetensors, config.json, index) is malformed. The message is one line naming the file,
 * the byte offset where that is known, and the problem: {@code model.gguf: byte 24: tensor count 9999999999
 * exceeds what a 4096-byte file can hold}.
 */
public final class ModelFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;
    private final String problem;

    /**
     * @param file    the file's name as the user gave it (or its path)
     * @param offset  byte offset of the problem, or -1 when it has none
     * @param problem what is wrong, without the file name
     */
    public ModelFormatException(String file, long offset, String problem) {
        super(file + (offset >= 0 ? ": byte " + offset : "") + ": " + problem);
        this.file = file;
        this.offset = offset;
        this.problem = problem;
    }

    public ModelFormatException(String file, long offset, String problem, Throwable cause) {
        this(file, offset, problem);
        initCause(cause);
    }

    public String file() {
        return file;
    }

    /** Byte offset of the problem, or -1. */
    public long offset() {
        return offset;
    }

    public String problem() {
        return problem;
    }
}
