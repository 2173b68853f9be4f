package io.vigil.gateway.admin;

import com.sun.net.httpserver.HttpServer;
import io.vigil.engine.EngineContext;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.GatewayContext;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.alert.AlertConfiguration;
import io.vigil.gateway.alert.EngineAlertSource;
import io.vigil.gateway.alert.FeatureDriftAlertSource;
import io.vigil.gateway.alert.MetricAnomalyAlertSource;
import io.vigil.gateway.alert.SloBurnAlertSource;
import io.vigil.gateway.drift.DriftConfiguration;
import io.vigil.gateway.slo.SloConfiguration;
import io.vigil.scoring.drift.FeatureReferenceBuilder;
import io.vigil.scoring.features.TransactionFeatures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the names the deployment files use from drifting away from what the server serves: a real server with its
 * admin server on loopback (a checkpoint every 20 events, a real webhook receiver, so that every family exists),
 * scraped after real events, against the names in deploy/grafana/vigil.json, deploy/prometheus/vigil-rules.yml (and
 * its promtool tests), docs/runbooks/*.md and the fake exporter's sample (deploy/tools/metrics-sample.prom), and the
 * alert names the runbooks' index maps against the Prometheus rules and the server's alert sources.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DeployedNamesTest {
    private static final String CREDENTIAL = "test-secret";
    private static final Path ROOT = Path.of("..");
    private static final Path DASHBOARD = ROOT.resolve("deploy/grafana/vigil.json");
    private static final Path RULES = ROOT.resolve("deploy/prometheus/vigil-rules.yml");
    private static final Path RULE_TESTS = ROOT.resolve("deploy/prometheus/vigil-rules.test.yml");
    private static final Path SAMPLE = ROOT.resolve("deploy/tools/metrics-sample.prom");
    private static final Path RUNBOOKS = ROOT.resolve("docs/runbooks");
    /** A metric name of ours in any text: the server's own and the Prometheus client's JVM and process metrics. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:vigil|jvm|process)_[a-z0-9_]*[a-z0-9])\\b");
    /** {@code name{matchers}} in a query. */
    private static final Pattern SELECTOR = Pattern.compile("\\b((?:vigil|jvm|process)_[a-z0-9_]+)\\{([^}]*)}");
    /** An equality matcher {@code label="value"} (not =~, !=, !~); JSON escapes its quotes. */
    private static final Pattern EQUALS = Pattern.compile("(\\w+)\\s*=\\s*\\\\?\"([^\"\\\\]*)\\\\?\"");
    private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");
    private static final Pattern SERIES = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? \\S+$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern RULE_ALERT = Pattern.compile("(?m)^\\s*- alert: (\\w+)\\s*$");
    private static final Pattern ALERT_NAME = Pattern.compile("`([A-Z][A-Za-z0-9]*)`");
    private static final Pattern RUNBOOK_URL = Pattern.compile("(?m)^\\s*runbook_url: (\\S+)\\s*$");

    @TempDir
    Path dataDir;

    @TempDir
    Path referenceDir;

    private HttpServer receiver;

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    @Test
    void shouldServeEveryMetricTheDeploymentFilesUseAndNameEveryAlertTheRunbooksMap() throws Exception {
        // feature drift on, as a deployment with a reference runs it: its metrics and alert are served too
        final Path reference = referenceDir.resolve("reference.json");
        final FeatureReferenceBuilder builder = FeatureReferenceBuilder.of(TransactionFeatures.VERSION, TransactionFeatures.NAMES);
        final float[] row = new float[TransactionFeatures.WIDTH];
        for (int i = 0; i < 100; i++) {
            java.util.Arrays.fill(row, i);
            builder.addRow(row, 0);
        }
        builder.build("DeployedNamesTest").write(reference);
        final VigilConfig config = VigilConfig.of(Map.ofEntries(
            Map.entry(DriftConfiguration.REFERENCE.name(), reference.toString()),
            Map.entry(DriftConfiguration.MIN_SAMPLES.name(), "1"),
            Map.entry(DriftConfiguration.SAMPLE_ONE_IN.name(), "1"),
            Map.entry(DriftConfiguration.EVALUATION_INTERVAL.name(), "100ms"),
            Map.entry(VigilConfig.DATA_DIR.name(), dataDir.toString()),
            Map.entry(GatewayConfiguration.PORT.name(), "0"),
            Map.entry(GatewayConfiguration.ADMIN_PORT.name(), "0"),
            Map.entry(GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL),
            Map.entry(VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY"),
            Map.entry(VigilConfig.CHECKPOINT_INTERVAL.name(), "20"),
            Map.entry(SloConfiguration.SAMPLE_INTERVAL.name(), "1s"),
            Map.entry(AlertConfiguration.EVALUATION_INTERVAL.name(), "200ms"),
            Map.entry(AlertConfiguration.WEBHOOK_URLS.name(), "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")));
        final String scrape;
        try (VigilServer server = VigilServer.start(new GatewayContext(config), new EngineContext(config));
             VigilAdmin admin = VigilAdmin.start(server)) {
            VigilAdminTest.send(server, 60, 3, 10);
            // checkpoints are written by their own thread, the SLO and webhook gauges after an evaluation
            scrape = awaitScrape(admin, "vigil_checkpoint_age_seconds", "vigil_webhook_breaker_state{",
                "vigil_slo_burn_rate{", "vigil_stage_latency_seconds_bucket{", "vigil_feature_psi{");
        }
        final Map<String, String> families = families(scrape);
        final Map<String, List<Map<String, String>>> series = series(scrape);

        // 1. every metric name the deployment files and runbooks use is served
        final Map<Path, Set<String>> missing = new TreeMap<>();
        for (final Path file : deployedFiles()) {
            final Set<String> names = names(Files.readString(file));
            assertFalse(names.isEmpty() && !file.startsWith(RUNBOOKS), "no metric names found in " + file);
            for (final String name : names) {
                if (family(name, families) == null) {
                    missing.computeIfAbsent(file, f -> new TreeSet<>()).add(name);
                }
            }
        }
        assertTrue(missing.isEmpty(), "metric names used but not served: " + missing + "\nserved: " + families.keySet());

        // 2. every label="value" in the dashboard's and the rules' selectors matches a served series
        final List<String> unmatched = new ArrayList<>();
        for (final Path file : List.of(DASHBOARD, RULES)) {
            final Matcher m = SELECTOR.matcher(Files.readString(file));
            while (m.find()) {
                final List<Map<String, String>> points = series.getOrDefault(m.group(1), List.of());
                final Matcher eq = EQUALS.matcher(m.group(2));
                while (eq.find()) {
                    final String label = eq.group(1);
                    final String value = eq.group(2);
                    if (label.equals("job")) {
                        continue;   // Prometheus's target label, not the server's
                    }
                    if (points.stream().noneMatch(p -> value.equals(p.get(label)))) {
                        unmatched.add(file.getFileName() + ": " + m.group(1) + "{" + label + "=\"" + value + "\"}");
                    }
                }
            }
        }
        assertTrue(unmatched.isEmpty(), "selectors that match no served series: " + unmatched);

        // 3. the fake exporter's sample has exactly the server's vigil_* families, with their types
        final Map<String, String> sample = families(Files.readString(SAMPLE));
        assertEquals(vigilOnly(families), vigilOnly(sample),
            "deploy/tools/metrics-sample.prom is stale: capture a new one (deploy/README.md)");

        // 4. every alert the runbooks' index maps is a Prometheus rule or an alert the server raises, and back
        final Set<String> ruleAlerts = matches(RULE_ALERT, Files.readString(RULES));
        final Set<String> serverAlerts = Set.of(SloBurnAlertSource.ALERT, EngineAlertSource.JOURNAL,
            EngineAlertSource.FALLBACKS, EngineAlertSource.ERRORS, MetricAnomalyAlertSource.ALERT,
            FeatureDriftAlertSource.ALERT);
        final Set<String> indexed = indexedAlerts(Files.readString(RUNBOOKS.resolve("README.md")));
        final Set<String> unknown = new TreeSet<>(indexed);
        unknown.removeAll(ruleAlerts);
        unknown.removeAll(serverAlerts);
        assertTrue(unknown.isEmpty(), "runbook index maps alerts nobody raises: " + unknown +
            "\nrules: " + ruleAlerts + "\nserver: " + serverAlerts);
        final Set<String> unmapped = new TreeSet<>(ruleAlerts);
        unmapped.addAll(serverAlerts);
        unmapped.removeAll(indexed);
        assertTrue(unmapped.isEmpty(), "alerts without a runbook in docs/runbooks/README.md: " + unmapped);
        assertTrue(ruleAlerts.size() >= 10, "rules parsed: " + ruleAlerts);

        // 5. every rule's runbook exists
        for (final String url : matches(RUNBOOK_URL, Files.readString(RULES))) {
            assertTrue(Files.isRegularFile(ROOT.resolve(url.replaceFirst("#.*", ""))), "runbook_url " + url);
        }
    }

    // --- the files and what is in them ---

    private static List<Path> deployedFiles() throws IOException {
        final List<Path> files = new ArrayList<>(List.of(DASHBOARD, RULES, RULE_TESTS));
        try (Stream<Path> runbooks = Files.list(RUNBOOKS)) {
            files.addAll(runbooks.filter(p -> p.toString().endsWith(".md")).sorted().collect(Collectors.toList()));
        }
        return files;
    }

    static Set<String> names(final String text) {
        return matches(METRIC, text);
    }

    private static Set<String> matches(final Pattern pattern, final String text) {
        final Set<String> out = new TreeSet<>();
        final Matcher m = pattern.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * The alert names in the first column of the index's table: backquoted and capitalised (label names such as
     * {@code `slo`} beside them are not), header and separator rows left out.
     */
    static Set<String> indexedAlerts(final String index) {
        final Set<String> out = new TreeSet<>();
        for (final String line : index.split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            final String first = line.substring(1, line.indexOf('|', 1));
            out.addAll(matches(ALERT_NAME, first));
        }
        return out;
    }

    /** The family a series name belongs to ({@code _bucket}, {@code _sum}, {@code _count} of a histogram or summary). */
    static String family(final String name, final Map<String, String> families) {
        if (families.containsKey(name)) {
            return name;
        }
        for (final String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                final String base = name.substring(0, name.length() - suffix.length());
                final String type = families.get(base);
                if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                    return base;
                }
            }
        }
        return null;
    }

    /** Family name to type, from the {@code # TYPE} lines. */
    static Map<String, String> families(final String exposition) {
        final Map<String, String> out = new TreeMap<>();
        final Matcher m = TYPE.matcher(exposition);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    /** Series name (with suffix) to the label sets served. */
    static Map<String, List<Map<String, String>>> series(final String exposition) {
        final Map<String, List<Map<String, String>>> out = new TreeMap<>();
        final Matcher m = SERIES.matcher(exposition);
        while (m.find()) {
            final Map<String, String> labels = new TreeMap<>();
            if (m.group(2) != null) {
                final Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.computeIfAbsent(m.group(1), n -> new ArrayList<>()).add(labels);
        }
        return out;
    }

    private static Map<String, String> vigilOnly(final Map<String, String> families) {
        final Map<String, String> out = new TreeMap<>(families);
        out.keySet().removeIf(name -> !name.startsWith("vigil_"));
        return out;
    }

    // --- the server ---

    /** Scrapes until every one of {@code needles} is in the body (bounded wait), and returns that scrape. */
    private static String awaitScrape(final VigilAdmin admin, final String... needles) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String body = "";
        while (System.nanoTime() < deadline) {
            try (RawHttp http = new RawHttp(admin.port())) {
                final RawHttp.Response response = http.get("/metrics").read();
                assertEquals(200, response.status(), response.body());
                body = response.body();
            }
            final String scraped = body;
            if (Stream.of(needles).allMatch(n -> scraped.contains("\n" + n))) {
                return body;
            }
            Thread.sleep(100);
        }
        final String scraped = body;
        throw new AssertionError("not served within 30 s: " + Stream.of(needles)
            .filter(n -> !scraped.contains("\n" + n)).collect(Collectors.toList()) + "\n" + body);
    }
}
