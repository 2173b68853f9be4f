package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.WindowResultDecoder;
import io.vigil.codecs.sbe.WindowResultEncoder;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.time.EventTimeWindows;
import io.vigil.scoring.time.WindowResultSink;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Writes closed windows to the window-results journal ({@code windows/}), one {@code WindowResult} record per key and
 * window: header time = the ingest time of the record whose watermark closed it, tenant, {@code refIndex} = that
 * record's input index ({@code triggerIndex}), code = the WindowResult template, source
 * {@link RecordHeader#SOURCE_ENGINE}, {@code clientSequence} = the firing number (0: the window's first result; 1, 2...:
 * late firings, each a revised result that replaces the earlier ones; records written before late firings existed
 * hold 0 there). Each result of one trigger gets an ordinal from 0, in the producer's emission
 * order; at start the last record's (triggerIndex, ordinal) is read back, and a recovery that emits the same results
 * again writes none up to it: each (key, window) is in the journal exactly once.
 *
 * <p>Not thread-safe: the pipeline thread. Allocation-free per result (a producer's name is encoded once).
 */
final class WindowResultsJournal implements WindowResultSink {
    private static final Logger LOG = LoggerFactory.getLogger(WindowResultsJournal.class);
    private static final int MAX_VALUES = 64;
    private static final int BUFFER_BYTES = 512 + MAX_VALUES * 8;

    private final JournalWriter writer;
    private final long writtenTrigger;
    private final long writtenOrdinal;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[BUFFER_BYTES]);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final WindowResultEncoder encoder = new WindowResultEncoder();
    private EventTimeWindows namedWindow;
    private byte[] name;
    private long triggerIndex = RecordHeader.NO_INDEX;
    private long triggerTimeNs;
    private long watermarkNs;
    private int ordinal;
    private long emitted;
    private long written;

    /** @param writer where results go; null for a dry run (results are counted, not written). */
    WindowResultsJournal(final JournalWriter writer, final Journals journals) {
        this.writer = writer;
        long trigger = RecordHeader.NO_INDEX;
        long lastOrdinal = -1;
        if (writer != null && journals.lastSideIndex(Journals.WINDOWS) >= 0) {
            try (JournalReader reader = journals.windowsReader()) {
                final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                if (reader != null && reader.readAt(journals.lastSideIndex(Journals.WINDOWS), record)) {
                    final WindowResultDecoder d = new WindowResultDecoder().wrapAndApplyHeader(record.payload(), 0,
                        new MessageHeaderDecoder());
                    trigger = d.triggerIndex();
                    lastOrdinal = d.ordinal();
                }
            }
        }
        this.writtenTrigger = trigger;
        this.writtenOrdinal = lastOrdinal;
    }

    /** The results that follow are closed by the record at {@code inputIndex} (ingested at {@code timeNs}). */
    void trigger(final long inputIndex, final long timeNs, final long watermarkNs) {
        if (inputIndex != triggerIndex) {
            triggerIndex = inputIndex;
            ordinal = 0;
        }
        this.triggerTimeNs = timeNs;
        this.watermarkNs = watermarkNs;
    }

    long emitted() {
        return emitted;
    }

    long written() {
        return written;
    }

    @Override
    public void onWindow(final EventTimeWindows window, final int tenant, final long key, final long startNs,
        final long endNs, final double[] values, final int valueCount) {
        onWindow(window, tenant, key, startNs, endNs, values, valueCount, 0);
    }

    @Override
    public void onWindow(final EventTimeWindows window, final int tenant, final long key, final long startNs,
        final long endNs, final double[] values, final int valueCount, final int firing) {
        final int thisOrdinal = ordinal++;
        emitted++;
        if (writer == null || triggerIndex < writtenTrigger || triggerIndex == writtenTrigger && thisOrdinal <= writtenOrdinal) {
            return;
        }
        if (window != namedWindow) {
            namedWindow = window;
            name = window.name().getBytes(StandardCharsets.US_ASCII);
        }
        final int count = Math.min(valueCount, MAX_VALUES);
        encoder.wrapAndApplyHeader(buffer, 0, header)
            .tenantId(tenant)
            .key(key)
            .windowStartNs(startNs)
            .windowEndNs(endNs)
            .watermarkNs(watermarkNs)
            .triggerIndex(triggerIndex)
            .ordinal(thisOrdinal)
            .windowId(window.windowId());
        final WindowResultEncoder.ValuesEncoder group = encoder.valuesCount(count);
        for (int i = 0; i < count; i++) {
            group.next().value(values[i]);
        }
        encoder.putWindowName(name, 0, name.length);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        final long index = writer.append(triggerTimeNs, 0, 0, firing, triggerIndex, tenant, WindowResultEncoder.TEMPLATE_ID,
            RecordHeader.SOURCE_ENGINE, buffer, 0, length);
        if (index == JournalWriter.FAILED) {
            if (writer.failures() == 1) {
                LOG.error("window-results journal append failed at trigger index {}; the results are lost from the " +
                    "journal, decisions go on (logged once)", Long.toHexString(triggerIndex), writer.lastFailure());
            }
            return;
        }
        written++;
    }

    void close() {
        if (writer != null) {
            writer.close();
        }
    }
}
