package dev.memwall.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.device.testing.SystemParts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The agent's page in real headless Chromium (Debian's chromium and chromedriver, driven by Selenium): it loads
 * without console errors, shows every device's name and a roofline chart; screenshots go to the build output.
 */
class AgentPageIT {

    static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");

    @TempDir
    Path dir;

    @Test
    void thePageShowsEveryDeviceAndARooflineWithoutConsoleErrors() throws Exception {
        SystemParts.require(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromedriver", "apt-get install chromium chromium-driver");
        // A llama-server on loopback (its recorded answers): the page's "Running now" shows what it serves.
        com.sun.net.httpserver.HttpServer llama = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        Map<String, String> files = Map.of("/props", "llama-props.json", "/slots", "llama-slots.json", "/metrics",
                "llama-metrics.txt");
        llama.createContext("/", ex -> {
            String file = files.get(ex.getRequestURI().getPath());
            byte[] body;
            try (java.io.InputStream in = file == null ? null
                    : AgentPageIT.class.getResourceAsStream("/runtime-apis/" + file)) {
                body = in == null ? new byte[0] : in.readAllBytes();
            }
            ex.sendResponseHeaders(file == null ? 404 : 200, body.length == 0 ? -1 : body.length);
            try (java.io.OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        llama.start();
        String llamaUrl = "http://127.0.0.1:" + llama.getAddress().getPort();
        try (AgentProcess agent = AgentProcess.start(dir, Map.of(), "--simulate", "h100-sxm:free=50GiB",
                "--simulate", "rtx-4090", "--sample-interval", "1s", "--runtime-url", llamaUrl)) {
            for (boolean dark : new boolean[] {false, true}) {
                ChromeDriver driver = driver(dark);
                try {
                    driver.get("http://127.0.0.1:" + agent.port + "/");
                    new WebDriverWait(driver, Duration.ofSeconds(20)).until(d ->
                            d.findElements(By.cssSelector("article.device")).size() == 2
                                    && d.findElements(By.cssSelector("svg.roofline")).size() == 2);
                    List<String> names = driver.findElements(By.cssSelector("article.device h2.device-name"))
                            .stream().map(WebElement::getText).toList();
                    assertThat(names).containsExactly("NVIDIA H100 SXM5 80GB", "NVIDIA GeForce RTX 4090 24GB");
                    WebElement roof = driver.findElements(By.cssSelector("svg.roofline")).get(0);
                    assertThat(roof.getText()).contains("ridge");
                    assertThat(driver.findElements(By.cssSelector("table.fit")).get(0).getText())
                            .contains("llama-3.1-8b", "fits now");
                    assertThat(driver.findElement(By.id("running")).getText()).contains("Running now",
                            "Runtime APIs", llamaUrl + " (llama.cpp)", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
                            "generating 37.5 tokens/s");
                    // Let it refresh itself at least once.
                    Thread.sleep(2500);
                    assertThat(driver.findElements(By.cssSelector("article.device"))).hasSize(2);
                    List<LogEntry> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                            .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
                    assertThat(severe).as("browser console errors").isEmpty();
                    Path shot = Paths.get("target", dark ? "agent-page-dark.png" : "agent-page.png");
                    Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));
                    assertThat(Files.size(shot)).isPositive();
                } finally {
                    driver.quit();
                }
            }
        } finally {
            llama.stop(0);
        }
    }

    private static ChromeDriver driver(boolean dark) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1366,900");
        if (dark) {
            options.addArguments("--force-dark-mode", "--blink-settings=preferredColorScheme=0");
        }
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        // The driver binary is given, so Selenium Manager never tries to download one.
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .build();
        return new ChromeDriver(service, options);
    }
}
