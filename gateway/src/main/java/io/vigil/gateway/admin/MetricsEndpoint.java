package io.vigil.gateway.admin;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /metrics}: the metrics of a {@link PrometheusRegistry} in the Prometheus text format, or in OpenMetrics
 * when the {@code Accept} header asks for {@code application/openmetrics-text}, written by the official Prometheus
 * client's writers. {@code name[]=NAME} (repeatable) keeps only those metric families (named as exposed, with or
 * without {@code _total}, {@code _count}, ...), as Prometheus's own exporters do; any other parameter is refused with 400. Thread-safe (the registry and writers are).
 */
public final class MetricsEndpoint implements AdminRoute {
    public static final String PATH = "/metrics";

    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();
    private final OpenMetricsTextFormatWriter openMetrics = OpenMetricsTextFormatWriter.create();

    public MetricsEndpoint(final PrometheusRegistry registry) {
        this.registry = registry;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public AdminResponse handle(final AdminRequest request) throws Exception {
        request.allowOnly("name[]");
        final List<String> names = request.params("name[]");
        final MetricSnapshots snapshots;
        if (names.isEmpty()) {
            snapshots = registry.scrape();
        } else {
            final Set<String> wanted = Set.copyOf(names);
            snapshots = registry.scrape(name -> wanted.contains(name) || wanted.contains(name + "_total") ||
                wanted.contains(name + "_count") || wanted.contains(name + "_sum") || wanted.contains(name + "_bucket") ||
                wanted.contains(name + "_info"));
        }
        final String accept = request.header("accept");
        final ExpositionFormatWriter writer = accept != null && openMetrics.accepts(accept) ? openMetrics : text;
        final ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        writer.write(out, snapshots, EscapingScheme.fromAcceptHeader(accept));
        return AdminResponse.bytes(200, writer.getContentType(), out.toByteArray());
    }
}
