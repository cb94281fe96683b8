package dev.memwall.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.memwall.device.testing.SystemParts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code docker/} ships, checked without a container engine or a cluster: the Dockerfile linted, the image's
 * layout built by its own scripts and the agent started from it; the Prometheus rules through promtool; the
 * Kubernetes manifests linted and their security settings asserted; the systemd unit verified.
 */
class DeploymentIT {

    static final Path ROOT = Paths.get(System.getProperty("memwall.root", "..")).toAbsolutePath().normalize();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    record Run(int code, String output) {
    }

    static Run run(Path workDir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Run(p.exitValue(), out);
    }

    static Path dockerfileLinter() {
        Path local = ROOT.resolve("target/npm/node_modules/.bin/dockerfile-utils");
        if (Files.isExecutable(local)) {
            return local;
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Paths.get(d, "dockerfile-utils");
            if (!d.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    @Test
    void theDockerfileLintsClean() throws Exception {
        Path linter = dockerfileLinter();
        SystemParts.require(linter != null, "dockerfile-utils (the Dockerfile linter)",
                "npm install --prefix target/npm dockerfile-utils@0.16.3");
        Run r = run(ROOT, 60, linter.toString(), "lint", "docker/Dockerfile");
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output().strip()).as("linter findings").isEmpty();
    }

    @Test
    void theDockerfileBuildsWhatTheIssueAsksFor() throws Exception {
        String d = Files.readString(ROOT.resolve("docker/Dockerfile"));
        List<String> from = d.lines().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(from).hasSize(2);
        assertThat(from.get(0)).endsWith(" AS build");
        assertThat(from.get(1)).startsWith("FROM nvidia/cuda:");
        assertThat(d).contains("RUN ./docker/build-layout.sh /layout", "COPY --from=build /layout/opt/memwall /opt/memwall",
                "NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_DRIVER_CAPABILITIES=compute,utility", "--groups video",
                "USER 10001:10001", "EXPOSE 9464", "HEALTHCHECK", "/healthz", "org.opencontainers.image.title",
                "ENTRYPOINT [\"memwall\"]", "CMD [\"agent\", \"--listen\", \"0.0.0.0:9464\"]");
    }

    @Test
    void theImageLayoutStartsTheAgent() throws Exception {
        Path out = dir.resolve("layout");
        Run build = run(ROOT, 300, "bash", "docker/build-layout.sh", out.toString(),
                AgentProcess.JAR.toAbsolutePath().toString());
        assertThat(build.code()).as(build.output()).isZero();
        Path home = out.resolve("opt/memwall");
        assertThat(home.resolve("bin/memwall")).isExecutable();
        assertThat(home.resolve("lib/memwall.jar")).exists();
        assertThat(home.resolve("runtime/bin/java")).isExecutable();
        // The trimmed runtime has no compiler: it is a runtime only.
        assertThat(home.resolve("runtime/bin/javac")).doesNotExist();
        try (AgentProcess agent = AgentProcess.start(dir, Map.of(), List.of(home.resolve("bin/memwall").toString()),
                "--simulate", "h100-sxm", "--sample-interval", "1s")) {
            assertThat(agent.get("/readyz").statusCode()).isEqualTo(200);
            assertThat(agent.get("/metrics").body()).contains("memwall_device_memory_total_bytes{",
                    "process_cpu_seconds_total", "jvm_memory_used_bytes");
            long[] exit = agent.terminate(10);
            assertThat(exit[0]).as(agent.log()).isZero();
        }
    }

    @Test
    void thePrometheusRulesAndAlertsPassPromtool() throws Exception {
        SystemParts.require(AgentIT.onPath("promtool"), "promtool", "apt-get install prometheus");
        Run r = run(ROOT, 120, "bash", "docker/prometheus/check.sh");
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    @Test
    void theKubernetesManifestsLintAndKeepTheirSecuritySettings() throws Exception {
        SystemParts.require(AgentIT.onPath("yamllint"), "yamllint", "apt-get install yamllint");
        Run r = run(ROOT, 120, "bash", "docker/kubernetes/check.sh");
        assertThat(r.code()).as(r.output()).isZero();

        Path k8s = ROOT.resolve("docker/kubernetes");
        JsonNode kustomization = YAML.readTree(k8s.resolve("kustomization.yaml").toFile());
        List<String> resources = new ArrayList<>();
        kustomization.get("resources").forEach(n -> resources.add(n.asText()));
        assertThat(resources).contains("daemonset.yaml", "service.yaml", "servicemonitor.yaml");
        for (String file : resources) {
            assertThat(k8s.resolve(file)).as(file).exists();
            assertThat(YAML.readTree(k8s.resolve(file).toFile()).get("kind")).as(file).isNotNull();
        }

        JsonNode ds = YAML.readTree(k8s.resolve("daemonset.yaml").toFile());
        assertThat(ds.get("kind").asText()).isEqualTo("DaemonSet");
        JsonNode pod = ds.at("/spec/template/spec");
        // Only GPU nodes, by the usual NVIDIA labels.
        String affinity = pod.at("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution").toString();
        assertThat(affinity).contains("nvidia.com/gpu.present", "feature.node.kubernetes.io/pci-10de.present");
        assertThat(pod.get("tolerations").toString()).contains("nvidia.com/gpu");
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        assertThat(pod.get("automountServiceAccountToken").asBoolean()).isFalse();
        JsonNode agent = pod.get("containers").get(0);
        JsonNode sc = agent.get("securityContext");
        assertThat(sc.get("allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(sc.get("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(sc.path("privileged").asBoolean(false)).isFalse();
        assertThat(sc.at("/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
        assertThat(agent.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
        assertThat(agent.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
        assertThat(agent.at("/resources/requests/memory").isMissingNode()).isFalse();
        assertThat(agent.at("/resources/limits/memory").isMissingNode()).isFalse();
        assertThat(agent.at("/resources/limits").has("nvidia.com/gpu")).as("the agent must not take a GPU").isFalse();
        String env = agent.get("env").toString();
        assertThat(env).contains("\"NODE_NAME\"", "spec.nodeName", "NVIDIA_VISIBLE_DEVICES",
                "NVIDIA_DRIVER_CAPABILITIES");
        // A read-only root needs a writable /tmp (native libraries unpack there).
        assertThat(agent.get("volumeMounts").toString()).contains("\"/tmp\"");
    }

    @Test
    void theSystemdUnitVerifies() throws Exception {
        SystemParts.require(AgentIT.onPath("systemd-analyze"), "systemd-analyze", "apt-get install systemd");
        Run r = run(ROOT, 120, "bash", "docker/systemd/check.sh");
        assertThat(r.code()).as(r.output()).isZero();
        String unit = Files.readString(ROOT.resolve("docker/systemd/memwall-agent.service"));
        assertThat(unit).contains("ProtectSystem=strict", "NoNewPrivileges=yes", "Restart=on-failure",
                "ExecStart=/opt/memwall/bin/memwall agent");
        assertThat(unit.contains("DynamicUser=yes") || unit.contains("User=memwall")).isTrue();
    }
}
