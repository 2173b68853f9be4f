package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.WatermarkTickDecoder;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.rules.DecisionRules;
import io.vigil.scoring.time.EventTimeJudge;
import io.vigil.scoring.time.Watermarks;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * Event time: keeps the watermarks of the sources ({@link Watermarks}; a source is the (tenant, client id) whose
 * session journaled the event; the synthetic prober's events are none) and judges each event against the pipeline's watermark as it stood when the event
 * arrived, through {@link EventTimeJudge} (the one implementation of the judgement, which {@code vigil features
 * backfill} calls too). An event behind it is late by the difference: within the allowed lateness it is applied and answered with
 * LATE_EVENT ({@link EventSlot#late}; the rules stage adds the bit); beyond it, it is answered here (a transaction
 * REVIEW, a metric sample APPROVE, both with TOO_LATE), passes no later stage but the output (so no per-key state
 * changes), and goes to the late side journal ({@link LateRecord}) with its lateness.
 *
 * <p>Event time starts at the first {@code WatermarkTick} control record ({@link WatermarkControl}) in the input
 * journal, which also carries the policy (bound, idle timeout, allowed lateness) in force from it on: a journal
 * without ticks (one written before this stage existed) is decided exactly as before, with no watermark at all. Each
 * tick turns idle the sources silent for its idle timeout.
 *
 * <p>Checkpoint section {@link #SECTION_ID}: whether event time has started, the policy and the {@link Watermarks}
 * (the counts are since start, like the pipeline's others, and leave out events answered before a restart). Not thread-safe: the pipeline thread. Allocation-free per event and per tick (a new source may
 * grow the tables).
 */
final class EventTimeStage implements Stage {
    /** Checkpoint section of the watermarks. */
    static final int SECTION_ID = 20;
    static final int SECTION_VERSION = 1;
    private static final int HEAD_BYTES = 1 + 8 + 8;
    private static final Logger LOG = LoggerFactory.getLogger(EventTimeStage.class);

    private final EventTimeJudge judge;
    private final Watermarks watermarks;
    private final JournalWriter late;
    private final UnsafeBuffer lateRecord;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final WatermarkTickDecoder tick = new WatermarkTickDecoder();
    /** Input index of the last record already in the late journal: a recovery writes none up to it again. */
    private final long lateWrittenUpTo;
    private long lateEvents;
    private long tooLateEvents;
    private long ticks;

    /**
     * @param late where too-late events go; null for a dry run.
     */
    EventTimeStage(final int expectedSources, final JournalWriter late, final long lateWrittenUpTo, final int maxPayloadBytes) {
        this.judge = new EventTimeJudge(expectedSources);
        this.watermarks = judge.watermarks();
        this.late = late;
        this.lateWrittenUpTo = lateWrittenUpTo;
        this.lateRecord = new UnsafeBuffer(new byte[maxPayloadBytes + LateRecord.TRAILER_BYTES]);
    }

    /** The input index the last record of the late journal refers to, -1 if none (the recovery point of writes). */
    static long lateWrittenUpTo(final Journals journals) {
        final long last = journals.lastSideIndex(Journals.LATE);
        if (last < 0) {
            return RecordHeader.NO_INDEX;
        }
        try (JournalReader reader = journals.lateReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            return reader != null && reader.readAt(last, record) ? record.refIndex : RecordHeader.NO_INDEX;
        }
    }

    @Override
    public String name() {
        return "event-time";
    }

    /** True from the first watermark tick on. */
    boolean started() {
        return judge.started();
    }

    /** The pipeline's watermark, {@link Watermarks#NONE} before the first event after the first tick. */
    long watermarkNs() {
        return watermarks.watermarkNs();
    }

    Watermarks watermarks() {
        return watermarks;
    }

    long lateEvents() {
        return lateEvents;
    }

    long tooLateEvents() {
        return tooLateEvents;
    }

    long ticks() {
        return ticks;
    }

    long allowedLatenessNs() {
        return judge.allowedLatenessNs();
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (!judge.started()) {
            return;
        }
        final int template = slot.templateId;
        if (template != TransactionDecoder.TEMPLATE_ID && template != MetricSampleDecoder.TEMPLATE_ID ||
            slot.input.source == RecordHeader.SOURCE_SYNTHETIC) {
            return; // the server's own probes are no source: they neither hold nor move event time
        }
        final int verdict = judge.onEvent(slot.input.tenantId, slot.input.clientId, slot.eventTimeNs, slot.input.timeNs);
        if (verdict == EventTimeJudge.ON_TIME) {
            return;
        }
        slot.latenessNs = judge.latenessNs();
        if (verdict == EventTimeJudge.TOO_LATE) {
            tooLate(slot, judge.judgedWatermarkNs());
        } else {
            slot.late = true;
            if (!slot.alreadyAnswered) {
                lateEvents++;
            }
        }
    }

    private void tooLate(final EventSlot slot, final long watermark) {
        slot.tooLate = true;
        if (!slot.alreadyAnswered) {
            tooLateEvents++;
        }
        Arrays.fill(slot.features, 0f);
        slot.decision = DecisionRules.pack(slot.templateId == TransactionDecoder.TEMPLATE_ID ?
            DecisionRules.REVIEW : DecisionRules.APPROVE, DecisionRules.TOO_LATE);
        if (late == null || slot.alreadyAnswered || slot.input.index <= lateWrittenUpTo) {
            return;
        }
        final int length = LateRecord.compose(lateRecord, slot.input.payload(), slot.input.payloadLength, slot.latenessNs,
            watermark, judge.allowedLatenessNs());
        final long index = late.append(slot.input.timeNs, slot.input.sessionId, slot.input.clientId,
            slot.input.clientSequence, slot.input.index, slot.input.tenantId, slot.templateId, RecordHeader.SOURCE_ENGINE,
            lateRecord, 0, length);
        if (index == JournalWriter.FAILED && late.failures() == 1) {
            LOG.error("late journal append failed at input index {}; too-late events are still answered TOO_LATE " +
                "and stay in the input and output journals (logged once)", Long.toHexString(slot.input.index), late.lastFailure());
        }
    }

    @Override
    public void onControl(final ControlRecord control) {
        if (control.templateId() != WatermarkTickDecoder.TEMPLATE_ID) {
            return;
        }
        final WatermarkTickDecoder t = WatermarkControl.decode(control.buffer(), 0, tick, header);
        final long bound = t.maxOutOfOrdernessNs();
        final long idle = t.idleTimeoutNs();
        final long allowed = t.allowedLatenessNs();
        if (judge.onTick(t.observedTimeNs(), bound, idle, allowed)) {
            LOG.info("event time from input index {}: max out-of-orderness {} ms, idle timeout {} ms, allowed lateness {}",
                Long.toHexString(control.inputIndex()), bound / 1_000_000, idle / 1_000_000,
                allowed == WatermarkControl.UNBOUNDED ? "unbounded" : allowed / 1_000_000 + " ms");
        }
        ticks++;
    }

    void close() {
        if (late != null) {
            late.close();
        }
    }

    @Override
    public int sectionId() {
        return SECTION_ID;
    }

    @Override
    public int sectionVersion() {
        return SECTION_VERSION;
    }

    @Override
    public void writeSection(final WritableByteChannel out) throws IOException {
        final ByteBuffer head = ByteBuffer.allocate(HEAD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        head.put((byte)(judge.started() ? 1 : 0)).putLong(judge.idleTimeoutNs()).putLong(judge.allowedLatenessNs()).flip();
        while (head.hasRemaining()) {
            out.write(head);
        }
        watermarks.writeSnapshot(out);
    }

    @Override
    public void readSection(final int version, final ReadableByteChannel in) throws IOException {
        if (version != SECTION_VERSION) {
            throw new IOException("event-time section version " + version + ", this engine reads " + SECTION_VERSION);
        }
        final ByteBuffer head = ByteBuffer.allocate(HEAD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (head.hasRemaining()) {
            if (in.read(head) < 0) {
                throw new IOException("event-time section ends early");
            }
        }
        head.flip();
        final boolean started = head.get() != 0;
        final long idleTimeoutNs = head.getLong();
        final long allowedLatenessNs = head.getLong();
        judge.restore(started, idleTimeoutNs, allowedLatenessNs);
        watermarks.readSnapshot(in);
    }

    @Override
    public void clearState() {
        judge.clear();
    }
}
