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
    private final JournalReader.Claim claim;
    private JournalReader reader;
    private volatile long tailedIndex = RecordHeader.NO_INDEX;
    private long lastClaimedIndex = RecordHeader.NO_INDEX;

    TailerAgent(final Journals journals, final RingBuffer<EventSlot> ring, final long restoredIndex) {
        super(Engine.TAILER_THREAD);
        this.journals = journals;
        this.ring = ring;
        this.restoredIndex = restoredIndex;
        this.claim = new JournalReader.Claim() {
            private long sequence;

            @Override
            public JournalRecord claim() {
                sequence = ring.next();
                final EventSlot slot = ring.get(sequence);
                slot.tailerNs = System.nanoTime();
                return slot.input;
            }

            @Override
            public void commit() {
                lastClaimedIndex = ring.get(sequence).input.index;
                ring.publish(sequence);
            }
        };
    }

    @Override
    public void onStart() {
        final JournalReader opened = journals.inputReader();
        if (restoredIndex != RecordHeader.NO_INDEX &&
            !opened.readAt(restoredIndex, new JournalRecord(RecordHeader.LENGTH))) {
            opened.close();
            throw new IllegalStateException("input index " + Long.toHexString(restoredIndex) + " of the checkpoint vanished");
        }
        reader = opened;
        tailedIndex = restoredIndex;
    }

    @Override
    public int doWork() {
        beat();
        int work = 0;
        while (work < MAX_RECORDS_PER_CYCLE && ring.hasAvailableCapacity(1) && reader.poll(claim)) {
            work++;
        }
        if (work > 0) {
            tailedIndex = lastClaimedIndex;
        }
        return work;
    }

    @Override
    boolean hasWork() {
        return ring.remainingCapacity() > 0 && journals.lastInputIndex() > tailedIndex;
    }

    @Override
    public void onClose() {
        if (reader != null) {
            reader.close();
        }
    }
}
