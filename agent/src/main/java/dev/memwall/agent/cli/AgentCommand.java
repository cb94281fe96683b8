package dev.memwall.agent.cli;

import dev.memwall.agent.daemon.Agent;
import dev.memwall.agent.daemon.AgentSettings;
import dev.memwall.agent.daemon.Durations;
import dev.memwall.agent.daemon.SettingsFiles;
import dev.memwall.agent.fit.FitChoices;
import dev.memwall.agent.logging.CliLogConfigurator;
import dev.memwall.agent.running.RuntimeEndpoints;
import dev.memwall.device.BenchmarkSettings;
import dev.memwall.device.host.HostProbe;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.precision.Precision;
import dev.memwall.estimator.precision.Precisions;
import dev.memwall.estimator.source.LoadedModel;
import dev.memwall.estimator.units.AsciiNumbers;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code memwall agent}: the daemon. Each setting comes from its flag, else its {@code MEMWALL_*} environment
 * variable, else the config file, else its default; the effective settings are logged at start.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Run as a daemon: read every device every sample interval, measure bandwidth now and then, "
                + "and serve Prometheus metrics (/metrics), a JSON API (/api/v1/probe, /api/v1/fit, /api/v1/status, "
                + "POST /api/v1/bench), health (/healthz, /readyz) and a live page (/).",
            "Every option can also be set as MEMWALL_<OPTION> in the environment (MEMWALL_LISTEN, "
                + "MEMWALL_SAMPLE_INTERVAL, ...) or as 'option = value' in the --config file; flags win, then the "
                + "environment, then the file."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped by SIGTERM or SIGINT", "1:could not start (address in use, no device layer)",
            "2:bad usage or bad configuration"})
