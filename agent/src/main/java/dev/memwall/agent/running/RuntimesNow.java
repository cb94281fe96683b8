package dev.memwall.agent.running;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The runtimes whose local APIs answer now: each endpoint is first tried with a bare TCP connection (a few
 * milliseconds, refused at once where nothing listens), and only those that accept are asked over HTTP
 * ({@link RuntimeApis}, whose client costs a short command tens of milliseconds to start). A default address where
 * nothing listens is left out of the answer; an address the user gave is always reported, with why nothing could be
 * read there.
 */
public final class RuntimesNow {

    /** The bare connection's time limit: a loopback port that listens accepts within it. */
    static final int LISTENING_TIMEOUT_MILLIS = 150;

    private final RuntimeApis apis;

    private RuntimesNow(RuntimeApis apis) {
        this.apis = apis;
    }

    /** Asks through this client (the agent keeps one for its whole life). */
    public static RuntimesNow with(RuntimeApis apis) {
        return new RuntimesNow(apis);
    }

    /** Asks through a client made only when some endpoint listens. */
    public static RuntimesNow lazily() {
        return new RuntimesNow(null);
    }

    /**
     * The runtimes' default addresses and these URLs (checked already, {@link RuntimeEndpoints#parseUrl}): one reading
     * per address that listens, and one per URL given whatever it did.
     */
    public List<RuntimeReading> read(List<String> givenUrls) {
        return read(RuntimeEndpoints.withUserUrls(givenUrls, true), Set.copyOf(givenUrls));
    }

    /**
     * One reading per endpoint that listens, and one per user-given endpoint ({@code given}) whatever it did, in the
     * order of {@code endpoints}.
     */
    public List<RuntimeReading> read(List<RuntimeEndpoint> endpoints, Set<String> given) {
        List<RuntimeEndpoint> listening = new ArrayList<>();
        List<RuntimeReading> silent = new ArrayList<>();
        for (RuntimeEndpoint e : endpoints) {
            if (listens(e)) {
                listening.add(e);
            } else if (given.contains(e.url().toString())) {
                silent.add(RuntimeReading.failed(e.url().toString(), e.runtime(), "nothing answers at " + e.url()
                        + " (" + RuntimeApis.NOTHING_LISTENS + ")"));
            }
        }
        List<RuntimeReading> read;
        try {
            read = listening.isEmpty() ? List.of() : (apis != null ? apis : new RuntimeApis()).read(listening);
        } catch (RuntimeException | LinkageError e) {
            // A runtime that cannot be asked (a Java runtime without java.net.http, say) never stops a probe or a
            // sample: each endpoint that listens says why.
            read = new ArrayList<>();
            for (RuntimeEndpoint l : listening) {
                read.add(RuntimeReading.failed(l.url().toString(), l.runtime(), "could not be asked: " + e));
            }
        }
        List<RuntimeReading> out = new ArrayList<>();
        for (RuntimeEndpoint e : endpoints) {
            String url = e.url().toString();
            read.stream().filter(r -> r.url().equals(url)).findFirst().ifPresent(out::add);
            silent.stream().filter(r -> r.url().equals(url)).findFirst().ifPresent(out::add);
        }
        return out;
    }

    private static boolean listens(RuntimeEndpoint e) {
        int port = e.url().getPort();
        String host = e.url().getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), RuntimeEndpoints.isLoopback(host) ? LISTENING_TIMEOUT_MILLIS
                    : (int) RuntimeApis.CONNECT_TIMEOUT.toMillis());
            return true;
        } catch (IOException | IllegalArgumentException | SecurityException ex) {
            return false;
        }
    }
}
