package dev.memwall.estimator.safetensors;

import dev.memwall.estimator.io.ModelFormatException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A header's bytes straight from the file, checked as UTF-8 as they pass, so the parser never needs the whole
 * header in memory: at most one 64 KiB chunk is held here, whatever the header's length.
 */
final class HeaderStream extends InputStream {
    private static final int CHUNK = 64 << 10;

    /** The header is not UTF-8; carried through the JSON parser, which only passes on {@link IOException}s. */
    static final class NotUtf8 extends IOException {
        private static final long serialVersionUID = 1L;

        final transient ModelFormatException refusal;

        NotUtf8(ModelFormatException refusal) {
            super(refusal.getMessage());
            this.refusal = refusal;
        }
    }

    private final FileChannel channel;
    private final String file;
    private final long start;
    private final long end;
    private final String what;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer pending = ByteBuffer.allocate(CHUNK + 8);
    private final CharBuffer sink = CharBuffer.allocate(CHUNK);
    private long position;
    private long decoded;

    /** Bytes {@code [start, end)} of {@code channel}; {@code file} and {@code what} are for messages. */
    HeaderStream(FileChannel channel, String file, long start, long end, String what) {
        this.channel = channel;
        this.file = file;
        this.start = start;
        this.end = end;
        this.what = what;
        this.position = start;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (position >= end) {
            return -1;
        }
        int n = (int) Math.min(Math.min(len, CHUNK), end - position);
        int r = channel.read(ByteBuffer.wrap(b, off, n), position);
        if (r < 0) {
            throw new EOFException(file + ": file shrank while being read, at byte " + position);
        }
        position += r;
        check(b, off, r, position == end);
        return r;
    }

    private void check(byte[] b, int off, int n, boolean last) throws NotUtf8 {
        pending.put(b, off, n).flip();
        while (true) {
            CoderResult r = utf8.decode(pending, sink, last);
            if (r.isError()) {
                throw notUtf8(pending.position());
            }
            sink.clear();
            if (r.isUnderflow()) {
                break;
            }
        }
        if (last && utf8.flush(sink).isError()) {
            throw notUtf8(pending.position());
        }
        decoded += pending.position();
        pending.compact();
    }

    private NotUtf8 notUtf8(int at) {
        return new NotUtf8(new ModelFormatException(file, start + decoded + at, what + " is not valid UTF-8"));
    }
}
