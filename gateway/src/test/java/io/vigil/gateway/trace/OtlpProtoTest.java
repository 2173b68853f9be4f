package io.vigil.gateway.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link OtlpJson} writes, parsed the way an OTLP/JSON receiver does into the official OTLP protobuf classes
 * ({@code io.opentelemetry.proto}, a test-scope dependency): hex ids decoded to bytes, then protobuf's
 * {@link JsonFormat} parser <em>without</em> {@code ignoringUnknownFields}, so every field name and value type must be
 * the schema's. On top of the proto3 JSON mapping it checks the OTLP/JSON rules the parser does not
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids in hex, enums as integers, lowerCamelCase keys
 * only, no empty envelopes; then the traces themselves on the parsed messages. {@link TraceCommandTest} runs the same
 * checks on {@code vigil trace --otlp} and the server's {@code vigil.trace.otlp.file}.
 */
class OtlpProtoTest {
    /** The OTLP fields that hold trace and span ids: hex in OTLP/JSON, base64 in the proto3 JSON mapping. */
    private static final Set<String> ID_FIELDS = Set.of("traceId", "spanId", "parentSpanId");
    /** The enum fields of the trace schema: integers only in OTLP/JSON (the proto3 mapping also takes names). */
    private static final Set<String> ENUM_FIELDS = Set.of("kind", "code");

    /**
     * Parses one OTLP/JSON export request as a receiver does, failing on anything that is not OTLP/JSON: the ids are
     * turned from hex into the bytes' base64 (what the proto3 JSON mapping reads), then the strict parser.
     */
    static ExportTraceServiceRequest parse(final String line) throws Exception {
        final JsonNode tree = OtlpJson.JSON.readTree(line);
        otlpJsonRules(tree, "$");
        final ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
        JsonFormat.parser().merge(OtlpJson.JSON.writeValueAsString(tree), builder);
        return builder.build();
    }

