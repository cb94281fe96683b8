package dev.memwall.agent.running;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RuntimeEndpointsTest {

    @Test
    void defaultsAreEachRuntimesDocumentedPortOnLoopback() {
        assertThat(RuntimeEndpoints.DEFAULTS).extracting(e -> e.runtime() + " " + e.url()).containsExactly(
                "ollama http://127.0.0.1:11434", "llama.cpp http://127.0.0.1:8080",
                "llama.cpp http://127.0.0.1:9931", "vllm http://127.0.0.1:8000");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "http://127.0.0.1:8080|http://127.0.0.1:8080",
        "http://127.0.0.1:8080/|http://127.0.0.1:8080",
        "HTTP://LocalHost:11434|http://localhost:11434",
        "http://127.1.2.3:9000/api-prefix/|http://127.1.2.3:9000/api-prefix",
        "http://[::1]:8000|http://[::1]:8000",
        "  http://localhost:8000  |http://localhost:8000"})
    void loopbackUrlsAreAccepted(String given, String expected) {
        assertThat(RuntimeEndpoints.parseUrl(given, false)).isEqualTo(URI.create(expected));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "https://127.0.0.1:8080|runtime URL 'https://127.0.0.1:8080' is not http:// (the runtimes' local APIs speak"
                + " plain http; https and others are not read)",
        "ftp://127.0.0.1:21|runtime URL 'ftp://127.0.0.1:21' is not http:// (the runtimes' local APIs speak plain"
                + " http; https and others are not read)",
        "127.0.0.1:8080|runtime URL '127.0.0.1:8080' is not http:// (the runtimes' local APIs speak plain http;"
                + " https and others are not read)",
        "http://127.0.0.1|runtime URL 'http://127.0.0.1' has no port (Ollama listens on 11434, llama-server on"
                + " 8080, vLLM on 8000)",
        "http:///api|runtime URL 'http:///api' has no host",
        "http://user:secret@127.0.0.1:8080|runtime URL 'http://***@127.0.0.1:8080' carries a user or password:"
                + " memwall sends no credentials",
        "http://127.0.0.1:8080/metrics?x=1|runtime URL 'http://127.0.0.1:8080/metrics?x=1' has a query or"
                + " fragment: give the API's base URL only",
        "http://127.0.0.1:8080/#top|runtime URL 'http://127.0.0.1:8080/#top' has a query or fragment: give the"
                + " API's base URL only",
        "http://10.0.0.5:8080|runtime URL 'http://10.0.0.5:8080' is not on this host (127.0.0.0/8, ::1 or"
                + " localhost); remote runtime URLs must be allowed explicitly",
        "http://example.com:8080|runtime URL 'http://example.com:8080' is not on this host (127.0.0.0/8, ::1 or"
                + " localhost); remote runtime URLs must be allowed explicitly",
        "http://127.0.0.1.example.com:8080|runtime URL 'http://127.0.0.1.example.com:8080' is not on this host"
                + " (127.0.0.0/8, ::1 or localhost); remote runtime URLs must be allowed explicitly",
        "http://[::2]:8080|runtime URL 'http://[::2]:8080' is not on this host (127.0.0.0/8, ::1 or localhost);"
                + " remote runtime URLs must be allowed explicitly",
        "http://128.0.0.1:8080|runtime URL 'http://128.0.0.1:8080' is not on this host (127.0.0.0/8, ::1 or"
                + " localhost); remote runtime URLs must be allowed explicitly",
        "http://127.0.0.1:99999|runtime URL 'http://127.0.0.1:99999' has port 99999: a port is 1 to 65535",
        "http://127.0.0.1:80 80|runtime URL 'http://127.0.0.1:80 80' is not a URL: Illegal character in"
                + " authority"})
    void badUrlsAreRefusedWithOneLine(String given, String message) {
        assertThatThrownBy(() -> RuntimeEndpoints.parseUrl(given, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void anEmptyUrlIsRefused(String given) {
        assertThatThrownBy(() -> RuntimeEndpoints.parseUrl(given, false)).hasMessage("runtime URL is empty");
    }

    @Test
    void aRemoteHostIsAcceptedOnlyWhenAllowed() {
        assertThat(RuntimeEndpoints.parseUrl("http://10.0.0.5:8000", true)).isEqualTo(
                URI.create("http://10.0.0.5:8000"));
        assertThatThrownBy(() -> RuntimeEndpoints.parseUrl("https://10.0.0.5:8000", true))
                .hasMessageContaining("is not http://");
    }

    @Test
    void userUrlsFollowTheDefaultsOnceEach() {
        List<RuntimeEndpoint> all = RuntimeEndpoints.withUserUrls(
                List.of("http://127.0.0.1:8080/", "http://localhost:5000", "http://localhost:5000/"), false);
        assertThat(all).hasSize(5);
        assertThat(all.get(1)).isEqualTo(RuntimeEndpoints.DEFAULTS.get(1));
        assertThat(all.get(4)).isEqualTo(new RuntimeEndpoint(null, URI.create("http://localhost:5000")));
    }
}
