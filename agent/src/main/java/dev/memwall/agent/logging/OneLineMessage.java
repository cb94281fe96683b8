package dev.memwall.agent.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.memwall.agent.render.OneLine;

/**
 * {@code %msg} through {@link OneLine}: a log message that quotes what a client sent (a library's warning about a
 * malformed request included) stays one line with its control characters escaped and its length bounded.
 */
public final class OneLineMessage extends ClassicConverter {

    /** The conversion word the log patterns use in place of {@code %msg}. */
    static final String WORD = "oneLineMsg";

    @Override
    public String convert(ILoggingEvent event) {
        return OneLine.of(event.getFormattedMessage());
    }
}
