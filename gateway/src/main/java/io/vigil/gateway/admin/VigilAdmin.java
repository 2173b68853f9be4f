package io.vigil.gateway.admin;

import io.vigil.gateway.QueryAuthenticator;
import io.vigil.gateway.alert.AlertService;
import io.vigil.gateway.features.FeatureQueries;
import io.vigil.gateway.slo.SloEvaluator;
import io.vigil.gateway.trace.SlowTraces;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.GatewayContext;
import io.vigil.gateway.VigilServer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The admin server of a running {@link VigilServer}: an {@link AdminServer} where the server's gateway context says
 * ({@code vigil.admin.*}) with Vigil's endpoints installed:
 *
 * <ul>
 * <li>{@code GET /}: the live dashboard (a page from the jar, its assets under {@code /ui/}), polling
 * {@code GET /api/summary} ({@link DashboardSummary}) every second;</li>
 * <li>{@code GET /api}: the endpoints;</li>
 * <li>{@code GET /metrics}: the counters file, the per-stage latency histograms, JVM and GC metrics
 * ({@link MetricsEndpoint}, {@link CountersCollector}, {@link StageLatencyCollector});</li>
 * <li>{@code GET /health/live}, {@code GET /health/ready} ({@link Health}; with the SLO evaluator on, ready also
 * requires no fast burn when {@code vigil.slo.readiness.fast.burn});</li>
 * <li>{@code GET /slo}, {@code GET /alerts}: the SLO evaluator's and the alerts' snapshots ({@link SloAlertCollector}
 * exports them as metrics too);</li>
 * <li>{@code GET /traces/slow}: the slow and sampled events' stage breakdowns ({@link SlowTraces});</li>
 * <li>{@code GET /drift}: feature drift, PSI and KS per feature ({@link FeatureDriftCollector} exports them too).</li>
 * </ul>
 *
 * Other modules add endpoints through {@link #routes()} and readiness conditions through {@link #health()}; see
 * docs/admin-api.md. Start and close from one control thread, after the server started and before it closes.
 */
public final class VigilAdmin implements AutoCloseable {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    /** The dashboard's page, and the folder of its assets (served at {@code /ui/}), on the class path. */
    static final String DASHBOARD = "io/vigil/gateway/admin/dashboard/";
    /** What the page may load: only this server (its own files and {@code /api/summary}). */
    static final String DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private final CountersCollector counters;
    private final DashboardSummary summary;
    private final Health health;
    private final AdminServer server;

    private VigilAdmin(final VigilServer vigil, final GatewayContext context, final AdminAccess access)
        throws InterruptedException {
        final Path counterFile = vigil.counters().file();
        if (counterFile == null) {
            throw new IllegalStateException("the server keeps its counters in memory: nothing for /metrics to read");
        }
        final Path dataDir = counterFile.getParent();
        this.counters = new CountersCollector(dataDir, System::currentTimeMillis);
        registry.register(counters);
        final StageLatencyHistory latencies = StageLatencyHistory.of(vigil.latencies());
        registry.register(new StageLatencyCollector(latencies));
        JvmMetrics.builder().register(registry);
        final SloEvaluator slo = vigil.slo();
        final AlertService alerts = vigil.alerts();
        this.summary = new DashboardSummary(dataDir, latencies, slo, alerts, System::nanoTime, System::currentTimeMillis);
        registry.register(new SloAlertCollector(slo, alerts));
        final io.vigil.gateway.drift.FeatureDriftMonitor drift = vigil.featureDrift();
        if (drift != null) {
            registry.register(new FeatureDriftCollector(drift));
        }
        this.health = new Health(vigil, dataDir);
        if (slo != null) {
            health.addReadinessCheck("slo", () -> {
                final String notReady = slo.notReadyReason();
                return notReady == null ? ReadinessCheck.Result.ok("no fast burn") : ReadinessCheck.Result.failed(notReady);
            });
        }
        final AdminRoutes routes = new AdminRoutes();
        final ClassLoader loader = VigilAdmin.class.getClassLoader();
        routes.get("/", request -> {
            request.allowOnly();
            final AdminResponse page = AdminResponse.resource(loader, DASHBOARD + "index.html");
            if (page == null) {
                throw new IllegalStateException("no " + DASHBOARD + "index.html on the class path");
            }
            return page.header("Content-Security-Policy", DASHBOARD_CSP).header("X-Content-Type-Options", "nosniff");
        }, "the live dashboard (HTML; polls /api/summary every second)");
        routes.resources("/ui/", DASHBOARD + "ui/", "the dashboard's script and style sheet");
        routes.get("/api", request -> {
            request.allowOnly();
            final Map<String, Object> body = new LinkedHashMap<>();
            body.put("service", "vigil admin");
            body.put("endpoints", routes.describe());
            return AdminResponse.json(body);
        }, "this list");
        routes.get("/api/summary", request -> {
            request.allowOnly();
            return AdminResponse.json(summary.summary());
        }, "what the dashboard shows: counters with rates per second, gauges, stage latency percentiles (last " +
            StageLatencyHistory.WINDOW_SECONDS + " s and since start), SLO budgets and burn rates, alerts");
        routes.get(MetricsEndpoint.PATH, new MetricsEndpoint(registry),
            "Prometheus metrics (text format, or OpenMetrics by Accept header); name[]=NAME filters");
        routes.get("/health/live", health::live, "liveness: supervised threads alive and making progress (200/503)");
        routes.get("/health/ready", health::ready,
            "readiness: engine LIVE, journals writable, model loaded, agents running, added checks (200/503)");
        routes.get("/slo", request -> {
            request.allowOnly();
            if (slo == null) {
                throw new AdminException(404, "not_found", "the SLO evaluator is off (vigil.slo.enabled=false)");
            }
            return AdminResponse.json(slo.status());
        }, "SLOs: objectives, error budget left, burn rate per window, burn-rate conditions (docs/slo-and-alerts.md)");
        routes.get("/alerts", request -> {
            request.allowOnly();
            if (alerts == null) {
                throw new AdminException(404, "not_found", "alerts are off (vigil.alert.enabled=false)");
            }
            return AdminResponse.json(alerts.snapshot());
        }, "alerts firing and recently resolved, webhook receivers with their circuit breakers");
        routes.get("/drift", request -> {
            request.allowOnly();
            if (drift == null) {
                throw new AdminException(404, "not_found", "feature drift is off (no vigil.drift.reference)");
            }
            final Map<String, Object> body = new LinkedHashMap<>();
            body.put("reference", drift.context().referenceFile().toString());
            body.put("featureSet", drift.context().reference().featureSet());
            body.put("featureSetHash", drift.context().reference().featureSetHash());
            body.put("psiWarning", drift.context().psiWarning());
            body.put("psiCritical", drift.context().psiCritical());
            body.put("minSamples", drift.context().minSamples());
            body.put("sampleOneIn", drift.context().sampleOneIn());
            final io.vigil.gateway.drift.FeatureDriftMonitor.Status status = drift.status();
            body.put("evaluatedAtMs", status.evaluatedAtMs());
            body.put("windowVectors", status.windowVectors());
            body.put("reported", status.reported());
            final java.util.List<Map<String, Object>> features = new java.util.ArrayList<>();
            for (final io.vigil.gateway.drift.FeatureDriftMonitor.Feature feature : status.features()) {
                final Map<String, Object> one = new LinkedHashMap<>();
                one.put("name", feature.name());
                one.put("samples", feature.samples());
                one.put("psi", Double.isNaN(feature.psi()) ? null : feature.psi());
                one.put("ks", Double.isNaN(feature.ks()) ? null : feature.ks());
                features.add(one);
            }
            body.put("features", features);
            return AdminResponse.json(body);
        }, "feature drift: per feature PSI and KS of the recent window against the reference (docs/feature-drift.md)");
        final FeatureQueries features = vigil.featureQueries();
        final QueryAuthenticator queryAuthenticator = vigil.queryAuthenticator();
        routes.prefix("GET", FEATURES, request -> features(request, features, queryAuthenticator),
            "/features/{entity-type}/{key}: the key's latest feature values in the caller's tenant, with the feature set " +
            "and the event index and time they reflect (Authorization: Bearer <credential>; docs/feature-serving.md)");
        final SlowTraces traces = vigil.traces();
        routes.get("/traces/slow", request -> {
            request.allowOnly("limit");
            if (traces == null) {
                throw new AdminException(404, "not_found", "slow-event traces are off (vigil.trace.enabled=false)");
            }
            return AdminResponse.json(traces.snapshot(limit(request, traces.context().keep())));
        }, "slow and sampled events' stage breakdowns, newest first; limit=N (default " + DEFAULT_TRACE_LIMIT + ")");
        try {
            this.server = AdminServer.start(context, routes, access);
        } catch (final RuntimeException | InterruptedException ex) {
            health.close();
            counters.close();
            summary.close();
            throw ex;
        }
    }

    /** The prefix of the feature endpoint. */
    static final String FEATURES = "/features/";

    /**
     * {@code GET /features/{entity-type}/{key}}: 401 without a credential of a tenant, 400 for a malformed path or
     * key, 404 for an entity type not served or a key without features in the caller's tenant.
     */
    static AdminResponse features(final AdminRequest request, final FeatureQueries features,
        final QueryAuthenticator authenticator) {
        request.allowOnly();
        final long tenant = authenticator.tenantOfAuthorization(request.header("Authorization"));
        if (tenant == QueryAuthenticator.REFUSED) {
            return AdminResponse.error(401, "unauthorized", "features are read with a tenant's credential: " +
                (authenticator.needsClientId() ? "Authorization: Bearer <clientId>:<secret> (or Basic)" :
                    "Authorization: Bearer <vigil.credential>"))
                .header("WWW-Authenticate", "Bearer realm=\"vigil\"");
        }
        final String[] parts = request.path().substring(FEATURES.length()).split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw AdminException.badParameter("the path is /features/{entity-type}/{key}, e.g. /features/account/42");
        }
        try {
            final FeatureQueries.Features found = features.find((int)tenant, parts[0], parts[1]);
            if (found == null) {
                throw new AdminException(404, "not_found", "no features for " + parts[0] + " " + parts[1] +
                    " (no event of it has been decided in this tenant)");
            }
            return AdminResponse.json(found.toJson());
        } catch (final FeatureQueries.BadQueryException ex) {
            throw ex.unknownEntityType() ? new AdminException(404, "not_found", ex.getMessage()) :
                AdminException.badParameter(ex.getMessage());
        }
    }

    /** Traces {@code GET /traces/slow} answers without {@code limit}. */
    static final int DEFAULT_TRACE_LIMIT = 100;

    private static int limit(final AdminRequest request, final int keep) {
        final String value = request.param("limit");
        if (value == null) {
            return Math.min(DEFAULT_TRACE_LIMIT, keep);
        }
        try {
            final int limit = Integer.parseInt(value);
            if (limit >= 1) {
                return limit;
            }
        } catch (final NumberFormatException ignored) {
            // refused below
        }
        throw AdminException.badParameter("limit must be a whole number of at least 1, not '" + value + "'");
    }

    /** Starts the admin server of {@code vigil} where its gateway context says, without authentication. */
    public static VigilAdmin start(final VigilServer vigil) throws InterruptedException {
        return new VigilAdmin(vigil, vigil.context(), AdminAccess.ALLOW_ALL);
    }

    /** {@link #start(VigilServer)} when {@code vigil.admin.enabled}; null otherwise. */
    public static VigilAdmin startIfEnabled(final VigilServer vigil) throws InterruptedException {
        return vigil.context().adminEnabled() ? start(vigil) : null;
    }

    /**
     * For commands that start a server of their own beside whatever runs on the machine ({@code vigil demo},
     * {@code vigil bench}): unless {@code vigil.admin.port} is set somewhere in {@code config}, puts port 0 (a free
     * one) into {@code overrides}, so that they never clash with a {@code vigil run} on 7071 or with each other.
     */
    public static void freePortUnlessSet(final VigilConfig config, final Map<String, String> overrides) {
        if (!overrides.containsKey(GatewayConfiguration.ADMIN_PORT.name()) &&
            "default".equals(config.source(GatewayConfiguration.ADMIN_PORT))) {
            overrides.put(GatewayConfiguration.ADMIN_PORT.name(), "0");
        }
    }

    /** One line for a command's output: where the admin server listens, or that it is off. */
    public static String describe(final VigilAdmin admin) {
        return admin == null ? "admin server off (" + GatewayConfiguration.ADMIN_ENABLED.name() + "=false)" :
            "admin on " + admin.url() + " (dashboard /, /metrics, /health/live, /health/ready, /api)";
    }

    /** Like {@link #start(VigilServer)}, behind {@code access} (the authentication hook). */
    public static VigilAdmin start(final VigilServer vigil, final AdminAccess access) throws InterruptedException {
        return new VigilAdmin(vigil, vigil.context(), access);
    }

    /** The endpoints: add one with {@code routes().get(path, route, description)}. */
    public AdminRoutes routes() {
        return server.routes();
    }

    /** The health probes: add a readiness condition with {@code health().addReadinessCheck(name, check)}. */
    public Health health() {
        return health;
    }

    /** The registry {@code /metrics} writes: register further collectors on it. */
    public PrometheusRegistry registry() {
        return registry;
    }

    public AdminServer server() {
        return server;
    }

    /** {@code http://host:port}. */
    public String url() {
        return server.url();
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            health.close();
            counters.close();
            summary.close();
        }
    }
}
