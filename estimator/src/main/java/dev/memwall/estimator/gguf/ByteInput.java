package dev.memwall.estimator.gguf;

import dev.memwall.estimator.io.ModelFormatException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;

/** Little-endian reads through a 64 KiB buffer over a channel, tracking the absolute offset in bytes. */
final class ByteInput {
    private static final int BUFFER_BYTES = 64 * 1024;

    private final SeekableByteChannel channel;
    private final String file;
    private final long size;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    /** Absolute offset of the buffer's first byte. */
    private long bufferStart;

    ByteInput(SeekableByteChannel channel, String file, long size) {
        this.channel = channel;
        this.file = file;
        this.size = size;
        buffer.limit(0);
    }

    long position() {
        return bufferStart + buffer.position();
    }

    long remaining() {
        return size - position();
    }

    long size() {
        return size;
    }

    ModelFormatException error(long offset, String problem) {
        return new ModelFormatException(file, offset, problem);
    }

    int u8(String what) throws IOException, ModelFormatException {
        require(1, what);
        return buffer.get() & 0xff;
    }

    short u16(String what) throws IOException, ModelFormatException {
        require(2, what);
        return buffer.getShort();
    }

    int u32(String what) throws IOException, ModelFormatException {
        require(4, what);
        return buffer.getInt();
    }

    long u64(String what) throws IOException, ModelFormatException {
        require(8, what);
        return buffer.getLong();
    }

    /** Reads {@code n} bytes; the caller has checked n against {@link #remaining()} and a sane limit. */
    byte[] bytes(int n, String what) throws IOException, ModelFormatException {
        if (n > remaining()) {
            throw endOfFile(n, what);
        }
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            if (!buffer.hasRemaining()) {
                require(Math.min(n - done, BUFFER_BYTES), what);
            }
            int chunk = Math.min(n - done, buffer.remaining());
            buffer.get(out, done, chunk);
            done += chunk;
        }
        return out;
    }

    void skip(long n, String what) throws ModelFormatException {
        if (n < 0 || n > remaining()) {
            throw endOfFile(n, what);
        }
        if (n <= buffer.remaining()) {
            buffer.position(buffer.position() + (int) n);
        } else {
            bufferStart = position() + n;
            buffer.clear().limit(0);
        }
    }

    private void require(int n, String what) throws IOException, ModelFormatException {
        if (buffer.remaining() >= n) {
            return;
        }
        if (remaining() < n) {
            throw endOfFile(n, what);
        }
        bufferStart += buffer.position();
        buffer.compact();
        channel.position(bufferStart + buffer.position());
        while (buffer.position() < n) {
            if (channel.read(buffer) < 0) {
                throw new EOFException(file + ": ended at byte " + (bufferStart + buffer.position())
                        + ", before its size " + size);
            }
        }
        buffer.flip();
    }

    private ModelFormatException endOfFile(long n, String what) {
        return error(position(), "file ends inside " + what + " (" + n + " bytes needed, " + remaining() + " left)");
    }
}