    /** Checks (and, for the ids, rewrites) {@code node} and what it holds against the rules JsonFormat cannot know. */
    private static void otlpJsonRules(final JsonNode node, final String path) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                otlpJsonRules(node.get(i), path + "[" + i + "]");
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        final ObjectNode object = (ObjectNode) node;
        final Map<String, JsonNode> ids = new LinkedHashMap<>();
        for (final Map.Entry<String, JsonNode> field : object.properties()) {
            final String name = field.getKey();
            final String at = path + "." + name;
            // JsonFormat also takes the proto's own field names (trace_id); OTLP/JSON allows lowerCamelCase only
            assertTrue(name.matches("[a-z][A-Za-z0-9]*"), "not a lowerCamelCase key: " + at);
            if (ID_FIELDS.contains(name)) {
                ids.put(name, field.getValue());
            } else if (ENUM_FIELDS.contains(name)) {
                assertTrue(field.getValue().isIntegralNumber(), "enums are integers in OTLP/JSON: " + at);
            } else {
                otlpJsonRules(field.getValue(), at);
            }
        }
        for (final Map.Entry<String, JsonNode> id : ids.entrySet()) {
            final String at = path + "." + id.getKey();
            assertTrue(id.getValue().isTextual(), "ids are strings: " + at);
            final String hex = id.getValue().asText();
            // case-insensitive hex is OTLP/JSON; Vigil writes lower case, like the Collector
            assertTrue(hex.matches("([0-9a-f]{2})*"), "ids are lower-case hex: " + at + " = " + hex);
            object.put(id.getKey(), Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex)));
        }
    }

    /**
     * Checks parsed export requests: one resource with {@code service.name=vigil}, the scope, and per trace a root
     * {@code vigil.event} (SERVER) with every other span its child (INTERNAL) named after a stage, in stage order,
     * following one another inside the root; returns the spans by trace id (hex).
     */
    static Map<String, List<Span>> checkTraces(final List<ExportTraceServiceRequest> requests) {
        final Map<String, List<Span>> traces = new LinkedHashMap<>();
        for (final ExportTraceServiceRequest request : requests) {
            assertEquals(1, request.getResourceSpansCount());
            final ResourceSpans resourceSpans = request.getResourceSpans(0);
            final Resource resource = resourceSpans.getResource();
            assertEquals("vigil", attributes(resource.getAttributesList()).get("service.name").getStringValue());
            assertEquals(1, resourceSpans.getScopeSpansCount());
            final ScopeSpans scopeSpans = resourceSpans.getScopeSpans(0);
            assertEquals(OtlpJson.SCOPE, scopeSpans.getScope().getName());
            assertTrue(scopeSpans.getSpansCount() > 0, "senders should not write empty envelopes");
            for (final Span span : scopeSpans.getSpansList()) {
                traces.computeIfAbsent(HexFormat.of().formatHex(span.getTraceId().toByteArray()), k -> new ArrayList<>())
                    .add(span);
            }
        }
        for (final Map.Entry<String, List<Span>> trace : traces.entrySet()) {
            checkTrace(trace.getKey(), trace.getValue());
        }
        return traces;
    }

    private static void checkTrace(final String traceId, final List<Span> spans) {
        final ByteString zeros8 = ByteString.copyFrom(new byte[8]);
        assertEquals(16, spans.get(0).getTraceId().size(), "trace ids are 16 bytes: " + traceId);
        assertNotEquals(ByteString.copyFrom(new byte[16]), spans.get(0).getTraceId(), "an all-zero trace id is invalid");
        final List<Span> roots = spans.stream().filter(span -> span.getParentSpanId().isEmpty()).toList();
        assertEquals(1, roots.size(), "one root per trace: " + traceId);
        final Span root = roots.get(0);
        assertEquals(OtlpJson.ROOT_SPAN, root.getName());
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, root.getKind());
        assertEquals(Set.of("vigil.input_index", "vigil.session_id", "vigil.tenant_id", "vigil.client_id",
            "vigil.client_sequence", "vigil.event_type", "vigil.trace_reason", "vigil.synthetic"),
            attributes(root.getAttributesList()).keySet());
        final Map<String, AnyValue> rootAttributes = attributes(root.getAttributesList());
        assertEquals(AnyValue.ValueCase.INT_VALUE, rootAttributes.get("vigil.input_index").getValueCase());
        assertEquals(AnyValue.ValueCase.BOOL_VALUE, rootAttributes.get("vigil.synthetic").getValueCase());
        assertEquals(traceId.substring(16), String.format("%016x", rootAttributes.get("vigil.input_index").getIntValue()),
            "the trace id ends with the input index");
        final Set<ByteString> spanIds = new HashSet<>();
        List<String> stageNames = List.of(TraceRing.STAGES);
        long cursor = root.getStartTimeUnixNano();
        for (final Span span : spans) {
            assertEquals(8, span.getSpanId().size(), "span ids are 8 bytes: " + span);
            assertNotEquals(zeros8, span.getSpanId(), "an all-zero span id is invalid");
            assertTrue(spanIds.add(span.getSpanId()), "span ids are unique in a trace: " + span);
            assertTrue(span.getStartTimeUnixNano() > 0, "a start time: " + span);
            assertTrue(span.getStartTimeUnixNano() <= span.getEndTimeUnixNano(), "start <= end: " + span);
            assertNotEquals(Span.SpanKind.UNRECOGNIZED, span.getKind());
            assertNotEquals(Span.SpanKind.SPAN_KIND_UNSPECIFIED, span.getKind());
            assertNotEquals(Status.StatusCode.UNRECOGNIZED, span.getStatus().getCode());
            assertEquals(span.getAttributesCount(), attributes(span.getAttributesList()).size(), "attribute keys unique");
            if (span == root) {
                continue;
            }
            assertEquals(root.getSpanId(), span.getParentSpanId(), "each stage's parent is the event's root span");
            assertEquals(Span.SpanKind.SPAN_KIND_INTERNAL, span.getKind());
            final int stage = stageNames.indexOf(span.getName());
            assertTrue(stage >= 0, "a stage span is named after its stage: " + span.getName());
            stageNames = stageNames.subList(stage + 1, stageNames.size());
            assertEquals(cursor, span.getStartTimeUnixNano(), "stages follow one another from the root's start");
            assertTrue(span.getEndTimeUnixNano() <= root.getEndTimeUnixNano(), "inside the root: " + span);
            final AnyValue stageNs = attributes(span.getAttributesList()).get("vigil.stage_ns");
            assertEquals(AnyValue.ValueCase.INT_VALUE, stageNs.getValueCase());
            assertTrue(stageNs.getIntValue() >= 0);
            cursor = span.getEndTimeUnixNano();
        }
    }

    private static Map<String, AnyValue> attributes(final List<KeyValue> attributes) {
        final Map<String, AnyValue> map = new HashMap<>();
        for (final KeyValue attribute : attributes) {
            map.put(attribute.getKey(), attribute.getValue());
        }
        return map;
    }

    @Test
    void shouldParseStrictlyAsAnExportTraceServiceRequest() throws Exception {
        final Trace measured = OtlpJsonTest.trace(17, 300, 2_000, 8_000, 20_000, 1_000, 500, 40_000, 2_000, 60_000, 7_000);
        final Trace partly = OtlpJsonTest.trace(18, -1, -1, 8_000, 20_000, 1_000, 500, 40_000, 2_000, 60_000, 7_000);
        final ExportTraceServiceRequest request = parse(OtlpJson.line(List.of(measured, partly)));
        final Map<String, List<Span>> traces = checkTraces(List.of(request));
        assertEquals(List.of(measured.traceId(), partly.traceId()), List.copyOf(traces.keySet()));
        assertEquals(1 + 10, traces.get(measured.traceId()).size());
        assertEquals(1 + 8, traces.get(partly.traceId()).size(), "a stage not measured has no span");
        final Span root = traces.get(measured.traceId()).get(0);
        assertEquals(measured.ingestEpochNs() - 300, root.getStartTimeUnixNano());
        assertEquals(measured.ingestEpochNs() - 300 + measured.totalNs(), root.getEndTimeUnixNano());
        assertEquals(17, attributes(root.getAttributesList()).get("vigil.input_index").getIntValue());
        assertEquals("slow", attributes(root.getAttributesList()).get("vigil.trace_reason").getStringValue());
        final List<Span> measuredSpans = traces.get(measured.traceId());
        assertEquals(List.of("gateway decode", "journal append", "tailer pickup", "validate", "features", "anomaly",
            "inference", "decide", "output journal", "egress"), measuredSpans.subList(1, measuredSpans.size()).stream()
            .map(Span::getName).toList(), "the stage spans carry the stage names docs/operations.md lists");
        assertEquals(300, attributes(measuredSpans.get(1).getAttributesList()).get("vigil.stage_ns").getIntValue());
        // the proto, written back by protobuf's own printer, holds what Vigil wrote (nothing was dropped)
        final JsonNode reprinted = OtlpJson.JSON.readTree(JsonFormat.printer().print(request));
        assertEquals(OtlpJson.JSON.readTree(OtlpJson.line(List.of(measured, partly))).get("resourceSpans").get(0)
            .get("scopeSpans").get(0).get("spans").size(),
            reprinted.get("resourceSpans").get(0).get("scopeSpans").get(0).get("spans").size());
    }

    @Test
    void shouldRefuseAnEmptyEnvelope() {
        assertThrows(IllegalArgumentException.class, () -> OtlpJson.line(List.of()),
            "OTLP senders should not write a request without spans");
    }

    /** The checks can fail: what the OTLP/JSON rules forbid is refused. */
    @Test
    void shouldRefuseWhatIsNotOtlpJson() throws Exception {
        final String good = OtlpJson.line(List.of(OtlpJsonTest.trace(5, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9)));
        parse(good);
        final JsonNode tree = OtlpJson.JSON.readTree(good);
        final ObjectNode span = (ObjectNode) tree.get("resourceSpans").get(0).get("scopeSpans").get(0).get("spans").get(0);
        final String traceId = span.get("traceId").asText();
        final JsonNode end = span.get("endTimeUnixNano");
        // an unknown field name: the strict parser refuses it
        span.put("startTimeUnixNanos", "1");
        assertThrows(InvalidProtocolBufferException.class, () -> parse(OtlpJson.JSON.writeValueAsString(tree)));
        span.remove("startTimeUnixNanos");
        // a value of the wrong type
        span.put("endTimeUnixNano", "soon");
        assertThrows(InvalidProtocolBufferException.class, () -> parse(OtlpJson.JSON.writeValueAsString(tree)));
        span.set("endTimeUnixNano", end);
        // an enum by name: the proto3 mapping takes it, OTLP/JSON does not
        span.put("kind", "SPAN_KIND_SERVER");
        assertThrows(AssertionError.class, () -> parse(OtlpJson.JSON.writeValueAsString(tree)));
        span.put("kind", 2);
        // the proto's own field name: the proto3 mapping takes it, OTLP/JSON does not
        span.set("parent_span_id", span.get("spanId"));
        assertThrows(AssertionError.class, () -> parse(OtlpJson.JSON.writeValueAsString(tree)));
        span.remove("parent_span_id");
        // a base64 id, as protobuf's own JSON printer writes it
        span.put("traceId", Base64.getEncoder().encodeToString(HexFormat.of().parseHex(traceId)));
        assertThrows(AssertionError.class, () -> parse(OtlpJson.JSON.writeValueAsString(tree)));
        // an id of the wrong length parses but fails the trace checks
        span.put("traceId", traceId.substring(2));
        final ExportTraceServiceRequest shortId = parse(OtlpJson.JSON.writeValueAsString(tree));
        assertThrows(AssertionError.class, () -> checkTraces(List.of(shortId)));
        span.put("traceId", traceId);
        final ExportTraceServiceRequest again = parse(OtlpJson.JSON.writeValueAsString(tree));
        assertFalse(checkTraces(List.of(again)).isEmpty());
    }
}
