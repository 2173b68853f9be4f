package io.vigil.replay;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.WatermarkTickDecoder;
import io.vigil.engine.EventValidator;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.FeatureEvent;
import io.vigil.scoring.time.EventTimeJudge;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.util.Arrays;

/**
 * The batch side of "batch = stream" ({@code vigil features backfill}, docs/features.md "Backfill"): takes input
 * records one at a time, in arrival order, and computes each transaction's feature vector as the live pipeline does
 * at that point of the stream, with the same code: the engine's {@link EventValidator} (a rejected event changes no
 * state and has no row), {@link EventTimeJudge} (the judgement the pipeline's event-time stage makes: late events are
 * applied and flagged, too-late ones are not applied and get zero features, exactly as the stage zeroes the slot),
 * and {@link CompiledFeatures} fed through {@link FeatureEvent#set(int, TransactionDecoder)} (what the features stage
 * feeds it). A row is emitted as soon as its event is processed, before any later record is read: no row can reflect
 * a later event (point-in-time correct by construction).
 *
 * <p>It mirrors {@code Pipeline.stage} for the stages that decide features: a control record (header source ADMIN,
 * template 30 to 59) is not an event, and a {@code WatermarkTick} among them sets the policy and idleness; the
 * synthetic prober's transactions update feature state as they do live but are no source of event time and have no
 * row (as in {@code replay export}); metric samples move their source's watermark and have no row; repair
 * placeholders ({@link RecordHeader#SOURCE_LOST}) are passed over.
 *
 * <p>Not thread-safe; one per run. Allocation-free per record after construction (a new key or source may grow the
 * tables); the row sink may allocate.
 */
final class Backfill {
    /** First and limit SBE template ids of control records (as the engine's ControlTemplates). */
    static final int CONTROL_FIRST_ID = 30;
    static final int CONTROL_LIMIT_ID = 60;

    /** One output row; reused for every row (the sink copies what it keeps). */
    static final class Row {
        /** Input index of a journal record, or the data row number (from 1) of a file. */
        long inputIndex;
        int tenant;
        long account;
        long eventTimeNs;
        /** Behind the watermark within the allowed lateness: applied (LATE_EVENT live). */
        boolean late;
        /** Behind it by more: not applied, features all 0 (TOO_LATE live). */
        boolean tooLate;
        /** How far behind the watermark (ns), 0 when not. */
        long latenessNs;
        final float[] features;

        Row(final int width) {
            features = new float[width];
        }
    }

    /** Where rows go, in input order. */
    interface RowSink {
        void row(Row row) throws IOException;
    }

    private final CompiledFeatures features;
    private final EventValidator validator;
    private final EventTimeJudge judge;
    private final RowSink sink;
    private final Row row;
    private final FeatureEvent event = new FeatureEvent();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TransactionDecoder transaction = new TransactionDecoder();
    private final MetricSampleDecoder metric = new MetricSampleDecoder();
    private final WatermarkTickDecoder tick = new WatermarkTickDecoder();

    private long records;
    private long rows;
    private long rejected;
    private long lateRows;
    private long tooLateRows;
    private long ticks;
    private long skipped;
    private long badTicks;
    private int lastReject;

    Backfill(final CompiledFeatures features, final EventValidator validator, final int expectedSources, final RowSink sink) {
        this.features = features;
        this.validator = validator;
        this.judge = new EventTimeJudge(expectedSources);
        this.sink = sink;
        this.row = new Row(features.width());
    }

    /** A watermark tick (journaled, or the one a file input starts with): as the event-time stage applies it. */
    void tick(final long observedNs, final long maxOutOfOrdernessNs, final long idleTimeoutNs, final long allowedLatenessNs) {
        judge.onTick(observedNs, maxOutOfOrdernessNs, idleTimeoutNs, allowedLatenessNs);
        ticks++;
    }