public final class AgentCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(AgentCommand.class);
    static final Duration STOP_WITHIN = Duration.ofMillis(4500);

    @Spec
    CommandSpec spec;

    @Mixin
    DeviceOptions devices;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to serve on. Default: "
            + "127.0.0.1:9464. Beyond loopback, POST needs the token of --token-file (and is refused without one).")
    String listen;

    @Option(names = "--sample-interval", paramLabel = "DURATION", description = "How often devices are read "
            + "(context-free: NVML, OpenCL queries). Default: 5s.")
    String sampleInterval;

    @Option(names = "--bench-interval", paramLabel = "DURATION", description = "How often bandwidth is measured "
            + "(at start, then every interval), one device at a time, busy devices skipped; 0 = never unless asked "
            + "with POST /api/v1/bench. Default: 6h.")
    String benchInterval;

    @Option(names = "--min-bench-interval", paramLabel = "DURATION", description = "Least time between benchmarks "
            + "asked for with POST /api/v1/bench (429 within it). Default: 1m.")
    String minBenchInterval;

    @Option(names = "--watch", paramLabel = "MODEL", split = ",", description = "Catalog ids to evaluate on every "
            + "device at every sample (comma-separated or repeated). Default: "
            + "llama-3.1-8b,qwen2.5-7b,gemma-2-9b,qwen3-30b-a3b,llama-3.1-70b,gpt-oss-120b.")
    List<String> watch;

    @Option(names = "--watch-precisions", paramLabel = "P", split = ",", description = "Precisions at which "
            + "every watched model's fit is also exported as metrics (besides the best that fits now), so that "
            + "Prometheus answers 'where does it fit at int4'. Default: bf16,fp8,int4.")
    List<String> watchPrecisions;

    @Option(names = "--runtime-url", paramLabel = "URL", split = ",", description = "A model runtime's local API to "
            + "ask at every sample besides the default addresses (Ollama 127.0.0.1:11434, llama-server "
            + "127.0.0.1:8080 and 127.0.0.1:9931, vLLM 127.0.0.1:8000), e.g. http://127.0.0.1:8081 (repeatable).")
    List<String> runtimeUrls;

    @Option(names = "--min-precision", paramLabel = "CLASS", description = "The lowest precision class a watched "
            + "model's best precision is chosen from: 16bit, 8bit, 6bit, 5bit, 4bit, 3bit or 2bit. Default: 4bit.")
    String minPrecision;

    @Option(names = "--token-file", paramLabel = "FILE", description = "File whose first line is the bearer token "
            + "POST requests must carry. Required when --listen is beyond loopback.")
    String tokenFile;

    @Option(names = "--busy-below-free", paramLabel = "FRACTION", description = "A device with less than this "
            + "fraction of its memory free is busy and not benchmarked (nor is one with other processes on it). "
            + "Default: 0.25.")
    String busyBelowFree;

    @Option(names = "--node", paramLabel = "NAME", description = "Node name for the metrics' node label. Default: "
            + "MEMWALL_NODE, else NODE_NAME (set from the Kubernetes downward API), else none.")
    String node;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text or json (one JSON object per line). "
            + "Default: text.")
    String logFormat;

    @Option(names = "--config", paramLabel = "FILE", description = "A file of 'option = value' lines (e.g. "
            + "'listen = 0.0.0.0:9464', 'simulate = h100-sxm,rtx-4090').")
    String config;

    @Option(names = "--no-bench", description = "Never measure bandwidth, not even when asked over HTTP; decode "
            + "bounds use theoretical bandwidth.")
    boolean noBench;

    /** Warnings found while reading the settings, logged once logging is set up. */
    private final List<String> warnings = new ArrayList<>();

    /** Where a setting came from, for the start-up line. */
    private final Map<String, String> sources = new LinkedHashMap<>();

    @Override
    public Integer call() {
        Map<String, String> env = System.getenv();
        Properties file = readConfig(env);
        Function<String, String> setting = name -> value(name, env, file);

        String format = orDefault(setting.apply("log-format"), "text").toLowerCase(Locale.ROOT);
        if (!format.equals("text") && !format.equals("json")) {
            throw new BadInputException("--log-format must be text or json, was '" + format + "'");
        }
        String backend = setting.apply("backend");
        if (backend != null) {
            devices.backend = backend;
        }
        String simulate = setting.apply("simulate");
        if (simulate != null && devices.simulate.isEmpty()) {
            devices.simulate = new ArrayList<>(Arrays.asList(simulate.split(",")));
        }
        AgentSettings settings = settings(setting, env);
        List<LoadedModel> watched = new ArrayList<>();
        for (String id : settings.watch()) {
            var entry = ModelCatalog.builtIn().find(id).orElseThrow(() -> {
                List<String> near = ModelCatalog.builtIn().suggestions(id);
                return new BadInputException("unknown model '" + id + "' for --watch" + (near.isEmpty() ? ""
                        : "; did you mean " + String.join(", ", near) + "?"));
            });
            watched.add(new LoadedModel(id, "catalog", entry.spec(), null, List.of()));
        }
        var backends = devices.backends();

        CliLogConfigurator.forDaemon(format.equals("json"));
        LOG.info("memwall {} agent: {} ({})", Version.get(), settings.describe(), describeSources());
        warnings.forEach(LOG::warn);
        if (!settings.postAllowed()) {
            LOG.warn("listening beyond loopback without --token-file: POST /api/v1/bench is refused");
        }
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            // Without TCP_NODELAY the JDK server's small answers wait on delayed ACKs (tens of ms each).
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        Agent agent = new Agent(settings, backends, watched, HostProbe::read,
                noBench ? null : BenchmarkSettings.defaults(), Version.get());
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        try {
            agent.start();
        } catch (IOException e) {
            agent.stop(Duration.ofSeconds(1));
            throw new RuntimeFailureException("could not listen on " + settings.listen().getAddress().getHostAddress() + ":"
                    + settings.listen().getPort() + ": " + e.getMessage());
        }
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("stopping");
        agent.stop(STOP_WITHIN);
        return Main.OK;
    }

    private AgentSettings settings(Function<String, String> setting, Map<String, String> env) {
        InetSocketAddress address = address(orDefault(setting.apply("listen"), "127.0.0.1:" + AgentSettings.DEFAULT_PORT));
        Duration sample = duration("sample-interval", orDefault(setting.apply("sample-interval"), "5s"));
        Duration bench = duration("bench-interval", orDefault(setting.apply("bench-interval"), "6h"));
        Duration minBench = duration("min-bench-interval", orDefault(setting.apply("min-bench-interval"), "1m"));
        String watchText = setting.apply("watch");
        List<String> watchList = watchText == null ? AgentSettings.DEFAULT_WATCH
                : Arrays.stream(watchText.split(",")).map(String::trim).filter(w -> !w.isEmpty()).toList();
        double busy;
        String busyText = orDefault(setting.apply("busy-below-free"), "0.25");
        try {
            busy = Double.parseDouble(busyText);
        } catch (NumberFormatException e) {
            throw new BadInputException("--busy-below-free must be a fraction such as 0.25, was '" + busyText + "'");
        }
        if (!(busy >= 0 && busy < 1)) {
            throw new BadInputException("--busy-below-free must be in [0, 1), was " + busyText);
        }
        if (sample.compareTo(Duration.ofMillis(100)) < 0) {
            throw new BadInputException("--sample-interval must be at least 100ms, was " + Durations.format(sample));
        }
        String token = null;
        String tokenPath = setting.apply("token-file");
        if (tokenPath != null) {
            try {
                SettingsFiles.Token read = SettingsFiles.readToken(Path.of(tokenPath));
                token = read.value();
                read.warning().ifPresent(warnings::add);
            } catch (NoSuchFileException e) {
                throw new BadInputException("--token-file " + tokenPath + ": no such file");
            } catch (IOException | IllegalArgumentException e) {
                throw new BadInputException("--token-file " + tokenPath + ": " + e.getMessage());
            }
        }
        String node = setting.apply("node");
        if (node == null && env.get("NODE_NAME") != null && !env.get("NODE_NAME").isBlank()) {
            node = env.get("NODE_NAME").trim();
            sources.put("node", "NODE_NAME");
        }
        if (node != null) {
            String from = sources.getOrDefault("node", "flag");
            node = node(node, from.equals("flag") ? "--node" : from.equals("config file") ? "node in the --config file"
                    : from);
        }
        String precisionsText = orDefault(setting.apply("watch-precisions"), "bf16,fp8,int4");
        List<String> precisions = new ArrayList<>();
        for (String p : precisionsText.split(",")) {
            String name = p.trim();
            if (name.isEmpty()) {
                continue;
            }
            precisions.add(Precisions.weight(name).orElseThrow(() -> new BadInputException("unknown precision '"
                    + name + "' for --watch-precisions; known: " + Precisions.weights().stream()
                            .map(Precision::name).collect(java.util.stream.Collectors.joining(", ")))).name());
        }
        int minClass;
        try {
            minClass = FitChoices.minPrecision(orDefault(setting.apply("min-precision"), "4bit"), "--min-precision");
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
        List<String> runtimeUrls = new ArrayList<>();
        String runtimeText = setting.apply("runtime-url");
        for (String u : runtimeText == null ? new String[0] : runtimeText.split(",")) {
            if (!u.isBlank()) {
                try {
                    runtimeUrls.add(RuntimeEndpoints.parseUrl(u.trim(), true).toString());
                } catch (IllegalArgumentException e) {
                    throw new BadInputException("--runtime-url: " + e.getMessage());
                }
            }
        }
        AgentSettings s = new AgentSettings(address, sample, bench, minBench, watchList, precisions, token, busy,
                node, minClass, runtimeUrls);
        return s;
    }

    /** The most characters a node name may have: a DNS name's (Kubernetes node names are DNS subdomains). */
    static final int MAX_NODE_CHARS = 253;

    /**
     * A node name goes on every metric and log line: no control characters (a newline would split a log line) and
     * at most {@value #MAX_NODE_CHARS} characters.
     */
    static String node(String name, String source) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new BadInputException(String.format(Locale.ROOT, "%s: the node name '%s' has a control "
                        + "character (U+%04X) at %d; a node name is one line of printable text", source, name,
                        (int) c, i));
            }
        }
        if (name.length() > MAX_NODE_CHARS) {
            throw new BadInputException(source + ": the node name has " + name.length() + " characters; at most "
                    + MAX_NODE_CHARS);
        }
        return name;
    }

    private static Duration duration(String option, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--" + option + ": " + e.getMessage());
        }
    }

    static InetSocketAddress address(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new BadInputException("--listen takes HOST:PORT (e.g. 127.0.0.1:9464 or 0.0.0.0:9464), was '"
                    + text + "'");
        }
        String host = text.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = AsciiNumbers.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new BadInputException("--listen: port '" + text.substring(colon + 1) + "' is not a number");
        }
        if (port < 0 || port > 65_535) {
            throw new BadInputException("--listen: port " + port + " is outside 0-65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host.isEmpty() ? "0.0.0.0" : host), port);
        } catch (UnknownHostException e) {
            throw new BadInputException("--listen: unknown host '" + host + "'");
        }
    }

    /** The flag's value when given, else MEMWALL_NAME from the environment, else the config file's, else null. */
    private String value(String name, Map<String, String> env, Properties file) {
        String flag = "--" + name;
        if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
            sources.put(name, "flag");
            Object v = spec.commandLine().getParseResult().matchedOptionValue(flag, null);
            if (v instanceof List<?> list) {
                return String.join(",", list.stream().map(String::valueOf).toList());
            }
            return v == null ? null : String.valueOf(v);
        }
        String envName = "MEMWALL_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
        if (env.get(envName) != null && env.get(envName).isBlank()) {
            // The empty flag is refused; the empty variable is too, rather than silently meaning "not set".
            throw new BadInputException(envName + " is set but empty; give it a value or unset it");
        }
        if (env.get(envName) != null) {
            sources.put(name, envName);
            return env.get(envName).trim();
        }
        if (file.getProperty(name) != null) {
            sources.put(name, "config file");
            return file.getProperty(name).trim();
        }
        return null;
    }

    private Properties readConfig(Map<String, String> env) {
        Properties p = new Properties();
        String path = config != null ? config : env.get("MEMWALL_CONFIG");
        if (path == null || path.isBlank()) {
            return p;
        }
        String from = config != null ? "--config" : "MEMWALL_CONFIG";
        try {
            p.load(new StringReader(SettingsFiles.read(Path.of(path), "config file")));
        } catch (NoSuchFileException e) {
            throw new BadInputException(from + " " + path + ": no such file");
        } catch (IOException | IllegalArgumentException e) {
            throw new BadInputException(from + " " + path + ": " + e.getMessage());
        }
        List<String> known = List.of("listen", "sample-interval", "bench-interval", "min-bench-interval", "watch",
                "watch-precisions", "min-precision", "token-file", "busy-below-free", "node", "log-format", "backend", "simulate",
                "runtime-url");
        for (String key : p.stringPropertyNames()) {
            if (!known.contains(key)) {
                throw new BadInputException("--config " + path + ": unknown setting '" + key + "'; known: "
                        + String.join(", ", known));
            }
        }
        return p;
    }

    private String describeSources() {
        if (sources.isEmpty()) {
            return "all defaults";
        }
        List<String> parts = new ArrayList<>();
        sources.forEach((k, v) -> parts.add(k + " from " + v));
        return String.join(", ", parts);
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }
}
