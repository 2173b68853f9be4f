package io.vigil.gateway.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vigil.gateway.trace.OtlpJson;
import io.vigil.gateway.trace.Trace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code vigil trace}: the slow and sampled events' stage breakdowns of a running server, fetched from its admin
 * server's {@code GET /traces/slow}, as a table; {@code --otlp FILE} writes them as OpenTelemetry spans (OTLP/JSON).
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
    description = {"Show the stage breakdown of a running server's slow and sampled events (GET /traces/slow of its ",
        "admin server), newest first, times in microseconds; --otlp FILE also writes them as OpenTelemetry spans in ",
        "OTLP/JSON (one export request on one line), for an OpenTelemetry Collector to forward to Jaeger or Tempo."})
public final class TraceCommand implements Callable<Integer> {
    /** Column headings of the stages, in {@code TraceRing.STAGES} order. */
    private static final String[] HEADINGS = {"decode", "append", "pickup", "validate", "features", "anomaly", "infer",
        "decide", "out-jrnl", "egress"};

    @Option(names = "--admin", defaultValue = "http://127.0.0.1:7071",
        description = "The admin server's URL (default ${DEFAULT-VALUE}).")
    String admin;

    @Option(names = "--limit", defaultValue = "20", description = "How many traces, newest first (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--otlp", paramLabel = "FILE",
        description = "Also write the traces to FILE as OTLP/JSON (replaced; empty when there are none).")
    Path otlp;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1");
        }
        final String url = admin.replaceAll("/+$", "") + "/traces/slow?limit=" + limit;
        final HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        } catch (final IOException ex) {
            throw new IllegalArgumentException("cannot reach the admin server at " + admin + " (" + ex + "); is a server " +
                "running with its admin server there (vigil.admin.port)?", ex);
        }
        final ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        final JsonNode body = json.readTree(response.body());
        if (response.statusCode() != 200) {
            throw new IllegalArgumentException(url + " answered " + response.statusCode() + ": " +
                (body.has("reason") ? body.get("reason").asText() : response.body()));
        }
        final List<Trace> traces = new ArrayList<>();
        for (final JsonNode trace : body.get("traces")) {
            traces.add(json.treeToValue(trace, Trace.class));
        }
        final PrintWriter out = spec.commandLine().getOut();
        out.printf("%d traces from %s (recorded %s, dropped %s; slow at %s us or more, sampled 1 in %s)%n", traces.size(),
            admin, body.path("recorded").asText("?"), body.path("dropped").asText("?"),
            body.path("slowThresholdUs").asText("?"), body.path("sampleEvery").asText("?"));
        if (!traces.isEmpty()) {
            out.printf("%-30s %-18s %-8s %-7s %10s", "ingest time", "input index", "tenant", "why", "total");
            for (final String heading : HEADINGS) {
                out.printf(" %9s", heading);
            }
            out.println();
            for (final Trace trace : traces) {
                out.printf("%-30s %-18s %-8s %-7s %10.1f", trace.ingestTime(), trace.inputIndexHex(),
                    Long.toString(trace.tenantId()), trace.synthetic() ? "synth" : trace.reason(), trace.totalUs());
                for (final Trace.Stage stage : trace.stages()) {
                    out.printf(stage.us() == null ? " %9s" : " %9.1f", stage.us() == null ? "-" : stage.us());
                }
                out.println();
            }
        }
        if (otlp != null) {
            // no traces: an empty file, not an export request without spans (OTLP senders write no empty envelopes)
            Files.writeString(otlp, traces.isEmpty() ? "" : OtlpJson.line(traces) + "\n", StandardCharsets.UTF_8);
            out.printf("wrote %d traces to %s as OTLP/JSON%n", traces.size(), otlp);
        }
        out.flush();
        return 0;
    }
}
