package io.vigil.engine;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionEncoder;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stage contract on a real pipeline (real journal, the real ONNX model): order, barrier, rejected events. */
@Timeout(30)
class PipelineStagesTest {
    @TempDir
    Path dir;

    /** Records what it is called with, and what the slot held at that moment. */
    private static final class Recorder implements Stage {
        private final String name;
        private final List<String> calls;

        Recorder(final String name, final List<String> calls) {
            this.name = name;
            this.calls = calls;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void onEvent(final EventSlot slot) {
            calls.add(name + " event " + slot.input.clientSequence + (slot.inferredNs != 0 ? " scored" : ""));
        }

        @Override
        public void onBatchEnd(final EventSlot[] batch, final int count) {
            calls.add(name + " batch of " + count);
        }
    }

    @Test
    void shouldRunStagesBeforeTheBarrierPerEventAndTheRestAfterTheBatchInference() throws Exception {
        final List<String> calls = new ArrayList<>();
        final StageAssembler recorders = stages -> {
            stages.add(1, new Recorder("early", calls));
            stages.add(stages.size() - 1, new Recorder("late", calls));
        };
        final List<Integer> answers = new ArrayList<>();
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY)) {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[128]);
            final long nowNs = EpochClock.nowNs();
            try (JournalWriter input = journals.inputWriter()) {
                for (int i = 1; i <= 3; i++) {
                    final TransactionEncoder tx = new TransactionEncoder().wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
                        .clientSequence(i).eventTimeNs(nowNs).accountId(5).merchantId(9).mcc(5411)
                        .amountMinor(i == 2 ? 0 : 1000).currency("EUR").country("DE").channel(Channel.POS).label(Label.UNKNOWN);
                    input.append(nowNs, 1, 1, i, -1, 1, TransactionEncoder.TEMPLATE_ID, 0, message, 0,
                        MessageHeaderEncoder.ENCODED_LENGTH + tx.encodedLength());
                }
            }
            final VigilConfig config = VigilConfig.of(Map.of(VigilConfig.DATA_DIR.name(), dir.toString()));
            try (Pipeline pipeline = Engine.newPipeline(new EngineContext(config), journals,
                     (session, buffer, offset, length) -> answers.add(length), false, recorders);
                 JournalReader reader = journals.inputReader()) {
                final EventSlot[] slots = {new EventSlot(512), new EventSlot(512), new EventSlot(512)};
                for (final EventSlot slot : slots) {
                    assertTrue(reader.read(slot.input));
                    pipeline.stage(slot);
                }
                assertEquals(List.of("early event 1", "early event 3"), calls,
                    "stages before the barrier run as events arrive; the rejected event 2 skips them");
                pipeline.flush();
                assertEquals(RejectReason.INVALID_AMOUNT.value(), slots[1].rejectReason);
                assertEquals(3, pipeline.answered(), "the output stage answers the rejected event too");
                assertEquals(3, answers.size());
                assertEquals(1, pipeline.rejected());
            }
        }
        assertEquals(List.of("early event 1", "early event 3", "early batch of 3", "late event 1 scored",
            "late event 3 scored", "late batch of 3"), calls,
            "after the model's batch step, each event passes the later stages in order, scored");
    }

    /**
     * Stage end times are stamped only where latencies are recorded (the live engine): a replay's pipeline reads no
     * clock per stage and event, and the same events through a pipeline that records latencies carry every stamp.
     */
    @Test
    void shouldStampStageTimesOnlyWhereLatenciesAreRecorded() throws Exception {
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY)) {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[128]);
            final long nowNs = EpochClock.nowNs();
            try (JournalWriter input = journals.inputWriter()) {
                for (int i = 1; i <= 2; i++) {
                    final TransactionEncoder tx = new TransactionEncoder().wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
                        .clientSequence(i).eventTimeNs(nowNs).accountId(5).merchantId(9).mcc(5411)
                        .amountMinor(1000).currency("EUR").country("DE").channel(Channel.POS).label(Label.UNKNOWN);
                    input.append(nowNs, 1, 1, i, -1, 1, TransactionEncoder.TEMPLATE_ID, 0, message, 0,
                        MessageHeaderEncoder.ENCODED_LENGTH + tx.encodedLength());
                }
            }
            final VigilConfig config = VigilConfig.of(Map.of(VigilConfig.DATA_DIR.name(), dir.toString()));
            for (final boolean recorded : new boolean[] {false, true}) {
                final StageLatencies latencies = new StageLatencies();
                try (Pipeline pipeline = Engine.newPipeline(new EngineContext(config), journals, ResponseSink.NONE, false);
                     JournalReader reader = journals.inputReader()) {
                    if (recorded) {
                        pipeline.recordLatencies(latencies);
                    }
                    final EventSlot[] slots = {new EventSlot(512), new EventSlot(512)};
                    for (final EventSlot slot : slots) {
                        assertTrue(reader.read(slot.input));
                        pipeline.stage(slot);
                    }
                    pipeline.flush();
                    for (final EventSlot slot : slots) {
                        final long[] stamps = {slot.validatedNs, slot.featuresNs, slot.anomalyNs, slot.decidedNs};
                        for (final long stamp : stamps) {
                            assertEquals(recorded, stamp != 0, "recorded " + recorded + ": " + java.util.Arrays.toString(stamps));
                        }
                        assertEquals(recorded, slot.timed);
                        assertTrue(slot.inferredNs != 0, "the model stage stamps its batch either way");
                    }
                    assertEquals(2, pipeline.answered());
                }
            }
        }
    }

    @Test
    void shouldRefuseTwoStagesWithTheSameCheckpointSection() {
        final VigilConfig config = VigilConfig.of(Map.of(VigilConfig.DATA_DIR.name(), dir.toString()));
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY)) {
            final IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                () -> Engine.newPipeline(new EngineContext(config), journals, ResponseSink.NONE, false,
                    stages -> stages.add(new FeaturesStage(new io.vigil.scoring.features.TransactionFeatures(1)))));
            assertTrue(thrown.getMessage().contains("two stages write checkpoint section 1"), thrown.getMessage());
        }
    }
}
