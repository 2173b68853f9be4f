package io.vigil.gateway.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.counters.CounterType;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.admin.VigilAdmin;
import io.vigil.gateway.cli.TraceCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vigil trace} against a real server's admin server. */
@Timeout(120)
class TraceCommandTest {
    @TempDir
    Path dir;

    private static String[] run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine command = new CommandLine(new TraceCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        final int status = command.execute(args);
        return new String[] {Integer.toString(status), out.toString(), err.toString()};
    }

    @Test
    void shouldPrintTheBreakdownAndWriteOtlp() throws Exception {
        final Path otlp = dir.resolve("slow.json");
        final Path serverOtlp = dir.resolve("server.otlp.jsonl");
        try (VigilServer server = VigilServer.start(VigilConfig.of(Map.of(
                 VigilConfig.DATA_DIR.name(), dir.resolve("data").toString(),
                 GatewayConfiguration.PORT.name(), "0",
                 GatewayConfiguration.ADMIN_PORT.name(), "0",
                 TraceConfiguration.ENABLED.name(), "true",
                 TraceConfiguration.SLOW_THRESHOLD.name(), "0",
                 TraceConfiguration.OTLP_FILE.name(), serverOtlp.toString())));
             VigilAdmin admin = VigilAdmin.start(server)) {
            // nothing traced yet: an empty file, not an export request without spans
            Files.writeString(otlp, "stale");
            final String[] none = run("--admin", admin.url(), "--otlp", otlp.toString());
            assertEquals("0", none[0], none[2]);
            assertTrue(none[1].startsWith("0 traces from "), none[1]);
            assertEquals("", Files.readString(otlp), "no traces, no export request");
            SlowTracesInServerTest.send(server, 12);
            SlowTracesInServerTest.await(() -> server.counters().counter(CounterType.TRACES_RECORDED).get() == 12);
            final String[] result = run("--admin", admin.url(), "--limit", "5", "--otlp", otlp.toString());
            assertEquals("0", result[0], result[2]);
            final String[] lines = result[1].split("\n");
            assertTrue(lines[0].startsWith("5 traces from " + admin.url()), result[1]);
            assertTrue(lines[1].contains("decode") && lines[1].contains("egress"), lines[1]);
            for (int i = 2; i < 7; i++) {
                assertTrue(lines[i].contains(" slow "), lines[i]);
                assertEquals(5 + 10, lines[i].trim().split("\\s+").length, "time, index, tenant, why, total, 10 stages: " + lines[i]);
            }
            assertTrue(lines[7].startsWith("wrote 5 traces to "), result[1]);
            final List<String> written = Files.readAllLines(otlp);
            assertEquals(1, written.size());
            final JsonNode request = new ObjectMapper().readTree(written.get(0));
            assertEquals(5, OtlpJsonTest.checkRequests(List.of(request), TraceRing.STAGES.length));
            // both files parsed strictly as OTLP export requests by the official protobuf classes
            final Map<String, List<Span>> shown = OtlpProtoTest.checkTraces(List.of(OtlpProtoTest.parse(written.get(0))));
            assertEquals(5, shown.size());
            SlowTracesInServerTest.await(() -> server.traces().otlpWritten() == 12);
            final List<ExportTraceServiceRequest> appended = new ArrayList<>();
            for (final String line : Files.readAllLines(serverOtlp)) {
                appended.add(OtlpProtoTest.parse(line));
            }
            final Map<String, List<Span>> all = OtlpProtoTest.checkTraces(appended);
            assertEquals(12, all.size());
            final long nowNs = System.currentTimeMillis() * 1_000_000L;
            for (final Map.Entry<String, List<Span>> trace : shown.entrySet()) {
                assertEquals(all.get(trace.getKey()), trace.getValue(), "the same event is the same trace in both files");
                final long start = trace.getValue().get(0).getStartTimeUnixNano();
                assertTrue(Math.abs(nowNs - start) < TimeUnit.HOURS.toNanos(1), "epoch times: " + start);
            }
        }
        final String[] down = run("--admin", "http://127.0.0.1:1");
        assertEquals("1", down[0]);
        assertTrue(down[2].contains("cannot reach the admin server"), down[2]);
    }
}
