package io.vigil.replay;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.EngineContext;
import io.vigil.engine.EventSlot;
import io.vigil.engine.Stage;
import io.vigil.engine.StageAssembler;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.GatewayContext;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.client.VigilClient;
import io.vigil.gateway.synthetic.SyntheticConfiguration;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.features.spec.FeatureSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch = stream: a live server (real TCP, two clients = two sources of one tenant, out-of-order events, late events
 * within and beyond the allowed lateness, rejects, the synthetic prober running) computes a feature definition file's
 * features; a test stage placed right after the live pipeline's features stage (the {@link StageAssembler} hook)
 * captures every transaction's vector as the pipeline computed it. {@code vigil features backfill} of the recorded
 * journal, and of a CSV file holding the same events in the same arrival order, must give the same rows: the same
 * late and too-late verdicts, and every float equal bit for bit.
 */
@Timeout(180)
class BackfillLiveTest {
    private static final String CREDENTIAL = "backfill-test";
    private static final int TENANT = 1;
    private static final long CLIENT_A = 7;
    private static final long CLIENT_B = 8;
    private static final int PER_CLIENT = 1_500;
    private static final long MS = 1_000_000L;

    @TempDir
    Path dir;

    /** A transaction's vector as the live pipeline left it after its features stage. */
    private record Live(long index, boolean late, boolean tooLate, long latenessNs, float[] features) {
    }

