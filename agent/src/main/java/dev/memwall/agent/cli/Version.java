package dev.memwall.agent.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** memwall's version, from the build. */
public final class Version implements IVersionProvider {

    private static final String VERSION = load();

    /** The version string, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        return VERSION;
    }

    @Override
    public String[] getVersion() {
        return lines();
    }

    /** What {@code --version} prints: memwall's version, then the Java and the system it runs on. */
    static String[] lines() {
        return new String[] {"memwall " + VERSION,
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/memwall/agent/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
