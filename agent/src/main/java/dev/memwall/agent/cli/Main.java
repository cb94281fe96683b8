package dev.memwall.agent.cli;

import dev.memwall.agent.logging.CliLogConfigurator;
import dev.memwall.agent.render.OneLine;
import dev.memwall.estimator.units.AsciiNumbers;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** The memwall command line. {@code main} only exits; {@link #run} is what tests call. */
public final class Main {

    public static final int OK = 0;
    public static final int RUNTIME_FAILURE = 1;
    public static final int BAD_INPUT = 2;
    public static final int DOES_NOT_FIT = 3;

    /** JNA's list of extra folders to look for libraries in (see {@link #main}). */
    static final String JNA_PLATFORM_PATH = "jna.platform.library.path";

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 1 && ("--version".equals(args[0]) || "-V".equals(args[0]))) {
            // Two lines need neither the command-line parser nor logging: answered before either starts.
            PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            for (String line : Version.lines()) {
                out.println(line);
            }
            out.flush();
            return;
        }
        if (System.getProperty(JNA_PLATFORM_PATH) == null) {
            // When it first loads, JNA lists folders to search for libraries the system's loader did not find, by
            // starting `ldconfig -p` (10-40 ms of a short command, on a thread the probe waits for). memwall only
            // loads names the loader resolves itself (libnvidia-ml.so.1, libcuda.so.1, libc.so.6): no extra folders.
            // A value given on the command line is kept.
            System.setProperty(JNA_PLATFORM_PATH, "");
        }
        EarlyStart.begin(args);
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs memwall with these arguments, writing to the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        QuickProbe.Request quick = QuickProbe.read(args);
        if (quick != null) {
            if (quick.verbose()) {
                CliLogConfigurator.setVerbose(true);
            }
            try {
                return ProbeCommand.of(quick).run(out, err);
            } catch (Exception e) {
                return failed(e, err);
            } catch (Error e) {
                return unexpected(e, err);
            }
        }
        CommandLine cmd = commandLine(out, err, args);
        try {
            return cmd.execute(args);
        } catch (Error e) {
            // picocli hands Errors on.
            return unexpected(e, err);
        }
    }

    /** An Error: one line rather than a stack trace on the terminal. */
    private static int unexpected(Error e, PrintWriter err) {
        LoggerFactory.getLogger(Main.class).debug("unexpected failure", e);
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        err.println("memwall: unexpected error: " + cause + " (run with --verbose for details)");
        return RUNTIME_FAILURE;
    }

    /** What a command's exception means: its line on stderr and the exit code. */
    private static int failed(Exception ex, PrintWriter err) {
        if (ex instanceof BadInputException) {
            err.println("memwall: " + ex.getMessage());
            return BAD_INPUT;
        }
        if (ex instanceof RuntimeFailureException) {
            err.println("memwall: " + ex.getMessage());
            return RUNTIME_FAILURE;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        log.debug("unexpected failure", ex);
        err.println("memwall: unexpected error: " + OneLine.of(String.valueOf(ex))
                + " (run with --verbose for details)");
        return RUNTIME_FAILURE;
    }

    private static final class AsciiInt implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            return asciiInt(text);
        }
    }

    private static final class AsciiLong implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            return asciiLong(text);
        }
    }

    private static Integer asciiInt(String text) {
        long v = asciiLong(text);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new CommandLine.TypeConversionException("'" + text + "' is too large for an int (at most "
                    + Integer.MAX_VALUE + ")");
        }
        return (int) v;
    }

    private static Long asciiLong(String text) {
        if (!AsciiNumbers.isWholeNumber(text)) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a whole number in ASCII digits");
        }
        try {
            return AsciiNumbers.parseLong(text);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is too large for a long (at most "
                    + Long.MAX_VALUE + ")");
        }
    }

    /** The subcommands, in the order help lists them. */
    private static final List<String> SUBCOMMANDS = List.of("probe", "fit", "agent", "gpus", "models", "inspect",
            "help");

    /** A new instance of the subcommand; a switch rather than method references (see {@link AsciiInt}). */
    private static Object subcommand(String name) {
        switch (name) {
            case "probe":
                return new ProbeCommand();
            case "fit":
                return new FitCommand();
            case "agent":
                return new AgentCommand();
            case "gpus":
                return new GpusCommand();
            case "models":
                return new ModelsCommand();
            case "inspect":
                return new InspectCommand();
            case "help":
                return new CommandLine.HelpCommand();
            default:
                throw new IllegalArgumentException(name);
        }
    }

    /**
     * The command line for these arguments. picocli reads every subcommand's annotations when it is added, so
     * only the one named is added when the arguments name one (a third of a probe's start-up went to reading the
     * others'); otherwise all are, for help and for the message about an unknown one.
     */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, String... arguments) {
        CommandLine cmd = new CommandLine(new MemwallCommand());
        String named = null;
        for (String a : arguments) {
            if (!a.startsWith("-")) {
                named = SUBCOMMANDS.contains(a) && !"help".equals(a) ? a : null;
                break;
            }
        }
        for (String name : SUBCOMMANDS) {
            if (named == null || named.equals(name)) {
                cmd.addSubcommand(name, subcommand(name));
            }
        }
        cmd.setOut(out);
        cmd.setErr(err);
        // picocli reads numbers with Integer.valueOf, which takes any script's digits: ASCII only here.
        // Classes, not method references: JDK 17's dynamic CDS archive (the launcher's memwall.jsa) crashed
        // archiving these lambda proxies (SIGSEGV in adjust_lambda_proxy_class_dictionary).
        cmd.registerConverter(Integer.class, new AsciiInt());
        cmd.registerConverter(Integer.TYPE, new AsciiInt());
        cmd.registerConverter(Long.class, new AsciiLong());
        cmd.registerConverter(Long.TYPE, new AsciiLong());
        cmd.setParameterExceptionHandler((ex, args) -> {
            String help = ex.getCommandLine().getCommandName();
            CommandLine parent = ex.getCommandLine().getParent();
            String command = parent == null ? help : parent.getCommandName() + " " + help;
            // picocli's messages quote the argument as given: escaped and cut like every echoed text.
            err.println("memwall: " + OneLine.of(ex.getMessage()) + " (see '" + command + " --help')");
            return BAD_INPUT;
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failed(ex, err));
        return cmd;
    }
}
