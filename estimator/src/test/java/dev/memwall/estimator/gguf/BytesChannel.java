package dev.memwall.estimator.gguf;

import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A read-only channel over a byte array, so tests read files without touching the disk; past the array it reads
 * zeros up to {@code size}, so a test can have a file of many MiB without the memory.
 */
final class BytesChannel implements SeekableByteChannel {
    private final byte[] bytes;
    private final long size;
    private long position;
    private boolean open = true;

    BytesChannel(byte[] bytes) {
        this(bytes, bytes.length);
    }

    BytesChannel(byte[] bytes, long size) {
        this.bytes = bytes;
        this.size = size;
    }

    @Override
    public int read(ByteBuffer dst) {
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), size - position);
        for (int i = 0; i < n; i++) {
            long p = position + i;
            dst.put(p < bytes.length ? bytes[(int) p] : 0);
        }
        position += n;
        return n;
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) {
        if (newPosition < 0) {
            throw new IllegalArgumentException("position must be >= 0, was " + newPosition);
        }
        position = newPosition;
        return this;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
        throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }
}
