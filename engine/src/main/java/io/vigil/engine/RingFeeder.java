package io.vigil.engine;

import com.lmax.disruptor.RingBuffer;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.RecordHeader;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Moves input journal records into the Disruptor ring, in journal order, for whichever thread calls {@link #feed}
 * first: the tailer agent's thread, and the gateway's network thread right after its own appends (so an event it
 * journaled reaches the ring without waking another thread: {@link VigilConfig#FEED}). Whatever the caller, the ring
 * receives exactly what the journal holds, in the journal's order, other writers' records included (control records
 * appended by {@code vigil rules set}): the journal stays the pipeline's only input.
 *
 * <p><b>One feeder at a time.</b> The journal reader is single-threaded and the ring must get records in order: a caller
 * takes the {@code busy} flag with a compare-and-set, moves what it can, and lets it go; a caller that finds it taken
 * returns at once. The flag's release and the next acquisition order every use of the reader and the ring's
 * producer side (happens-before), wherever they run. A record journaled while another caller held the flag is not
 * left behind: {@link #journaled} publishes the appender's newest index before it tries the flag, and the holder
 * looks at that index again after letting the flag go (both sides store, then load: volatile accesses, sequentially
 * consistent), so one of the two moves it.
 *
 * <p>Never blocks: it claims a ring slot only when the ring has room. Allocation-free per record.
 */
final class RingFeeder implements AutoCloseable {
    private final RingBuffer<EventSlot> ring;
    /** Held from construction until {@link #open}, and for good after {@link #close}. */
    private final AtomicBoolean busy = new AtomicBoolean(true);
    private final JournalReader.Claim claim;
    private JournalReader reader;
    private long claimedSequence;
    private long lastFedIndex = RecordHeader.NO_INDEX;
    /** Input index of the last record moved into the ring; any thread reads it. */
    private volatile long fedIndex = RecordHeader.NO_INDEX;
    /** Newest input index an inline caller journaled (a hint: see the class comment). */
    private volatile long journaledIndex = RecordHeader.NO_INDEX;

    RingFeeder(final RingBuffer<EventSlot> ring) {
        this.ring = ring;
        this.claim = new JournalReader.Claim() {
            @Override
            public JournalRecord claim() {
                claimedSequence = ring.next();
                final EventSlot slot = ring.get(claimedSequence);
                slot.tailerNs = System.nanoTime();
                return slot.input;
            }

            @Override
            public void commit() {
                lastFedIndex = ring.get(claimedSequence).input.index;
                ring.publish(claimedSequence);
            }
        };
    }

    /**
     * Hands the feeder its reader, positioned after the record the restored state reflects (opened by the tailer
     * thread, which calls this), and lets callers in.
     */
    void open(final JournalReader positioned, final long restoredIndex) {
        reader = positioned.handedBetweenThreads();
        lastFedIndex = restoredIndex;
        fedIndex = restoredIndex;
        busy.set(false);
    }

    /**
     * Says that the caller journaled the record at {@code index} and moves what it can, the caller's record first
     * among those after the last fed; the gateway's network thread, after each append.
     *
     * @return records moved into the ring by this call.
     */
    int journaled(final long index, final int max) {
        journaledIndex = index;
        return feed(max);
    }

    /**
     * Moves up to {@code max} records into the ring, fewer if the ring is full or the journal has no more; 0 at once
     * when another thread is feeding.
     *
     * @return records moved by this call.
     */
    int feed(final int max) {
        int moved = 0;
        while (busy.compareAndSet(false, true)) {
            int work = 0;
            try {
                while (moved + work < max && ring.hasAvailableCapacity(1) && reader.poll(claim)) {
                    work++;
                }
                if (work > 0) {
                    fedIndex = lastFedIndex;
                }
            } finally {
                busy.set(false);
            }
            moved += work;
            // go again only for a record journaled while the flag was held: its appender may have given up on the flag
            if (work == 0 || moved >= max || journaledIndex <= fedIndex || !ring.hasAvailableCapacity(1)) {
                break;
            }
        }
        return moved;
    }

    /** Input index of the last record moved into the ring (-1: none since the restored state); any thread. */
    long fedIndex() {
        return fedIndex;
    }

    /**
     * Waits for any caller to finish, then closes the reader; later calls of {@link #feed} move nothing. The tailer
     * thread, when it stops.
     */
    @Override
    public void close() {
        while (!busy.compareAndSet(false, true)) {
            if (reader == null) {
                // never opened (the tailer thread failed before open, and it is the thread calling this)
                return;
            }
            Thread.onSpinWait();
        }
        // the flag stays held: no caller gets in again
        reader.close();
    }
}
