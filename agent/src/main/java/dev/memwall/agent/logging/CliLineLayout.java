package dev.memwall.agent.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import dev.memwall.agent.render.OneLine;

/**
 * The command line's log line, {@code memwall LEVEL [N ms] Logger: message}, with the message through
 * {@link OneLine} and a throwable's stack trace after it, as the pattern
 * {@code memwall %level [%relative ms] %logger{0}: %oneLineMsg%n} writes it. Written out rather than parsed from
 * that pattern: logback's pattern layout costs about a third of a short command's logging set-up (its table of
 * converters), and every short command pays for it before anything else.
 */
final class CliLineLayout extends LayoutBase<ILoggingEvent> {

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        line.append("memwall ").append(event.getLevel()).append(" [")
                .append(event.getTimeStamp() - event.getLoggerContextVO().getBirthTime()).append(" ms] ")
                .append(shortName(event.getLoggerName())).append(": ")
                .append(OneLine.of(event.getFormattedMessage())).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(ThrowableProxyUtil.asString(thrown));
        }
        return line.toString();
    }

    /** {@code %logger{0}}: the name after the last dot. */
    static String shortName(String loggerName) {
        return loggerName.substring(loggerName.lastIndexOf('.') + 1);
    }
}
