package io.nnviz.testkit;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

/** Debian's headless Chromium through chromedriver (both installed by {@code .ci/install-packages}), with its console log kept. */
public final class Chromium {
    private Chromium() {
    }

    /** A headless browser with a fresh profile in {@code dir}, saving downloads in {@link #downloads}; quit it when done. */
    public static ChromeDriver start(Path dir) throws IOException {
        ChromeOptions opts = new ChromeOptions();
        opts.setBinary("/usr/bin/chromium");
        opts.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--window-size=1280,2000", "--user-data-dir=" + Files.createDirectories(dir.resolve("profile")));
        opts.setExperimentalOption("prefs", Map.of("download.default_directory", Files.createDirectories(downloads(dir)).toString(),
                "download.prompt_for_download", false));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        opts.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, opts);
    }

    /** Where a browser started in {@code dir} saves what the page downloads. */
    public static Path downloads(Path dir) {
        return dir.resolve("downloads").toAbsolutePath();
    }

    /** Console entries at warning level or above since the last call. */
    public static List<LogEntry> consoleWarnings(ChromeDriver driver) {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
    }
}
