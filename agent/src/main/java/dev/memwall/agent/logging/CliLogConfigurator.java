package dev.memwall.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;
import dev.memwall.agent.render.OneLine;

/**
 * Logback set up in code (no XML to parse at start-up): warnings and errors to stderr, one line each (each
 * message through {@link OneLineMessage}).
 * {@code --verbose} lowers the level to debug through {@link #setVerbose}.
 */
public final class CliLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        // Logback's own warnings and errors (about its set-up) are said on stderr by this listener; with a listener
        // in place, logback does not start its status printer, whose date formatting costs a short command (memwall
        // probe) 20-40 ms of time-zone and locale loading before anything else can log.
        StderrStatus status = new StderrStatus();
        for (Status earlier : context.getStatusManager().getCopyOfStatusList()) {
            status.addStatusEvent(earlier);
        }
        context.getStatusManager().add(status);
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("stderr");
        appender.setTarget("System.err");
        CliLineLayout layout = new CliLineLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * The daemon's logging: memwall's own loggers at info (debug when verbose) with a timestamp, or one JSON
     * object per line through logback's JSON encoder.
     */
    public static void forDaemon(boolean json) {
        if (!(org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        registerOneLineMessage(context);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("stderr");
        appender.setTarget("System.err");
        if (json) {
            ch.qos.logback.classic.encoder.JsonEncoder encoder = new ch.qos.logback.classic.encoder.JsonEncoder();
            encoder.setContext(context);
            encoder.setWithMDC(false);
            encoder.setWithArguments(false);
            encoder.setWithContext(false);
            encoder.setWithSequenceNumber(false);
            encoder.setWithNanoseconds(false);
            encoder.setWithMessage(false);
            encoder.setWithFormattedMessage(true);
            encoder.start();
            appender.setEncoder(encoder);
        } else {
            PatternLayoutEncoder encoder = new PatternLayoutEncoder();
            encoder.setContext(context);
            encoder.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX,UTC} memwall %level %logger{0}: %"
                    + OneLineMessage.WORD + "%n");
            encoder.start();
            appender.setEncoder(encoder);
        }
        appender.start();
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        context.getLogger("dev.memwall").setLevel(verbose ? Level.DEBUG : Level.INFO);
    }

    /** Makes {@code %oneLineMsg} known to the context's pattern layouts (JSON lines escape on their own). */
    @SuppressWarnings("unchecked")
    private static void registerOneLineMessage(LoggerContext context) {
        Object registry = context.getObject(ch.qos.logback.core.CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
        java.util.Map<String, java.util.function.Supplier<ch.qos.logback.core.pattern.DynamicConverter>> rules =
                registry instanceof java.util.Map<?, ?> map ? (java.util.Map<String,
                        java.util.function.Supplier<ch.qos.logback.core.pattern.DynamicConverter>>) map
                        : new java.util.HashMap<>();
        rules.put(OneLineMessage.WORD, OneLineMessage::new);
        context.putObject(ch.qos.logback.core.CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
    }

    /** Logback's statuses of level warning and above, one line each on stderr. */
    private static final class StderrStatus implements StatusListener {
        @Override
        public void addStatusEvent(Status status) {
            if (status.getEffectiveLevel() >= Status.WARN) {
                System.err.println("memwall: logging: " + OneLine.of(status.getMessage()));
            }
        }
    }

    private static volatile boolean verbose;

    /** Debug output for memwall's own loggers (and warnings from libraries) when true. */
    public static void setVerbose(boolean verbose) {
        CliLogConfigurator.verbose = verbose;
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger("dev.memwall").setLevel(verbose ? Level.DEBUG : null);
        }
    }
}
