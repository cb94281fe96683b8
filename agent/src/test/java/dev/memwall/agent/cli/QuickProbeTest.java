package dev.memwall.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.agent.logging.CliLogConfigurator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code memwall probe} read without picocli takes only command lines picocli reads the same way: for every
 * argument list it accepts, picocli parses it without complaint into the same fields; everything else is left to
 * picocli.
 */
class QuickProbeTest {

    /** What picocli makes of these arguments: the request, or null when it refuses them or they are not a probe. */
    private static QuickProbe.Request picocli(List<String> args) {
        StringWriter sink = new StringWriter();
        CommandLine cmd = Main.commandLine(new PrintWriter(sink), new PrintWriter(sink), args.toArray(String[]::new));
        CommandLine.ParseResult parsed;
        try {
            parsed = cmd.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            return null;
        }
        if (!parsed.hasSubcommand() || !parsed.subcommand().commandSpec().name().equals("probe")
                || parsed.subcommand().isUsageHelpRequested() || parsed.subcommand().isVersionHelpRequested()
                || parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
            return null;
        }
        ProbeCommand probe = (ProbeCommand) parsed.subcommand().commandSpec().userObject();
        boolean verbose = parsed.hasMatchedOption("--verbose") || parsed.subcommand().hasMatchedOption("--verbose");
        return new QuickProbe.Request(probe.json, probe.noBench, probe.devices.backend,
                List.copyOf(probe.devices.simulate), verbose);
    }

    @AfterProperty
    void quiet() {
        CliLogConfigurator.setVerbose(false);
    }

    @Property(tries = 3000)
    void whatItAcceptsPicocliReadsTheSameWay(@ForAll("argumentLists") List<String> args) {
        QuickProbe.Request quick = QuickProbe.read(args.toArray(String[]::new));
        if (quick != null) {
            assertThat(picocli(args)).as("picocli on %s", args).isEqualTo(quick);
        }
    }

    /** Probe command lines made of well-formed pieces, most of which the quick reader takes. */
    @Property(tries = 1000)
    void wellFormedProbesAreReadAsPicocliReadsThem(@ForAll("wellFormed") List<String> args) {
        QuickProbe.Request quick = QuickProbe.read(args.toArray(String[]::new));
        if (quick != null) {
            assertThat(picocli(args)).as("picocli on %s", args).isEqualTo(quick);
        } else {
            // refused only for a repeated flag or backend
            assertThat(args.stream().filter(a -> a.equals("--json")).count() > 1
                    || args.stream().filter(a -> a.equals("--no-bench")).count() > 1
                    || args.stream().filter(a -> a.equals("--verbose")).count() > 1
                    || args.stream().filter(a -> a.startsWith("--backend")).count() > 1).as("%s", args).isTrue();
        }
    }

    @Provide
    Arbitrary<List<String>> wellFormed() {
        Arbitrary<List<String>> piece = Arbitraries.of(List.of("--json"), List.of("--no-bench"),
                List.of("--backend", "opencl"), List.of("--backend=cuda"), List.of("--backend", "nonsense"),
                List.of("--simulate", "h100-sxm"), List.of("--simulate=all"), List.of("--simulate", "rtx-4090:free=1"),
                List.of("--verbose"));
        return Arbitraries.of(true, false).flatMap(before -> piece.list().ofMaxSize(5).map(pieces -> {
            List<String> args = new ArrayList<>();
            if (before) {
                args.add("--verbose");
            }
            args.add("probe");
            pieces.forEach(args::addAll);
            return args;
        }));
    }

    @Provide
    Arbitrary<List<String>> argumentLists() {
        Arbitrary<String> token = Arbitraries.of("probe", "probe", "--json", "--no-bench", "--verbose", "--backend",
                "opencl", "--backend=cuda", "--backend=", "--simulate", "h100-sxm", "--simulate=rtx-4090",
                "--simulate=", "all", "-h", "--help", "-V", "--version", "--", "@args", "--jso", "-", "gpus",
                "--backend=--json", "auto", "custom:total=48GiB,bandwidth=960GB/s");
        return token.list().ofMaxSize(7);
    }

    @Test
    void thePlainFormsAreTakenAndTheirFieldsAreSet() {
        assertThat(QuickProbe.read("probe")).isEqualTo(new QuickProbe.Request(false, false, "auto", List.of(),
                false));
        assertThat(QuickProbe.read("--verbose", "probe", "--no-bench", "--json", "--backend", "opencl",
                "--simulate=h100-sxm", "--simulate", "all")).isEqualTo(new QuickProbe.Request(true, true, "opencl",
                List.of("h100-sxm", "all"), true));
    }

    @Test
    void helpRepeatsMissingValuesAndOtherCommandsAreLeftToPicocli() {
        List<List<String>> left = new ArrayList<>(List.of(List.of(), List.of("probe", "--help"),
                List.of("probe", "-h"), List.of("probe", "--json", "--json"), List.of("probe", "--backend"),
                List.of("probe", "--backend", "--json"), List.of("probe", "--backend=a", "--backend=b"),
                List.of("probe", "--"), List.of("probe", "@file"), List.of("probe", "extra"), List.of("gpus"),
                List.of("--verbose", "--verbose", "probe"), List.of("probe", "--simulate="),
                List.of("--json", "probe")));
        for (List<String> args : left) {
            assertThat(QuickProbe.read(args.toArray(String[]::new))).as("%s", args).isNull();
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode withoutMoments(String json) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        doc.remove("taken_at");
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.get("host")).remove("memory_available_bytes");
        return doc;
    }

    @Test
    void aProbeReadEitherWayAnswersTheSame() throws Exception {
        String[] args = {"probe", "--simulate", "h100-sxm", "--no-bench", "--json"};
        assertThat(QuickProbe.read(args)).isNotNull();
        StringWriter viaQuick = new StringWriter();
        int quickCode = Main.run(args, new PrintWriter(viaQuick, true), new PrintWriter(new StringWriter(), true));
        StringWriter viaPicocli = new StringWriter();
        int picocliCode = Main.commandLine(new PrintWriter(viaPicocli, true), new PrintWriter(new StringWriter(),
                true), args).execute(args);
        assertThat(quickCode).isEqualTo(picocliCode).isZero();
        // The time taken and the host's available memory move between the two runs; the rest is the same.
        assertThat(withoutMoments(viaQuick.toString())).isEqualTo(withoutMoments(viaPicocli.toString()));
    }
}
