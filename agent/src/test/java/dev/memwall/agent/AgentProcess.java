package dev.memwall.agent;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code java -jar memwall.jar agent ...} as a child process on a free loopback port. */
final class AgentProcess implements AutoCloseable {

    static final Path JAR = Paths.get(System.getProperty("memwall.jar", "target/memwall.jar"));
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final int port;
    final Process process;
    final Path log;

    private AgentProcess(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts the agent from the packaged jar and waits (up to a minute) until /readyz answers 200. */
    static AgentProcess start(Path dir, Map<String, String> env, String... args) throws Exception {
        return start(dir, env, List.of(MemwallJarIT.java(), "-jar", JAR.toAbsolutePath().toString()), args);
    }

    /** As {@link #start(Path, Map, String...)} with another way to run memwall (a launcher). */
    static AgentProcess start(Path dir, Map<String, String> env, List<String> memwall, String... args)
            throws Exception {
        int port = freePort();
        List<String> command = new ArrayList<>(memwall);
        command.addAll(List.of("agent", "--listen", "127.0.0.1:" + port));
        command.addAll(List.of(args));
        Path log = dir.resolve("agent-" + port + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        AgentProcess a = new AgentProcess(port, pb.start(), log);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!a.process.isAlive()) {
                throw new AssertionError("the agent exited with " + a.process.exitValue() + ": " + a.log());
            }
            try {
                if (a.get("/readyz").statusCode() == 200) {
                    return a;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        a.close();
        throw new AssertionError("the agent was not ready within a minute: " + a.log());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** SIGTERM, then the exit code and how long the exit took, in milliseconds. */
    long[] terminate(long waitSeconds) throws InterruptedException {
        long started = System.nanoTime();
        process.destroy();
        if (!process.waitFor(waitSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new long[] {-1, (System.nanoTime() - started) / 1_000_000};
        }
        return new long[] {process.exitValue(), (System.nanoTime() - started) / 1_000_000};
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