    /**
     * One input record, as the pipeline stages it.
     *
     * @param index   its input index (a file's row number)
     * @param source  the journal header's source ({@link RecordHeader#SOURCE_GATEWAY} for a client's event)
     * @param ingestNs the journal header's ingest time
     * @return false when the record was rejected by validation (no state changed, no row); then
     *     {@link #lastReject()} is the reject reason.
     */
    boolean record(final long index, final int source, final int tenant, final long client, final long ingestNs,
        final DirectBuffer payload, final int length) throws IOException {
        records++;
        if (source == RecordHeader.SOURCE_LOST) {
            skipped++;
            return true; // a repair's placeholder for a lost record: nothing to replay (as Replayer)
        }
        if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
            return reject(io.vigil.codecs.sbe.RejectReason.FRAME_TOO_SHORT.value());
        }
        header.wrap(payload, 0);
        final int template = header.templateId();
        if (source == RecordHeader.SOURCE_ADMIN && template >= CONTROL_FIRST_ID && template < CONTROL_LIMIT_ID) {
            if (template == WatermarkTickDecoder.TEMPLATE_ID) {
                tick.wrapAndApplyHeader(payload, 0, header);
                try {
                    tick(tick.observedTimeNs(), tick.maxOutOfOrdernessNs(), tick.idleTimeoutNs(), tick.allowedLatenessNs());
                } catch (final IllegalArgumentException ex) {
                    badTicks++; // a policy out of range: the pipeline logs it and goes on, nothing changes
                }
            }
            return true; // other control records (rules) change no feature or event-time state
        }
        final boolean synthetic = source == RecordHeader.SOURCE_SYNTHETIC;
        if (template == MetricSampleDecoder.TEMPLATE_ID) {
            final int reason;
            final long eventTimeNs;
            try {
                final MetricSampleDecoder m = metric.wrapAndApplyHeader(payload, 0, header);
                eventTimeNs = m.eventTimeNs();
                reason = validator.validate(m, ingestNs);
            } catch (final IndexOutOfBoundsException ex) {
                return reject(io.vigil.codecs.sbe.RejectReason.INTERNAL_ERROR.value());
            }
            if (reason != 0) {
                return reject(reason);
            }
            if (!synthetic) {
                judge.onEvent(tenant, client, eventTimeNs, ingestNs);
            }
            return true;
        }
        if (template != TransactionDecoder.TEMPLATE_ID) {
            return reject(io.vigil.codecs.sbe.RejectReason.UNEXPECTED_MESSAGE.value());
        }
        final TransactionDecoder tx;
        final int reason;
        try {
            tx = transaction.wrapAndApplyHeader(payload, 0, header);
            reason = validator.validate(tx, ingestNs);
        } catch (final IndexOutOfBoundsException ex) {
            return reject(io.vigil.codecs.sbe.RejectReason.INTERNAL_ERROR.value());
        }
        if (reason != 0) {
            return reject(reason);
        }
        final long eventTimeNs = tx.eventTimeNs();
        final int verdict = synthetic ? EventTimeJudge.ON_TIME : judge.onEvent(tenant, client, eventTimeNs, ingestNs);
        final Row r = row;
        if (verdict == EventTimeJudge.TOO_LATE) {
            Arrays.fill(r.features, 0f); // as the event-time stage zeroes the slot: no stage computes its features
        } else {
            features.onEvent(event.set(tenant, tx), r.features, 0);
        }
        if (synthetic) {
            return true; // the server's own probe: state as live, but no business event and no row
        }
        r.inputIndex = index;
        r.tenant = tenant;
        r.account = tx.accountId();
        r.eventTimeNs = eventTimeNs;
        r.late = verdict == EventTimeJudge.LATE;
        r.tooLate = verdict == EventTimeJudge.TOO_LATE;
        r.latenessNs = verdict == EventTimeJudge.ON_TIME ? 0 : judge.latenessNs();
        if (r.late) {
            lateRows++;
        } else if (r.tooLate) {
            tooLateRows++;
        }
        sink.row(r);
        rows++;
        return true;
    }

    private boolean reject(final int reason) {
        rejected++;
        lastReject = reason;
        return false;
    }

    /** The reject reason (RejectReason value) of the last rejected record. */
    int lastReject() {
        return lastReject;
    }

    long records() {
        return records;
    }

    long rows() {
        return rows;
    }

    long rejected() {
        return rejected;
    }

    long lateRows() {
        return lateRows;
    }

    long tooLateRows() {
        return tooLateRows;
    }

    long ticks() {
        return ticks;
    }

    /** Ticks with a policy out of range, not applied (the pipeline counts them as control failures). */
    long badTicks() {
        return badTicks;
    }

    /** Repair placeholders passed over. */
    long skipped() {
        return skipped;
    }

    EventTimeJudge judge() {
        return judge;
    }
}
