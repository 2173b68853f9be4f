package io.vigil.gateway;

import io.vigil.engine.AnswerTrace;
import io.vigil.engine.EpochClock;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.trace.SlowTraces;
import io.vigil.gateway.trace.Trace;
import io.vigil.gateway.trace.TraceContext;
import io.vigil.gateway.trace.TraceRing;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The network thread's trace recorder over a real {@link TraceRing}, read back by a real {@link SlowTraces}. */
class TraceRecorderTest {
    private static final int ANSWERS = 100;

    /** {@code count} egress prefixes as {@link Egress} lays them out, the event of answer i at input index 1000 + i. */
    private static UnsafeBuffer prefixes(final int count, final long ingestEpochNs, final long handOffNs) {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(count * Egress.PREFIX_BYTES));
        for (int i = 0; i < count; i++) {
            final int base = i * Egress.PREFIX_BYTES;
            buffer.putLong(base + Egress.SESSION, 7);
            buffer.putLong(base + Egress.HAND_OFF, handOffNs);
            buffer.putLong(base + Egress.CLIENT, 42);
            buffer.putLong(base + Egress.TENANT, 3);
            buffer.putLong(base + Egress.INGEST, ingestEpochNs);
            buffer.putLong(base + Egress.INPUT_INDEX, 1000 + i);
            buffer.putLong(base + Egress.SEQUENCE, 1 + i);
            buffer.putLong(base + Egress.TEMPLATE, io.vigil.codecs.sbe.TransactionDecoder.TEMPLATE_ID |
                (i == 0 ? Egress.SYNTHETIC_BIT : 0));
            for (int s = 0; s < Egress.PIPELINE_STAGES; s++) {
                buffer.putLong(base + Egress.STAGES + s * Long.BYTES, 10_000 * (s + 1));
            }
        }
        return buffer;
    }

    private static TraceContext context(final int keep) {
        return new TraceContext(VigilConfig.of(Map.of())).keep(keep).conclude();
    }

    @Test
    void shouldDropAndCountTracesWhenTheRingIsFullNeverWaiting() {
        final TraceRing ring = new TraceRing(4096);
        final VigilCounters counters = VigilCounters.inMemory();
        final TraceRecorder recorder = new TraceRecorder(ring, 0, 0, counters);
        final long ingest = EpochClock.nowNs();
        final long writtenNs = EpochClock.toNanoTime(ingest) + 1_000_000;
        recorder.written(writtenNs, prefixes(ANSWERS, ingest, writtenNs - 1000), Egress.PREFIX_BYTES, ANSWERS);
        final long fits = 4096 / (TraceRing.RECORD_BYTES + 8);
        assertEquals(fits, recorder.recorded(), "a 4 KiB ring holds this many records of " + TraceRing.RECORD_BYTES + " bytes");
        assertEquals(ANSWERS - fits, recorder.dropped());
        assertEquals(fits, counters.counter(CounterType.TRACES_RECORDED).get());
        assertEquals(ANSWERS - fits, counters.counter(CounterType.TRACES_DROPPED).get());

        final SlowTraces traces = new SlowTraces(context(1000), ring, counters);
        assertEquals(fits, traces.poll());
        // room again: the next answers are kept
        recorder.written(writtenNs, prefixes(3, ingest, writtenNs - 1000), Egress.PREFIX_BYTES, 3);
        assertEquals(fits + 3, recorder.recorded());
        assertEquals(3, traces.poll());
    }

    @Test
    void shouldKeepOneInNAnswersBelowTheThresholdAsSampled() {
        final TraceRing ring = new TraceRing();
        final TraceRecorder recorder = new TraceRecorder(ring, Long.MAX_VALUE, 10, null);
        final long ingest = EpochClock.nowNs();
        final long writtenNs = EpochClock.toNanoTime(ingest) + 1_000;
        recorder.written(writtenNs, prefixes(ANSWERS, ingest, writtenNs), Egress.PREFIX_BYTES, ANSWERS);
        assertEquals(ANSWERS / 10, recorder.recorded());
        final SlowTraces traces = new SlowTraces(context(1000), ring, null);
        traces.poll();
        final List<Trace> kept = traces.recent(1000);
        assertEquals(ANSWERS / 10, kept.size());
        for (int i = 0; i < kept.size(); i++) {
            assertEquals("sampled", kept.get(i).reason());
            // newest first: the 100th answer (index 1099), then the 90th, ...
            assertEquals(1000 + ANSWERS - 1 - 10L * i, kept.get(i).inputIndex());
        }
    }

    @Test
    void shouldCarryEveryFieldAndTheGatewayStagesOfTheSameInputIndex() {
        final TraceRing ring = new TraceRing();
        final TraceRecorder recorder = new TraceRecorder(ring, 0, 0, null);
        final long ingest = EpochClock.nowNs();
        final long ingestNanoTime = EpochClock.toNanoTime(ingest);
        recorder.ingested(1000, 300, 2_000);
        // the entry of 1001 is overwritten by an event 2^16 later: 1001's gateway stages are unknown, never another's
        recorder.ingested(1001, 400, 3_000);
        recorder.ingested(1001 + TraceRecorder.INGEST_SLOTS, 500, 4_000);
        final long pipelineNs = 10_000L * (1 + 2 + 3 + 4 + 5 + 6 + 7);
        final long writtenNs = ingestNanoTime + pipelineNs + 5_000;
        recorder.written(writtenNs, prefixes(2, ingest, writtenNs - 4_000), Egress.PREFIX_BYTES, 2);
        final SlowTraces traces = new SlowTraces(context(10), ring, null);
        traces.poll();
        final List<Trace> kept = traces.recent(10);
        assertEquals(2, kept.size());
        final Trace first = kept.get(1);
        assertEquals(1000, first.inputIndex());
        assertEquals(7, first.sessionId());
        assertEquals(42, first.clientId());
        assertEquals(3, first.tenantId());
        assertEquals(1, first.clientSequence());
        assertEquals("transaction", first.type());
        assertTrue(first.synthetic());
        assertEquals("slow", first.reason());
        assertEquals(ingest, first.ingestEpochNs());
        assertEquals(32, first.traceId().length());
        assertEquals(300, first.stage("gateway decode").ns());
        assertEquals(2_000, first.stage("journal append").ns());
        assertEquals(10_000 - 2_000, first.stage("tailer pickup").ns(), "the pickup less the append it contains");
        assertEquals(20_000, first.stage("validate").ns());
        assertEquals(70_000, first.stage("output journal").ns());
        assertEquals(5_000, first.stage("egress").ns(), "output journal appended to written");
        assertEquals(300 + pipelineNs + 5_000, first.totalNs());
        assertEquals(first.totalNs(), first.stages().stream().mapToLong(Trace.Stage::ns).sum());
        final Trace second = kept.get(0);
        assertFalse(second.synthetic());
        assertNull(second.stage("gateway decode").ns());
        assertNull(second.stage("journal append").ns());
        assertEquals(pipelineNs + 5_000, second.totalNs());
    }

    @Test
    void shouldCountAnAppendStampTakenAfterThePipelinePickedTheEventUpOnceSoThatTheStagesStillAddUp() {
        final TraceRing ring = new TraceRing();
        final TraceRecorder recorder = new TraceRecorder(ring, 0, 0, null);
        final long ingest = EpochClock.nowNs();
        // the pickup (from the ingest stamp) is 10 us, but the gateway's append stamp came 25 us after the ingest
        // stamp: the pipeline's stages ran meanwhile, so 15 us of the "append" overlap them
        recorder.ingested(1000, 300, 25_000);
        final long pipelineNs = 10_000L * (1 + 2 + 3 + 4 + 5 + 6 + 7);
        final long writtenNs = EpochClock.toNanoTime(ingest) + pipelineNs + 5_000;
        recorder.written(writtenNs, prefixes(1, ingest, writtenNs - 4_000), Egress.PREFIX_BYTES, 1);
        final SlowTraces traces = new SlowTraces(context(10), ring, null);
        traces.poll();
        final Trace trace = traces.recent(10).get(0);
        assertEquals(10_000, trace.stage("journal append").ns(), "the append up to the pickup");
        assertEquals(0, trace.stage("tailer pickup").ns());
        assertEquals(5_000, trace.stage("egress").ns());
        assertEquals(300 + pipelineNs + 5_000, trace.totalNs());
        assertEquals(trace.totalNs(), trace.stages().stream().mapToLong(Trace.Stage::ns).sum(), "stages add up");
    }
}
