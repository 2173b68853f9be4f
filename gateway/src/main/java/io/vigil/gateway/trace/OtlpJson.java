package io.vigil.gateway.trace;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Collection;

/**
 * Writes traces as OpenTelemetry spans in the OTLP/JSON encoding of an {@code ExportTraceServiceRequest}
 * ({@code resourceSpans} → {@code scopeSpans} → {@code spans}): one trace per event, a root span {@code vigil.event}
 * (kind SERVER) over the event's whole time in the server, and one child span (kind INTERNAL) per measured stage,
 * one after the other. As the encoding requires: trace ids are 16 bytes and span ids 8 bytes in lower-case hex, 64-bit
 * integers (times, int attributes) are decimal strings, enums are numbers. Wall-clock times come from the ingest
 * stamp (epoch ns) and the stage times; the root starts at the ingest stamp less the gateway decode. A request holds at
 * least one trace: OTLP senders should not write empty envelopes (a request without spans), so callers with nothing to
 * export write nothing.
 *
 * <p>Ids are derived from the event (trace id: ingest stamp, input index), so the same event exported twice (by the
 * server's file and by {@code vigil trace --otlp}) is the same trace. Thread-safe; allocates (control plane).
 */
public final class OtlpJson {
    static final ObjectMapper JSON = new ObjectMapper();
    /** OTLP {@code SpanKind}. */
    static final int KIND_INTERNAL = 1;
    static final int KIND_SERVER = 2;
    public static final String ROOT_SPAN = "vigil.event";
    public static final String SCOPE = "io.vigil.gateway.trace";

    private OtlpJson() {
    }

    /**
     * The export request holding {@code traces}, as a Jackson tree.
     *
     * @throws IllegalArgumentException when {@code traces} is empty (it would be an empty envelope).
     */
    public static ObjectNode request(final Collection<Trace> traces) {
        if (traces.isEmpty()) {
            throw new IllegalArgumentException("an OTLP export request needs at least one trace (no empty envelopes)");
        }
        final ObjectNode request = JSON.createObjectNode();
        final ObjectNode resourceSpans = request.putArray("resourceSpans").addObject();
        final ArrayNode resourceAttributes = resourceSpans.putObject("resource").putArray("attributes");
        string(resourceAttributes, "service.name", "vigil");
        final ObjectNode scopeSpans = resourceSpans.putArray("scopeSpans").addObject();
        scopeSpans.putObject("scope").put("name", SCOPE);
        final ArrayNode spans = scopeSpans.putArray("spans");
        for (final Trace trace : traces) {
            spans(trace, spans);
        }
        return request;
    }

    /** {@link #request} as one line of JSON (no line breaks inside), without the line end; same exception. */
    public static String line(final Collection<Trace> traces) {
        try {
            return JSON.writeValueAsString(request(traces));
        } catch (final com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static void spans(final Trace trace, final ArrayNode spans) {
        final Trace.Stage decode = trace.stage(TraceRing.STAGES[TraceRing.GATEWAY_DECODE]);
        final long rootStart = trace.ingestEpochNs() - (decode != null && decode.ns() != null ? decode.ns() : 0);
        final long rootEnd = rootStart + trace.totalNs();
        final String rootId = spanId(trace, 0);
        final ObjectNode root = spans.addObject();
        root.put("traceId", trace.traceId());
        root.put("spanId", rootId);
        root.put("name", ROOT_SPAN);
        root.put("kind", KIND_SERVER);
        root.put("startTimeUnixNano", Long.toString(rootStart));
        root.put("endTimeUnixNano", Long.toString(rootEnd));
        final ArrayNode attributes = root.putArray("attributes");
        integer(attributes, "vigil.input_index", trace.inputIndex());
        integer(attributes, "vigil.session_id", trace.sessionId());
        integer(attributes, "vigil.tenant_id", trace.tenantId());
        string(attributes, "vigil.client_id", Long.toUnsignedString(trace.clientId()));
        integer(attributes, "vigil.client_sequence", trace.clientSequence());
        string(attributes, "vigil.event_type", trace.type());
        string(attributes, "vigil.trace_reason", trace.reason());
        attributes.addObject().put("key", "vigil.synthetic").putObject("value").put("boolValue", trace.synthetic());
        long cursor = rootStart;
        int n = 0;
        for (final Trace.Stage stage : trace.stages()) {
            if (stage.ns() == null) {
                continue;
            }
            final long start = Math.min(cursor, rootEnd);
            final long end = Math.min(start + stage.ns(), rootEnd);
            final ObjectNode span = spans.addObject();
            span.put("traceId", trace.traceId());
            span.put("spanId", spanId(trace, ++n));
            span.put("parentSpanId", rootId);
            span.put("name", stage.name());
            span.put("kind", KIND_INTERNAL);
            span.put("startTimeUnixNano", Long.toString(start));
            span.put("endTimeUnixNano", Long.toString(end));
            integer(span.putArray("attributes"), "vigil.stage_ns", stage.ns());
            cursor = end;
        }
    }

    /** Span {@code n} of the trace (0: the root), 16 hex digits, never all zeros. */
    static String spanId(final Trace trace, final int n) {
        long x = trace.ingestEpochNs() * 0x9E3779B97F4A7C15L + trace.inputIndex() + 0x632BE59BD9B4E019L * (n + 1);
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        x ^= x >>> 31;
        return String.format("%016x", x == 0 ? 1 : x);
    }

    private static void string(final ArrayNode attributes, final String key, final String value) {
        attributes.addObject().put("key", key).putObject("value").put("stringValue", value);
    }

    private static void integer(final ArrayNode attributes, final String key, final long value) {
        attributes.addObject().put("key", key).putObject("value").put("intValue", Long.toString(value));
    }
}