    /** The default definition with other windows: a definition file the engine runs compiled. */
    static Path variantSpec(final Path dir) throws IOException {
        final String text;
        try (InputStream in = FeatureSpec.class.getResourceAsStream("/features/default.yaml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        final String variant = text.replace("1m:  {type: sliding, size: 60s, step: 1s}", "1m:  {type: sliding, size: 20s, step: 500ms}")
            .replace("1h:  {type: sliding, size: 1h,  step: 1m}", "1h:  {type: sliding, size: 5m,  step: 10s}");
        assertNotEquals(text, variant);
        final Path file = dir.resolve("variant.yaml");
        Files.writeString(file, variant);
        assertNotEquals(FeatureSpec.defaultHash(), FeatureSpec.load(file).hash());
        return file;
    }

    @Test
    void backfillOfTheJournalAndOfACsvEqualsTheLiveFeaturesBitForBit() throws Exception {
        final Path spec = variantSpec(dir);
        final Path data = dir.resolve("data");
        // no source turns idle (1h): a CSV file's policy can say the same
        final List<Live> live = recordLive(data, spec, "1h", false);
        assertEquals(2 * PER_CLIENT - 2 * (PER_CLIENT / 211), live.size(), "every valid transaction captured");
        final long late = live.stream().filter(Live::late).count();
        final long tooLate = live.stream().filter(Live::tooLate).count();
        assertTrue(late > 10, "late events within the allowed lateness: " + late);
        assertTrue(tooLate > 10, "late events beyond it: " + tooLate);

        // the journal, backfilled
        final Path fromJournal = dir.resolve("journal.parquet");
        BackfillSupport.ok("--input", data.toString(), "--features", spec.toString(), "--out", fromJournal.toString());
        final BackfillSupport.Output journalOut = BackfillSupport.read(fromJournal);
        assertEquals(FeatureSpec.load(spec).hash(), journalOut.metadata().get("vigil.feature_set_hash"));
        assertEquals("transactions", journalOut.metadata().get("vigil.feature_set_name"));
        assertEquals("txf-1", journalOut.metadata().get("vigil.feature_set_version"));
        assertEquals(io.vigil.scoring.features.TransactionFeatures.NAMES, journalOut.names());
        compare(live, journalOut.rows(), true);

        // the same events as a CSV file, in the journal's arrival order, the source and ingest time of each
        final Path csv = dir.resolve("events.csv");
        final int synthetic = writeCsv(data, csv);
        assertTrue(synthetic > 0, "the synthetic prober ran and its events are in the journal");
        final Path fromCsv = dir.resolve("csv.parquet");
        BackfillSupport.ok("--input", csv.toString(), "--features", spec.toString(), "--out", fromCsv.toString(),
            "--max-out-of-orderness", "1s", "--allowed-lateness", "10s", "--idle-timeout", "1h");
        compare(live, BackfillSupport.read(fromCsv).rows(), false);
    }

    @Test
    void backfillOfAJournalWhereASourceTurnsIdleEqualsTheLiveFeaturesBitForBit() throws Exception {
        final Path spec = variantSpec(dir);
        final Path data = dir.resolve("idle");
        final List<Live> live = recordLive(data, spec, "200ms", true);
        final long late = live.stream().filter(Live::late).count();
        final long tooLate = live.stream().filter(Live::tooLate).count();
        assertTrue(late + tooLate > 100, "B, back from idleness 10 s behind A, is late: " + late + " + " + tooLate);
        final Path out = dir.resolve("idle.parquet");
        final BackfillSupport.Run run = BackfillSupport.run("--input", data.resolve(Journals.INPUT).toString(),
            "--features", spec.toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.output());
        compare(live, BackfillSupport.read(out).rows(), true);
        // a journal's policy is its ticks': the options for files are refused
        final BackfillSupport.Run refused = BackfillSupport.run("--input", data.toString(), "--out", out.toString(),
            "--allowed-lateness", "1s");
        assertEquals(2, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("a journal's event-time policy is the one its watermark ticks carry"),
            refused.output());
    }

    /**
     * Runs a live server on {@code data} computing {@code spec}, two clients sending {@link #PER_CLIENT} transactions
     * each (client B's event times 300 ms behind A's; with {@code pauseB} B sends nothing for a while, long enough
     * to turn idle, and then resumes where its own clock stopped: late), and returns the vectors captured after the
     * features stage, in pipeline order.
     */
    private static List<Live> recordLive(final Path data, final Path spec, final String idleTimeout,
        final boolean pauseB) throws Exception {
        final Map<String, String> values = new LinkedHashMap<>();
        values.put(VigilConfig.DATA_DIR.name(), data.toString());
        values.put(GatewayConfiguration.PORT.name(), "0");
        values.put(GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL);
        values.put(VigilConfig.FEATURES_SPEC.name(), spec.toString());
        values.put(VigilConfig.WATERMARK_MAX_OUT_OF_ORDERNESS.name(), "1s");
        values.put(VigilConfig.LATENESS_ALLOWED.name(), "10s");
        values.put(VigilConfig.WATERMARK_IDLE_TIMEOUT.name(), idleTimeout);
        values.put(VigilConfig.WATERMARK_TICK_INTERVAL.name(), "100ms");
        values.put(SyntheticConfiguration.INTERVAL.name(), "50ms");
        final VigilConfig config = VigilConfig.of(values);

        final ConcurrentLinkedQueue<Live> captured = new ConcurrentLinkedQueue<>();
        final StageAssembler capture = stages -> {
            int at = -1;
            for (int i = 0; i < stages.size(); i++) {
                if (stages.get(i).name().equals("features")) {
                    at = i;
                }
            }
            assertTrue(at >= 0, "the pipeline has a features stage");
            stages.add(at + 1, new Stage() {
                @Override
                public String name() {
                    return "capture";
                }

                @Override
                public boolean seesRejected() {
                    return true; // too-late events pass no stage but those that see rejected ones
                }

                @Override
                public void onEvent(final EventSlot slot) {
                    if (slot.templateId == TransactionDecoder.TEMPLATE_ID && slot.rejectReason == 0 &&
                        slot.input.source != RecordHeader.SOURCE_SYNTHETIC) {
                        captured.add(new Live(slot.input.index, slot.late, slot.tooLate, slot.latenessNs,
                            slot.features.clone()));
                    }
                }
            });
        };

        final long baseNs = System.currentTimeMillis() * MS - TimeUnit.MINUTES.toNanos(10);
        final AtomicLong answers = new AtomicLong();
        final VigilClient.Listener listener = new VigilClient.Listener() {
            @Override
            public void onDecision(final DecisionDecoder decision) {
                answers.incrementAndGet();
            }

            @Override
            public void onReject(final RejectDecoder reject) {
                answers.incrementAndGet();
            }
        };
        try (VigilServer server = VigilServer.start(new GatewayContext(config), new EngineContext(config), capture, false);
             VigilClient a = VigilClient.connect(server.host(), server.port());
             VigilClient b = VigilClient.connect(server.host(), server.port())) {
            a.logon(CREDENTIAL, TENANT, CLIENT_A, 1, listener);
            b.logon(CREDENTIAL, TENANT, CLIENT_B, 1, listener);
            final SplittableRandom random = new SplittableRandom(13);
            long sequenceB = 0; // a client's sequences rise by one per message: a gap or a repeat is a resend
            int sentB = 0;
            int i = 0;
            while (sentB < PER_CLIENT) {
                i++;
                if (i <= PER_CLIENT) {
                    send(a, i, i, baseNs + i * 20 * MS, random, 0);
                }
                final boolean paused = pauseB && i > 500 && i <= 1_000;
                if (!paused) {
                    sentB++;
                    send(b, ++sequenceB, sentB, baseNs + sentB * 20 * MS - 300 * MS, random, 1);
                    if (sentB % 100 == 0) {
                        b.sendMetric(++sequenceB, baseNs, 3, 42.0); // judged, no row, moves no watermark
                    }
                }
                if (i % 50 == 0 || paused && i % 10 == 0) {
                    a.flush();
                    b.flush();
                    Thread.sleep(paused ? 10 : 5); // let ticks fall between events (and B turn idle)
                }
            }
            final long expected = 2L * PER_CLIENT + PER_CLIENT / 100;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answers.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(expected, answers.get(), "every event answered");
        }
        return new ArrayList<>(captured);
    }

    private static void send(final VigilClient client, final long sequence, final int i, final long onTimeNs,
        final SplittableRandom random, final int salt) throws IOException {
        long eventTimeNs = onTimeNs;
        if (i % 17 == salt) {
            eventTimeNs -= 3_000 * MS; // behind the watermark by about 2 s: late, applied
        } else if (i % 43 == salt) {
            eventTimeNs -= 30_000 * MS; // behind it by about 29 s: too late
        } else if (i % 5 == salt) {
            eventTimeNs -= 600 * MS; // out of order within the bound, not late
        }
        final long account = random.nextInt(40);
        final long amount = i % 211 == 0 ? 0 : 100 + random.nextInt(50_000); // amount 0: rejected, no row
        client.sendTransaction(sequence, eventTimeNs, account, random.nextInt(30), 5411 + random.nextInt(3), amount, "EUR",
            random.nextInt(20) == 0 ? "FR" : "DE", Channel.get((short)random.nextInt(4)), Label.LEGIT);
    }

    private static void compare(final List<Live> live, final List<BackfillSupport.Row> rows, final boolean sameIndex) {
        assertEquals(live.size(), rows.size(), "one row per applied-or-too-late transaction");
        for (int i = 0; i < live.size(); i++) {
            final Live l = live.get(i);
            final BackfillSupport.Row r = rows.get(i);
            final String what = "row " + i + " (input index " + l.index() + ")";
            if (sameIndex) {
                assertEquals(l.index(), r.index(), what);
            }
            assertEquals(TENANT, r.tenant(), what);
            assertEquals(l.late(), r.late(), what + ": late");
            assertEquals(l.tooLate(), r.tooLate(), what + ": too late");
            assertEquals(l.latenessNs(), r.latenessNs(), what + ": lateness");
            BackfillSupport.assertSameBits(l.features(), r.features(), what);
        }
    }

    /** Writes the journal's client transactions as CSV rows; returns how many synthetic ones it left out. */
    private static int writeCsv(final Path data, final Path csv) throws IOException {
        final StringBuilder out = new StringBuilder(
            "tenant,account,merchant,mcc,amount_minor,channel,country,currency,event_time_ns,source,ingest_time_ns,label\n");
        int synthetic = 0;
        try (Journals journals = Journals.openReadOnly(data, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(4096);
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final TransactionDecoder tx = new TransactionDecoder();
            while (reader.read(record)) {
                header.wrap(record.payload(), 0);
                if (header.templateId() != TransactionDecoder.TEMPLATE_ID) {
                    continue;
                }
                if (record.source == RecordHeader.SOURCE_SYNTHETIC) {
                    synthetic++;
                    continue;
                }
                tx.wrapAndApplyHeader(record.payload(), 0, header);
                out.append(record.tenantId).append(',').append(tx.accountId()).append(',').append(tx.merchantId())
                    .append(',').append(tx.mcc()).append(',').append(tx.amountMinor()).append(',')
                    .append(tx.channel().name()).append(',').append((char)tx.country(0)).append((char)tx.country(1))
                    .append(',').append((char)tx.currency(0)).append((char)tx.currency(1)).append((char)tx.currency(2))
                    .append(',').append(tx.eventTimeNs()).append(',').append(record.clientId).append(',')
                    .append(record.timeNs).append(',').append(tx.label().name()).append('\n');
            }
        }
        Files.writeString(csv, out);
        return synthetic;
    }
}
