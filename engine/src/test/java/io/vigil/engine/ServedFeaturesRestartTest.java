package io.vigil.engine;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.scoring.features.SingleWriterFeatureTable;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restarted engine serves every key it served before (docs/feature-serving.md, "Restarts"): the served table is in
 * the checkpoint, so keys whose last event is older than the checkpoint restored are not lost, and keys with events
 * after it end with exactly the values an uninterrupted engine serves. Real Chronicle journals, the real engine.
 */
@Timeout(60)
class ServedFeaturesRestartTest {
    private static final long BASE = 1_767_225_600_000_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int ACCOUNTS = 50;

    @TempDir
    Path dir;

    private final UnsafeBuffer message = new UnsafeBuffer(new byte[128]);
    private long sequence;

    private void transaction(final JournalWriter input, final long account, final long eventTimeNs) {
        sequence++;
        final TransactionEncoder tx = new TransactionEncoder().wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
            .clientSequence(sequence).eventTimeNs(eventTimeNs).accountId(account).merchantId(sequence % 7).mcc(5411)
            .amountMinor(100 + sequence * 13).currency("EUR").country("DE").channel(Channel.POS).label(Label.UNKNOWN);
        input.append(BASE + sequence * S, 1, 5, sequence, -1, 1, TransactionEncoder.TEMPLATE_ID, 0, message, 0,
            MessageHeaderEncoder.ENCODED_LENGTH + tx.encodedLength());
    }

    private static VigilConfig config(final Path dataDir) {
        final Map<String, String> values = new LinkedHashMap<>();
        values.put(VigilConfig.DATA_DIR.name(), dataDir.toString());
        values.put(VigilConfig.CHECKPOINT_INTERVAL.name(), "40");
        values.put(VigilConfig.FEED.name(), "tailer");
        return VigilConfig.of(values);
    }

    /** Every served key's event index, event time and value bits, in key order. */
    private static Map<Long, String> served(final Engine engine) {
        final SingleWriterFeatureTable table = engine.publishedFeatures();
        final SingleWriterFeatureTable.View view = table.newView();
        final Map<Long, String> rows = new LinkedHashMap<>();
        for (long account = 0; account < ACCOUNTS; account++) {
            if (table.read(1, account, view)) {
                final StringBuilder row = new StringBuilder().append(view.eventIndex()).append(' ').append(view.eventTimeNs());
                for (int i = 0; i < table.width(); i++) {
                    row.append(' ').append(Integer.toHexString(Float.floatToIntBits(view.value(i))));
                }
                rows.put(account, row.toString());
            }
        }
        return rows;
    }

    private static Map<Long, String> withoutIndex(final Map<Long, String> rows) {
        final Map<Long, String> values = new LinkedHashMap<>();
        rows.forEach((account, row) -> values.put(account, row.substring(row.indexOf(' ') + 1)));
        return values;
    }

    private static Map<Long, String> run(final VigilConfig config, final Journals journals) throws InterruptedException {
        try (Engine engine = Engine.start(new EngineContext(config), journals, ResponseSink.NONE)) {
            assertTrue(engine.awaitCaughtUp(30, TimeUnit.SECONDS));
            return served(engine);
        }
    }

    @Test
    void aRestartServesEveryKeyWithTheValuesOfAnUninterruptedRun() throws Exception {
        final Path live = dir.resolve("live");
        try (Journals journals = Journals.open(live, RollCycles.FAST_HOURLY)) {
            try (JournalWriter input = journals.inputWriter()) {
                for (int i = 0; i < 2 * ACCOUNTS; i++) {
                    transaction(input, i % ACCOUNTS, BASE + i * S);
                }
            }
            final Map<Long, String> before = run(config(live), journals);
            assertEquals(ACCOUNTS, before.size());
            // restarted with nothing new: every key comes from the checkpoint
            assertEquals(before, run(config(live), journals), "the same keys, values, indexes and times after a restart");
            // then events for a few accounts: those change, the others stay as the checkpoint holds them
            try (JournalWriter input = journals.inputWriter()) {
                for (int i = 0; i < 5; i++) {
                    transaction(input, i, BASE + (2 * ACCOUNTS + i) * S);
                }
            }
            final Map<Long, String> after = run(config(live), journals);
            assertEquals(ACCOUNTS, after.size());
            for (long account = 5; account < ACCOUNTS; account++) {
                assertEquals(before.get(account), after.get(account), "account " + account);
            }
            try (Journals straight = Journals.open(dir.resolve("straight"), RollCycles.FAST_HOURLY)) {
                sequence = 0;
                try (JournalWriter input = straight.inputWriter()) {
                    for (int i = 0; i < 2 * ACCOUNTS; i++) {
                        transaction(input, i % ACCOUNTS, BASE + i * S);
                    }
                    for (int i = 0; i < 5; i++) {
                        transaction(input, i, BASE + (2 * ACCOUNTS + i) * S);
                    }
                }
                // (input indexes carry the journal's roll cycle: compared without them)
                assertEquals(withoutIndex(run(config(dir.resolve("straight")), straight)), withoutIndex(after),
                    "an uninterrupted engine serves the same values");
            }
        }
    }
}
