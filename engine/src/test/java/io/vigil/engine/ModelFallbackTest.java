package io.vigil.engine;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.scoring.model.ModelLoadException;
import io.vigil.scoring.rules.DecisionRules;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class ModelFallbackTest {
    private static final int EVENTS = 40;

    @TempDir
    Path dir;

    private static Path failingModel() throws URISyntaxException {
        return Path.of(ModelFallbackTest.class.getResource("/failing-model.onnx").toURI());
    }

    /** Journals EVENTS valid transactions, runs them through a pipeline, returns the decisions' packed reasons. */
    private List<int[]> run(final Map<String, String> settings, final long budgetNs, final long[] fallbacks) {
        final List<int[]> decisions = new ArrayList<>();
        final VigilConfig config = VigilConfig.of(settings);
        try (Journals journals = Journals.open(dir, RollCycles.FAST_DAILY)) {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[128]);
            final long nowNs = System.currentTimeMillis() * 1_000_000L;
            try (JournalWriter input = journals.inputWriter()) {
                for (int i = 1; i <= EVENTS; i++) {
                    final TransactionEncoder tx = new TransactionEncoder().wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
                        .clientSequence(i).eventTimeNs(nowNs - (EVENTS - i) * 1_000_000_000L).accountId(1 + i % 3).merchantId(9)
                        .mcc(5411).amountMinor(1000 + i).currency("EUR").country("DE").channel(Channel.POS).label(Label.UNKNOWN);
                    input.append(nowNs, 1, 1, i, -1, 1, TransactionEncoder.TEMPLATE_ID, 0, message, 0,
                        MessageHeaderEncoder.ENCODED_LENGTH + tx.encodedLength());
                }
            }
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final DecisionDecoder decision = new DecisionDecoder();
            try (Pipeline pipeline = Engine.newPipeline(new EngineContext(config), journals, (session, buffer, offset, length) -> {
                header.wrap(buffer, offset);
                if (header.templateId() == DecisionDecoder.TEMPLATE_ID) {
                    decision.wrapAndApplyHeader(buffer, offset, header);
                    decisions.add(new int[] {decision.action().value(), decision.reasons().buffer().getInt(
                        decision.offset() + DecisionDecoder.reasonsEncodingOffset(), DecisionDecoder.BYTE_ORDER)});
                }
            }, false);
                 JournalReader reader = journals.inputReader()) {
                pipeline.inferenceBudgetNs(budgetNs);
                final EventSlot[] slots = new EventSlot[pipeline.maxBatch()];
                for (int i = 0; i < slots.length; i++) {
                    slots[i] = new EventSlot(512);
                }
                int next = 0;
                while (reader.read(slots[next].input)) {
                    pipeline.stage(slots[next]);
                    next = (next + 1) % slots.length;
                    if (next == 0) {
                        pipeline.flush();
                    }
                }
                pipeline.flush();
                fallbacks[0] = pipeline.modelFallbacks();
            }
        }
        return decisions;
    }

    @Test
    void shouldDecideByRulesWithModelFallbackWhenInferenceThrows() throws Exception {
        final long[] fallbacks = new long[1];
        final List<int[]> decisions = run(Map.of(VigilConfig.MODEL_PATH.name(), failingModel().toString()), 0, fallbacks);
        assertEquals(EVENTS, decisions.size(), "every event decided despite the failing model");
        for (final int[] d : decisions) {
            assertTrue((d[1] & DecisionRules.MODEL_FALLBACK) != 0, "MODEL_FALLBACK reason set");
        }
        assertEquals(EVENTS, fallbacks[0]);
    }

    @Test
    void shouldFallBackWhenInferenceRunsOverItsBudget() {
        final long[] fallbacks = new long[1];
        final List<int[]> decisions = run(Map.of(), 1, fallbacks);
        assertEquals(EVENTS, decisions.size());
        for (final int[] d : decisions) {
            assertTrue((d[1] & DecisionRules.MODEL_FALLBACK) != 0, "MODEL_FALLBACK reason set");
        }
        assertEquals(EVENTS, fallbacks[0]);
    }

    @Test
    void shouldUseTheModelWhenItAnswersInTime() {
        final long[] fallbacks = new long[1];
        final List<int[]> decisions = run(Map.of(), 0, fallbacks);
        assertEquals(EVENTS, decisions.size());
        for (final int[] d : decisions) {
            assertEquals(0, d[1] & DecisionRules.MODEL_FALLBACK);
        }
        assertEquals(0, fallbacks[0]);
    }

    @Test
    void shouldNameTheFileOfAModelThatCannotLoad() {
        final Path missing = dir.resolve("no-such-model.onnx");
        final VigilConfig config = VigilConfig.of(Map.of(VigilConfig.MODEL_PATH.name(), missing.toString()));
        try (Journals journals = Journals.open(dir, RollCycles.FAST_DAILY)) {
            final ModelLoadException ex = assertThrows(ModelLoadException.class,
                () -> Engine.newPipeline(new EngineContext(config), journals, ResponseSink.NONE, false));
            assertTrue(ex.getMessage().contains("no-such-model.onnx"), ex.getMessage());
        }
    }
}
