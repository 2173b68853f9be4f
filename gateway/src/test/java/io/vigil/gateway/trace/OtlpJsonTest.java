package io.vigil.gateway.trace;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OTLP/JSON encoding of traces, parsed back with Jackson. */
class OtlpJsonTest {
    static Trace trace(final long inputIndex, final long decodeNs, final long... pipelineAndEgressNs) {
        final List<Trace.Stage> stages = new ArrayList<>();
        stages.add(Trace.Stage.of(TraceRing.STAGES[0], decodeNs));
        long total = Math.max(0, decodeNs);
        for (int i = 1; i < TraceRing.STAGES.length; i++) {
            final long ns = pipelineAndEgressNs[i - 1];
            stages.add(Trace.Stage.of(TraceRing.STAGES[i], ns));
            total += Math.max(0, ns);
        }
        final long ingest = 1_796_129_420_915_000_000L + inputIndex;
        return new Trace(String.format("%016x%016x", ingest, inputIndex), inputIndex, "0x" + Long.toHexString(inputIndex),
            9, 1, 5, inputIndex, "transaction", false, "slow", ingest, "", total, total / 1000.0, stages);
    }

    /**
     * Checks export requests as OTLP/JSON: the structure, one root span {@code vigil.event} per trace with a child per
     * stage, ids of the right lengths, children inside the root's time range and after one another; returns the
     * number of traces.
     */
    static int checkRequests(final List<JsonNode> requests, final int stagesPerTrace) {
        int traces = 0;
        for (final JsonNode request : requests) {
            final JsonNode resourceSpans = request.get("resourceSpans");
            assertEquals(1, resourceSpans.size());
            final JsonNode resource = resourceSpans.get(0).get("resource");
            assertEquals("service.name", resource.get("attributes").get(0).get("key").asText());
            assertEquals("vigil", resource.get("attributes").get(0).get("value").get("stringValue").asText());
            final JsonNode scopeSpans = resourceSpans.get(0).get("scopeSpans");
            assertEquals(OtlpJson.SCOPE, scopeSpans.get(0).get("scope").get("name").asText());
            final Map<String, JsonNode> roots = new HashMap<>();
            final Map<String, List<JsonNode>> children = new HashMap<>();
            for (final JsonNode span : scopeSpans.get(0).get("spans")) {
                assertTrue(span.get("traceId").asText().matches("[0-9a-f]{32}"), span.toString());
                assertTrue(span.get("spanId").asText().matches("[0-9a-f]{16}"), span.toString());
                assertNotEquals("0000000000000000", span.get("spanId").asText());
                assertTrue(span.get("startTimeUnixNano").isTextual(), "64-bit integers are strings in OTLP/JSON");
                assertTrue(Long.parseLong(span.get("endTimeUnixNano").asText()) >=
                    Long.parseLong(span.get("startTimeUnixNano").asText()));
                if (span.has("parentSpanId")) {
                    assertTrue(span.get("parentSpanId").asText().matches("[0-9a-f]{16}"));
                    assertEquals(1, span.get("kind").asInt(), "children are INTERNAL");
                    children.computeIfAbsent(span.get("traceId").asText(), k -> new ArrayList<>()).add(span);
                } else {
                    assertEquals(OtlpJson.ROOT_SPAN, span.get("name").asText());
                    assertEquals(2, span.get("kind").asInt(), "the root is SERVER");
                    assertTrue(roots.put(span.get("traceId").asText(), span) == null, "one root per trace");
                }
            }
            assertEquals(roots.keySet(), children.keySet());
            for (final Map.Entry<String, JsonNode> entry : roots.entrySet()) {
                final JsonNode root = entry.getValue();
                final long start = Long.parseLong(root.get("startTimeUnixNano").asText());
                final long end = Long.parseLong(root.get("endTimeUnixNano").asText());
                final List<JsonNode> spans = children.get(entry.getKey());
                assertEquals(stagesPerTrace, spans.size());
                long cursor = start;
                for (final JsonNode child : spans) {
                    assertEquals(root.get("spanId").asText(), child.get("parentSpanId").asText());
                    final long childStart = Long.parseLong(child.get("startTimeUnixNano").asText());
                    final long childEnd = Long.parseLong(child.get("endTimeUnixNano").asText());
                    assertTrue(childStart >= start && childEnd <= end, "child inside the root: " + child);
                    assertEquals(cursor, childStart, "stages follow one another");
                    cursor = childEnd;
                }
                traces++;
            }
        }
        return traces;
    }

    @Test
    void shouldWriteOneRootAndOneChildPerMeasuredStage() throws Exception {
        final Trace measured = trace(17, 300, 2_000, 8_000, 20_000, 1_000, 500, 40_000, 2_000, 60_000, 7_000);
        final Trace partly = trace(18, -1, -1, 8_000, 20_000, 1_000, 500, 40_000, 2_000, 60_000, 7_000);
        final String line = OtlpJson.line(List.of(measured, partly));
        assertFalse(line.contains("\n"), "one line");
        final JsonNode request = OtlpJson.JSON.readTree(line);
        assertEquals(1, checkRequests(List.of(OtlpJson.JSON.readTree(OtlpJson.line(List.of(measured)))), 10));
        final JsonNode spans = request.get("resourceSpans").get(0).get("scopeSpans").get(0).get("spans");
        assertEquals(1 + 10 + 1 + 8, spans.size(), "stages not measured have no span");
        final JsonNode root = spans.get(0);
        assertEquals(measured.traceId(), root.get("traceId").asText());
        assertEquals(Long.toString(measured.ingestEpochNs() - 300), root.get("startTimeUnixNano").asText(),
            "the root starts at the ingest stamp less the decode");
        assertEquals(Long.toString(measured.ingestEpochNs() - 300 + measured.totalNs()), root.get("endTimeUnixNano").asText());
        assertEquals("gateway decode", spans.get(1).get("name").asText());
        assertEquals("egress", spans.get(10).get("name").asText());
        assertEquals(spans.get(10).get("endTimeUnixNano").asText(), root.get("endTimeUnixNano").asText());
        // the same event gives the same ids
        assertEquals(line, OtlpJson.line(List.of(measured, partly)));
    }
}
