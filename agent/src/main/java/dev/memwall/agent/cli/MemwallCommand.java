package dev.memwall.agent.cli;

import dev.memwall.agent.logging.CliLogConfigurator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root command: subcommands, standard help and version, and the exit codes. */
@Command(
        name = "memwall",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Which models can this machine load right now, and how fast can they run once loaded?",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:ok",
            "1:runtime failure (a driver or device failed)",
            "2:bad usage or bad input",
            "3:fit: does not fit on any device now"})
public final class MemwallCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Log debug detail to stderr.")
    void setVerbose(boolean verbose) {
        CliLogConfigurator.setVerbose(verbose);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
