package io.vigil.engine;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watchdog over the tailer and pipeline agents of a real engine (real journals, the real ONNX model): a killed
 * thread is reported dead, a stuck one stalled, each through {@link Engine#health()}, and the engine still closes.
 */
@Timeout(60)
class EngineSupervisionTest {
    private static final long STUCK_ACCOUNT = 7;

    @TempDir
    Path dir;

    private final UnsafeBuffer message = new UnsafeBuffer(new byte[128]);
    private long sequence;

    private EngineContext config() {
        return new EngineContext(VigilConfig.of(Map.of()))
            .dataDir(dir)
            .checkpointIntervalEvents(0)
            .watchdogStallTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300));
    }

    private void append(final JournalWriter input, final long account, final int events) {
        final long nowNs = EpochClock.nowNs();
        for (int i = 0; i < events; i++) {
            sequence++;
            final TransactionEncoder tx = new TransactionEncoder().wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
                .clientSequence(sequence).eventTimeNs(nowNs).accountId(account).merchantId(9)
                .mcc(5411).amountMinor(1000 + i).currency("EUR").country("DE").channel(Channel.POS).label(Label.UNKNOWN);
            input.append(nowNs, 1, 1, sequence, -1, 1, TransactionEncoder.TEMPLATE_ID, 0, message, 0,
                MessageHeaderEncoder.ENCODED_LENGTH + tx.encodedLength());
        }
    }

    private static AgentHealth awaitAgent(final Engine engine, final String name, final Predicate<AgentHealth> condition)
        throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        AgentHealth agent = engine.health().agent(name);
        while (!condition.test(agent) && System.nanoTime() < deadline) {
            Thread.sleep(5);
            agent = engine.health().agent(name);
        }
        return agent;
    }

    private static Thread thread(final String name) {
        for (final Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals(name) && thread.isAlive()) {
                return thread;
            }
        }
        throw new AssertionError("no live thread " + name);
    }

    @Test
    void shouldReportAKilledTailerAsDead() throws Exception {
        final AtomicLong answered = new AtomicLong();
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY);
             JournalWriter input = journals.inputWriter();
             Engine engine = Engine.start(config(), journals, (session, buffer, offset, length) -> answered.incrementAndGet())) {
            append(input, 1, 20);
            assertTrue(engine.awaitCaughtUp(10, TimeUnit.SECONDS));
            assertTrue(engine.health().healthy(), engine.health().toString());

            thread(Engine.TAILER_THREAD).interrupt();
            final AgentHealth tailer = awaitAgent(engine, Engine.TAILER_THREAD, a -> a.state() == AgentHealth.State.DEAD);
            assertEquals(AgentHealth.State.DEAD, tailer.state(), engine.health().toString());
            assertFalse(engine.health().healthy());
            assertEquals(1, engine.health().deathsDetected());
            assertEquals(AgentHealth.State.RUNNING, engine.health().agent(Engine.PIPELINE_THREAD).state());

            append(input, 1, 5);
            Thread.sleep(100);
            assertEquals(20, answered.get(), "nothing reads the journal any more");
        }
    }

    @Test
    void shouldReportAPipelineKilledByAnErrorAsDeadAndStillClose() throws Exception {
        final AtomicLong answered = new AtomicLong();
        final StageAssembler killer = stages -> stages.add(1, new Stage() {
            @Override
            public String name() {
                return "killer";
            }

            @Override
            public void onEvent(final EventSlot slot) {
                if (slot.templateId == TransactionDecoder.TEMPLATE_ID && slot.entityKey == STUCK_ACCOUNT) {
                    throw new OutOfMemoryError("injected");
                }
            }
        });
        final Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY);
        try (journals; JournalWriter input = journals.inputWriter()) {
            final Engine engine = Engine.start(config(), journals, (session, buffer, offset, length) -> answered.incrementAndGet(),
                killer);
            try {
                append(input, 1, 10);
                assertTrue(engine.awaitCaughtUp(10, TimeUnit.SECONDS));
                append(input, STUCK_ACCOUNT, 1);
                final AgentHealth pipeline = awaitAgent(engine, Engine.PIPELINE_THREAD,
                    a -> a.state() == AgentHealth.State.DEAD);
                assertEquals(AgentHealth.State.DEAD, pipeline.state(), engine.health().toString());
                assertTrue(pipeline.lastError().contains("OutOfMemoryError: injected"), pipeline.lastError());
                assertEquals(AgentHealth.State.RUNNING, engine.health().agent(Engine.TAILER_THREAD).state());
            } finally {
                final long startNs = System.nanoTime();
                engine.close();
                assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(30), "close does not wait for a dead thread");
            }
            assertEquals(10, answered.get());
        }
    }

    @Test
    void shouldReportAStuckPipelineAsStalledAndAsRunningOnceItMovesAgain() throws Exception {
        final AtomicLong answered = new AtomicLong();
        final StageAssembler stuck = stages -> stages.add(1, new Stage() {
            @Override
            public String name() {
                return "stuck";
            }

            @Override
            public void onEvent(final EventSlot slot) {
                if (slot.templateId == TransactionDecoder.TEMPLATE_ID && slot.entityKey == STUCK_ACCOUNT) {
                    try {
                        Thread.sleep(1_500);
                    } catch (final InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY);
             JournalWriter input = journals.inputWriter();
             Engine engine = Engine.start(config(), journals, (session, buffer, offset, length) -> answered.incrementAndGet(),
                 stuck)) {
            append(input, STUCK_ACCOUNT, 1);
            append(input, 1, 50);
            final AgentHealth stalled = awaitAgent(engine, Engine.PIPELINE_THREAD,
                a -> a.state() == AgentHealth.State.STALLED);
            assertEquals(AgentHealth.State.STALLED, stalled.state(), engine.health().toString());
            assertFalse(engine.health().healthy());
            final AgentHealth recovered = awaitAgent(engine, Engine.PIPELINE_THREAD,
                a -> a.state() == AgentHealth.State.RUNNING);
            assertEquals(AgentHealth.State.RUNNING, recovered.state(), engine.health().toString());
            assertTrue(engine.awaitCaughtUp(10, TimeUnit.SECONDS));
            assertEquals(51, answered.get(), "every event answered once the pipeline moved again");
            assertEquals(1, engine.health().stallsDetected());
            assertEquals(0, engine.health().deathsDetected());
        }
    }

    @Test
    void shouldAnswerEveryEventWhenABatchStepThrows() throws Exception {
        final AtomicLong answered = new AtomicLong();
        final AtomicLong batches = new AtomicLong();
        final StageAssembler failingBatch = stages -> stages.add(1, new Stage() {
            @Override
            public String name() {
                return "flaky-batch";
            }

            @Override
            public void onEvent(final EventSlot slot) {
            }

            @Override
            public void onBatchEnd(final EventSlot[] batch, final int count) {
                if (batches.incrementAndGet() == 1) {
                    throw new IllegalStateException("injected batch failure");
                }
            }
        });
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY);
             JournalWriter input = journals.inputWriter();
             Engine engine = Engine.start(config(), journals, (session, buffer, offset, length) -> answered.incrementAndGet(),
                 failingBatch)) {
            append(input, 1, 30);
            assertTrue(engine.awaitCaughtUp(10, TimeUnit.SECONDS));
            append(input, 2, 30);
            assertTrue(engine.awaitCaughtUp(10, TimeUnit.SECONDS));
            assertEquals(60, answered.get(), "the failing batch was answered too");
            assertTrue(batches.get() >= 2, "the pipeline went on with later batches");
            assertEquals(0, engine.internalErrors());
            assertTrue(engine.health().healthy(), engine.health().toString());
        }
    }
}
