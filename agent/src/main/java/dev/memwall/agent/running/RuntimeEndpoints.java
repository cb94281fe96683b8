package dev.memwall.agent.running;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The local APIs of model runtimes memwall asks: each runtime's documented default address on this host, and URLs
 * the user gives (checked by {@link #parseUrl}). Defaults, from each project's own documentation:
 * <ul>
 * <li>Ollama, {@code 127.0.0.1:11434}: envconfig/config.go ("Default is scheme "http" and host "127.0.0.1:11434"")
 * and docs/api.md, https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/envconfig/config.go;</li>
 * <li>llama-server, {@code 127.0.0.1:8080}: its README's {@code --port PORT | port to listen (default: 8080)} in the
 * releases of 2024 and 2025 (https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md); a newer
 * README (commit 00dc8057ab28c9cb4c79a6dd6dfce07fe779f63b) documents {@code default: 9931}, so both are asked;</li>
 * <li>vLLM, {@code 127.0.0.1:8000}: {@code vllm serve} listens on port 8000 and its clients use
 * {@code http://localhost:8000/v1} (https://docs.vllm.ai/en/v0.8.1/serving/openai_compatible_server.html).</li>
 * </ul>
 */
public final class RuntimeEndpoints {

    /** The runtimes' default local addresses, in the order they are reported. */
    public static final List<RuntimeEndpoint> DEFAULTS = List.of(
            new RuntimeEndpoint(RuntimeEndpoint.OLLAMA, URI.create("http://127.0.0.1:11434")),
            new RuntimeEndpoint(RuntimeEndpoint.LLAMA_CPP, URI.create("http://127.0.0.1:8080")),
            new RuntimeEndpoint(RuntimeEndpoint.LLAMA_CPP, URI.create("http://127.0.0.1:9931")),
            new RuntimeEndpoint(RuntimeEndpoint.VLLM, URI.create("http://127.0.0.1:8000")));

    private RuntimeEndpoints() {
    }

    /**
     * The defaults followed by the user's URLs, each checked by {@link #parseUrl}; a URL equal to a default replaces
     * nothing and is asked once.
     */
    public static List<RuntimeEndpoint> withUserUrls(List<String> urls, boolean allowRemote) {
        Map<URI, RuntimeEndpoint> out = new LinkedHashMap<>();
        for (RuntimeEndpoint d : DEFAULTS) {
            out.put(d.url(), d);
        }
        for (String u : urls) {
            URI url = parseUrl(u, allowRemote);
            out.putIfAbsent(url, new RuntimeEndpoint(null, url));
        }
        return List.copyOf(new ArrayList<>(out.values()));
    }

    /**
     * A runtime's base URL as the user gave it, checked: http only, a host and a port, no user or password, no query
     * or fragment, and on this host (127.0.0.0/8, ::1 or {@code localhost}) unless {@code allowRemote}. A host name
     * other than {@code localhost} is never resolved here: it counts as remote. Returns the URL without a trailing
     * slash.
     *
     * @throws IllegalArgumentException with one line naming the URL and what is wrong
     */
    public static URI parseUrl(String text, boolean allowRemote) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("runtime URL is empty");
        }
        String shown = text.strip();
        if (!shown.contains("://")) {
            throw new IllegalArgumentException("runtime URL '" + redacted(shown)
                    + "' is not http:// (the runtimes' local APIs speak plain http; https and others are not read)");
        }
        URI uri;
        try {
            uri = new URI(shown);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("runtime URL '" + redacted(shown) + "' is not a URL: " + e.getReason());
        }
        if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
            throw new IllegalArgumentException("runtime URL '" + redacted(shown)
                    + "' carries a user or password: memwall sends no credentials");
        }
        if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("http")) {
            throw new IllegalArgumentException("runtime URL '" + shown
                    + "' is not http:// (the runtimes' local APIs speak plain http; https and others are not read)");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("runtime URL '" + shown + "' has no host");
        }
        if (uri.getPort() == -1) {
            throw new IllegalArgumentException("runtime URL '" + shown
                    + "' has no port (Ollama listens on 11434, llama-server on 8080, vLLM on 8000)");
        }
        if (uri.getPort() < 1 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("runtime URL '" + shown + "' has port " + uri.getPort()
                    + ": a port is 1 to 65535");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("runtime URL '" + shown
                    + "' has a query or fragment: give the API's base URL only");
        }
        if (!allowRemote && !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException("runtime URL '" + shown
                    + "' is not on this host (127.0.0.0/8, ::1 or localhost); remote runtime URLs must be allowed"
                    + " explicitly");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return URI.create("http://" + uri.getRawAuthority().toLowerCase(Locale.ROOT) + path);
    }

    /** Whether {@code host} (as a URI gives it, IPv6 in brackets) is this host: 127.0.0.0/8, ::1 or localhost. */
    public static boolean isLoopback(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            String literal = host.substring(1, host.length() - 1);
            if (!literal.matches("[0-9A-Fa-f:.]+")) {
                return false; // a zone id or anything else that is not a plain literal
            }
            try {
                return InetAddress.getByName(literal).isLoopbackAddress(); // a literal: no lookup is made
            } catch (UnknownHostException e) {
                return false;
            }
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return parts[0].equals("127");
    }

    private static String redacted(String url) {
        return url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", "$1***@");
    }
}
