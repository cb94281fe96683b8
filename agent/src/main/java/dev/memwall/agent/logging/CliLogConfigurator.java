package dev.memwall.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback set up in code (no XML to parse at start-up): warnings and errors to stderr, one line each (each
 * message through {@link OneLineMessage}).
 * {@code --verbose} lowers the level to debug through {@link #setVerbose}.
 */
public final class CliLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        registerOneLineMessage(context);
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("stderr");
        appender.setTarget("System.err");
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("memwall %level [%relative ms] %logger{0}: %" + OneLineMessage.WORD + "%n");
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

    private static volatile boolean verbose;

    /** Debug output for memwall's own loggers (and warnings from libraries) when true. */
    public static void setVerbose(boolean verbose) {
        CliLogConfigurator.verbose = verbose;
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger("dev.memwall").setLevel(verbose ? Level.DEBUG : null);
        }
    }
}
