package dev.memwall.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A library's warning that quotes a client's bytes is one escaped line in the log, as memwall's own are. */
class OneLineMessageTest {

    @Test
    void aLoggedMessageWithControlCharactersAndAHugeValueIsOneBoundedLine() {
        LoggerContext context = new LoggerContext();
        CliLogConfigurator configurator = new CliLogConfigurator();
        configurator.setContext(context);
        configurator.configure(context);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> stderr = (OutputStreamAppender<ILoggingEvent>) root.getAppender("stderr");

        String client = "Bad Authority: [x\r\nmemwall ERROR forged line\u001b[31m" + "a".repeat(100_000) + "]";
        LoggingEvent event = new LoggingEvent("org.eclipse.jetty.util.HostPort", context.getLogger("org.eclipse.jetty"
                + ".util.HostPort"), Level.WARN, client, null, null);
        String line = new String(stderr.getEncoder().encode(event), StandardCharsets.UTF_8);

        assertThat(line).startsWith("memwall WARN [").contains("HostPort: Bad Authority: [x\\r\\nmemwall ERROR forged "
                + "line\\u001b[31m").contains("characters cut]").endsWith("]" + System.lineSeparator());
        assertThat(line.strip()).doesNotContain("\n", "\r", "\u001b");
        assertThat(line.length()).isLessThan(1200);
    }
}
