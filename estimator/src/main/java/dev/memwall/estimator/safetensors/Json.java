package dev.memwall.estimator.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.memwall.estimator.io.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Bounded JSON parsing shared by the header and index readers; offsets are bytes from the start of the file. */
final class Json {
    /** Largest header or index accepted, in bytes: 100 MiB (upstream safetensors stops at 100,000,000). */
    static final long MAX_JSON_BYTES = 100L << 20;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxStringLength(32 << 20)
                    .maxNameLength(64 << 10)
                    .maxNumberLength(64)
                    .maxDocumentLength(MAX_JSON_BYTES)
                    .build())
            // Hostile headers may hold millions of distinct names: keep them out of the JVM's String.intern pool.
            // Canonicalizing stays on: without it Jackson parses chars, not bytes, and loses byte offsets.
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    private final String file;
    private final long base;
    private final JsonParser parser;

    /** {@code json} starts {@code base} bytes into {@code file}; it must be valid UTF-8 (checked here). */
    Json(String file, long base, byte[] json, String what) throws ModelFormatException {
        this.file = file;
        this.base = base;
        requireUtf8(json, what);
        try {
            this.parser = FACTORY.createParser(json);
        } catch (IOException e) {
            throw new IllegalStateException("a parser over a byte array cannot fail to open", e);
        }
    }

    private void requireUtf8(byte[] json, String what) throws ModelFormatException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(json);
        CharBuffer out = CharBuffer.allocate(8192);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isError()) {
                throw new ModelFormatException(file, base + in.position(), what + " is not valid UTF-8");
            }
            out.clear();
            if (r.isUnderflow()) {
                break;
            }
        }
        if (decoder.flush(out).isError()) {
            throw new ModelFormatException(file, base + in.position(), what + " is not valid UTF-8");
        }
    }

    /**
     * {@code json} read from a stream starting {@code base} bytes into {@code file}; a {@link HeaderStream} checks
     * UTF-8 as it reads. A read failure other than bad UTF-8 leaves as an {@link UncheckedIOException}.
     */
    Json(String file, long base, InputStream json) throws ModelFormatException {
        this.file = file;
        this.base = base;
        try {
            this.parser = FACTORY.createParser(json);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    JsonParser parser() {
        return parser;
    }

    /** The next token; a syntax or limit error becomes a {@link ModelFormatException} naming {@code what}. */
    JsonToken next(String what) throws ModelFormatException {
        try {
            return parser.nextToken();
        } catch (JsonProcessingException e) {
            throw syntax(e, what);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** Skips the value at the current token (an object or array with all it holds). */
    void skip(String what) throws ModelFormatException {
        try {
            parser.skipChildren();
        } catch (JsonProcessingException e) {
            throw syntax(e, what);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    String text() throws ModelFormatException {
        try {
            return parser.getText();
        } catch (JsonProcessingException e) {
            throw syntax(e, "text");
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** The current integer token as a long, or null when it does not fit in 64 bits. */
    Long longValue() throws ModelFormatException {
        try {
            if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                return null;
            }
            return parser.getLongValue();
        } catch (JsonProcessingException e) {
            throw syntax(e, "number");
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** Offset in the file of the current token's first byte; at the end of input, the end. */
    long tokenOffset() {
        long at = absolute(parser.currentTokenLocation());
        return at < 0 ? endOffset() : at;
    }

    /** Offset in the file just past the current token. */
    long endOffset() {
        return absolute(parser.currentLocation());
    }

    private long absolute(JsonLocation location) {
        long at = location == null ? -1 : location.getByteOffset();
        return at < 0 ? -1 : base + at;
    }

    /** Bad UTF-8 found by a {@link HeaderStream} is a refusal; anything else is a failure to read. */
    static ModelFormatException unreadable(IOException e) {
        if (e instanceof HeaderStream.NotUtf8 n) {
            return n.refusal;
        }
        throw new UncheckedIOException(e);
    }

    ModelFormatException fail(long offset, String problem) {
        return new ModelFormatException(file, offset, problem);
    }

    private ModelFormatException syntax(JsonProcessingException e, String what) {
        long at = absolute(e.getLocation());
        if (at < 0) {
            at = endOffset();
        }
        return new ModelFormatException(file, at, what + " is not valid JSON: " + reason(e), e);
    }

    /** Jackson's own words, first line only, without its location suffix. */
    private static String reason(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int cut = m.indexOf('\n');
        if (cut >= 0) {
            m = m.substring(0, cut);
        }
        cut = m.indexOf(" (start marker at");
        if (cut >= 0) {
            m = m.substring(0, cut);
        }
        return m.replaceAll(", from `[^`]*`", "").strip();
    }

    /** A name from the file, quoted, with control characters escaped and at most 200 characters kept. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200) + 8).append('"');
        for (int i = 0; i < s.length(); i++) {
            if (i == 200) {
                b.append("...");
                break;
            }
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
