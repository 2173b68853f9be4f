package io.vigil.engine;

import com.lmax.disruptor.RingBuffer;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;

/**
 * The tailer thread's duty-cycle agent: reads the input journal (the pipeline's only input) into the Disruptor ring,
 * up to {@link #MAX_RECORDS_PER_CYCLE} records a cycle, never more than the ring has room for (it never blocks on a
 * full ring, so its heartbeat keeps advancing while the pipeline catches up). Opens its journal reader on its own
 * thread (Chronicle tailers are single-threaded) after the input index the restored state reflects.
 *
 * <p>Runs on the tailer thread; {@link #hasWork()} is safe from any thread. Allocation-free per record.
 */
final class TailerAgent extends SupervisedAgent {
    /** Most records one duty cycle moves into the ring. */
    static final int MAX_RECORDS_PER_CYCLE = 256;

    private final Journals journals;
    private final RingBuffer<EventSlot> ring;
    private final long restoredIndex;
    private final RingFeeder feeder;

    TailerAgent(final Journals journals, final RingBuffer<EventSlot> ring, final long restoredIndex,
        final RingFeeder feeder) {
        super(Engine.TAILER_THREAD);
        this.journals = journals;
        this.ring = ring;
        this.restoredIndex = restoredIndex;
        this.feeder = feeder;
    }

    @Override
    public void onStart() {
        final JournalReader opened = journals.inputReader();
        if (restoredIndex != RecordHeader.NO_INDEX &&
            !opened.readAt(restoredIndex, new JournalRecord(RecordHeader.LENGTH))) {
            opened.close();
            throw new IllegalStateException("input index " + Long.toHexString(restoredIndex) + " of the checkpoint vanished");
        }
        feeder.open(opened, restoredIndex);
    }

    @Override
    public int doWork() {
        beat();
        return feeder.feed(MAX_RECORDS_PER_CYCLE);
    }

    @Override
    boolean hasWork() {
        return ring.remainingCapacity() > 0 && journals.lastInputIndex() > feeder.fedIndex();
    }

    @Override
    public void onClose() {
        feeder.close();
    }
}
