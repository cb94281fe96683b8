package dev.memwall.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line's log layout writes what logback's pattern {@code memwall %level [%relative ms] ...} wrote. */
class CliLineLayoutTest {

    @Test
    void itWritesWhatThePatternWrote() {
        LoggerContext context = new LoggerContext();
        context.putObject(ch.qos.logback.core.CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS,
                new java.util.HashMap<>(java.util.Map.of(OneLineMessage.WORD,
                        (java.util.function.Supplier<ch.qos.logback.core.pattern.DynamicConverter<?>>)
                                OneLineMessage::new)));
        PatternLayout pattern = new PatternLayout();
        pattern.setContext(context);
        pattern.setPattern("memwall %level [%relative ms] %logger{0}: %" + OneLineMessage.WORD + "%n");
        pattern.start();
        CliLineLayout layout = new CliLineLayout();
        layout.setContext(context);
        layout.start();

        List<LoggingEvent> events = List.of(
                new LoggingEvent("x", context.getLogger("dev.memwall.device.opencl.OpenClLibrary"), Level.DEBUG,
                        "OpenCL: {} platform(s)", null, new Object[] {1}),
                new LoggingEvent("x", context.getLogger("Root"), Level.WARN, "two\nlines\u001b[31m", null, null),
                new LoggingEvent("x", context.getLogger("dev.memwall.device.nvml.Nvml"), Level.ERROR,
                        "NVML did not load", new UnsatisfiedLinkError("libnvidia-ml.so.1: cannot open"), null));
        for (LoggingEvent e : events) {
            assertThat(layout.doLayout(e)).isEqualTo(pattern.doLayout(e));
        }
        assertThat(layout.doLayout(events.get(2))).contains("java.lang.UnsatisfiedLinkError: libnvidia-ml.so.1");
    }
}
