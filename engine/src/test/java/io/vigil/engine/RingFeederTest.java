package io.vigil.engine;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The ring fed from two threads at once, as a server with {@code vigil.pipeline.feed=inline} does: an appender that
 * feeds after each of its appends (the gateway's network thread), a tailer thread feeding in a loop, and a second
 * writer whose records nobody announces (another process's control records). A small ring and a slow consumer make
 * the feeders find it full. Real Chronicle journals; the consumer checks that it receives every journaled record
 * exactly once, in journal order.
 */
@Timeout(120)
class RingFeederTest {
    private static final int ANNOUNCED = 100_000;
    private static final int UNANNOUNCED = 2_000;
    private static final long OTHER_WRITER = 2;

    @TempDir
    Path dir;

    @Test
    void shouldMoveEveryRecordOnceInJournalOrderWhoeverFeeds() throws Exception {
        final int total = ANNOUNCED + UNANNOUNCED;
        try (Journals journals = Journals.open(dir, RollCycles.FAST_DAILY)) {
            final RingBuffer<EventSlot> ring = RingBuffer.createMultiProducer(() -> new EventSlot(64), 64,
                new BusySpinWaitStrategy());
            final EventPoller<EventSlot> poller = ring.newPoller();
            ring.addGatingSequences(poller.getSequence());
            final RingFeeder feeder = new RingFeeder(ring);
            feeder.open(journals.inputReader(), RecordHeader.NO_INDEX);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicLong received = new AtomicLong();
            final List<Thread> threads = new ArrayList<>();

            // the consumer: every record once, indexes strictly increasing, each writer's sequences in order
            threads.add(new Thread(() -> {
                final long[] lastSequence = new long[3];
                final long[] lastIndex = {RecordHeader.NO_INDEX};
                long spins = 0;
                try {
                    while (received.get() < total) {
                        final EventPoller.PollState state = poller.poll((slot, sequence, endOfBatch) -> {
                            final long index = slot.input.index;
                            if (index <= lastIndex[0]) {
                                throw new AssertionError("index " + Long.toHexString(index) + " after " +
                                    Long.toHexString(lastIndex[0]));
                            }
                            lastIndex[0] = index;
                            final int writer = (int)slot.input.clientId;
                            if (slot.input.clientSequence != lastSequence[writer] + 1) {
                                throw new AssertionError("writer " + writer + ": sequence " + slot.input.clientSequence +
                                    " after " + lastSequence[writer]);
                            }
                            lastSequence[writer] = slot.input.clientSequence;
                            received.incrementAndGet();
                            return true;
                        });
                        if (state != EventPoller.PollState.PROCESSING && (++spins & 1023) == 0) {
                            Thread.yield();
                        }
                    }
                    assertEquals(ANNOUNCED, lastSequence[1]);
                    assertEquals(UNANNOUNCED, lastSequence[(int)OTHER_WRITER]);
                } catch (final Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "consumer"));

            // the gateway's role: append, then feed inline
            threads.add(new Thread(() -> appendAll(journals, 1, ANNOUNCED, feeder, failure), "announcing-writer"));
            // another writer of the same journal: nobody feeds for it
            threads.add(new Thread(() -> appendAll(journals, OTHER_WRITER, UNANNOUNCED, null, failure), "other-writer"));
            // the tailer's role: feed in a loop until everything arrived
            threads.add(new Thread(() -> {
                try {
                    while (received.get() < total && failure.get() == null) {
                        if (feeder.feed(TailerAgent.MAX_RECORDS_PER_CYCLE) == 0) {
                            Thread.yield();
                        }
                    }
                } catch (final Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "tailer"));

            for (final Thread thread : threads) {
                thread.start();
            }
            for (final Thread thread : threads) {
                thread.join(100_000);
            }
            assertNull(failure.get(), () -> "failed: " + failure.get());
            assertEquals(total, received.get(), "records received by the consumer");
            assertEquals(journals.lastInputIndex(), feeder.fedIndex(), "fed up to the journal's last record");

            feeder.close();
            assertEquals(0, feeder.feed(10), "a closed feeder moves nothing");
        }
    }

    private static void appendAll(final Journals journals, final long writer, final int count, final RingFeeder feeder,
        final AtomicReference<Throwable> failure) {
        try {
            final JournalWriter input = journals.inputWriter();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[16]);
            for (int i = 1; i <= count; i++) {
                payload.putLong(0, i);
                final long index = input.append(i, writer, writer, i, RecordHeader.NO_INDEX, 1, 1, 0, payload, 0, 16);
                if (index == JournalWriter.FAILED) {
                    throw new AssertionError("append failed: " + input.lastFailure());
                }
                if (feeder != null) {
                    feeder.journaled(index, TailerAgent.MAX_RECORDS_PER_CYCLE);
                }
                if (writer == OTHER_WRITER && (i & 63) == 0) {
                    Thread.yield();
                }
            }
            input.close();
        } catch (final Throwable t) {
            failure.compareAndSet(null, t);
        }
    }
}
