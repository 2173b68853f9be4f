package io.vigil.peer.vigil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;

/**
 * Writes an input journal meant to reach the corners of the features that {@code vigil demo}'s traffic does not: the
 * demo's events arrive in time order within a few hours, so it has no late event and never rotates the half-day
 * merchant bitmaps. This one spans several days of event time over {@code --accounts} accounts in three tenants
 * (the same account ids in each), hot and cold accounts (gaps from milliseconds to days), bursts stepping exactly one
 * second or one minute from a bucket-aligned start (events landing exactly on the window edges), late events up to
 * three hours back, a few up to 30 hours (some behind a window, some in the previous half-day or before it), events at the same time as the
 * account's previous one, and a few of each kind of event Vigil's validation rejects (amount 0, negative or over the
 * limit, unknown currency, bad country, event time too far in the future or the past). Deterministic for a seed.
 * Only for the comparison: the features do not depend on the journal's source.
 *
 * <pre>java @jvm.options -cp vigil.jar:target/classes io.vigil.peer.vigil.EdgeJournal --data DIR [--events N] [--accounts A] [--seed S]</pre>
 */
public final class EdgeJournal {
    private static final long SECOND = 1_000_000_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private EdgeJournal() {
    }

    public static void main(final String[] args) {
        System.setProperty("chronicle.analytics.disable", "true");
        Path data = null;
        int events = 200_000;
        int accounts = 2_000;
        long seed = 7;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--events" -> events = Integer.parseInt(args[++i]);
                case "--accounts" -> accounts = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (data == null || events < 1 || accounts < 1) {
            System.err.println("usage: EdgeJournal --data DIR [--events N] [--accounts A] [--seed S]");
            System.exit(2);
        }
        if (Files.exists(data.resolve(Journals.INPUT))) {
            System.err.println("EdgeJournal: " + data + " already has an input journal");
            System.exit(2);
        }
        final SplittableRandom random = new SplittableRandom(seed);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[256]);
        final TransactionEncoder tx = new TransactionEncoder();
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        final long[] last = new long[accounts * 3];
        // event time: about four days, starting at midnight three days ago (the journal's ingest times are now-ish)
        final long span = 4 * DAY;
        final long step = Math.max(1, span / events);
        long t = Math.floorDiv(System.currentTimeMillis() * 1_000_000L - span, DAY) * DAY;
        long ingest = t;
        int burst = 0;
        int burstKey = 0;
        long burstStep = 0;
        long late = 0;
        long rejects = 0;
        try (Journals journals = Journals.open(data, Journals.rollCycle("FAST_HOURLY"));
             JournalWriter input = journals.inputWriter()) {
            for (int i = 0; i < events; i++) {
                t += random.nextLong(2 * step + 1);
                final int key;
                long eventTime;
                if (burst > 0) {
                    burst--;
                    key = burstKey;
                    eventTime = last[key] + burstStep;
                } else {
                    // hot accounts: the first 1 % take half the traffic; the others are cold, with gaps of hours or days
                    key = random.nextInt(4) < 2 ? random.nextInt(Math.max(1, last.length / 100)) : random.nextInt(last.length);
                    eventTime = t;
                    final int kind = random.nextInt(1000);
                    if (kind < 30 && last[key] != 0) {
                        // late: up to three hours before the account's clock, or now and then up to 30 hours
                        eventTime = last[key] - random.nextLong(kind < 25 ? 3 * HOUR : 30 * HOUR);
                        late++;
                    } else if (kind < 40 && last[key] != 0) {
                        eventTime = last[key]; // the same time as the previous one
                    } else if (kind < 45) {
                        // a burst of 5-30 events stepping exactly 1 s or 1 min from a minute-aligned start
                        burst = 5 + random.nextInt(26);
                        burstKey = key;
                        burstStep = random.nextBoolean() ? SECOND : MINUTE;
                        eventTime = Math.floorDiv(t, MINUTE) * MINUTE;
                    } else if (kind < 60) {
                        eventTime = Math.floorDiv(t, SECOND) * SECOND; // second-aligned
                    }
                }
                if (eventTime > last[key]) {
                    last[key] = eventTime;
                }
                ingest = Math.max(ingest, eventTime) + 1_000;
                long amount = 100 + (long)(Math.exp(random.nextDouble() * 12) * 10);
                String currency = "EUR";
                String country = "DE";
                long eventTimeSent = eventTime;
                final int bad = random.nextInt(10_000);
                if (bad < 70) {
                    rejects++;
                    switch (bad % 7) {
                        case 0 -> amount = 0;
                        case 1 -> amount = -amount;
                        case 2 -> amount = 100_000_001L;
                        case 3 -> currency = "QQQ";
                        case 4 -> country = "d3";
                        case 5 -> eventTimeSent = ingest + 6 * MINUTE;
                        default -> eventTimeSent = ingest - 8 * DAY;
                    }
                }
                final int tenant = key % 3 + 1;
                final long account = 1_000_000L + key / 3;
                final long merchant = random.nextInt(4) == 0 ? random.nextLong(1L << 40) : account * 31 + random.nextInt(6);
                tx.wrapAndApplyHeader(message, 0, header).clientSequence(i + 1).eventTimeNs(eventTimeSent)
                    .accountId(account).merchantId(merchant).mcc(5411 + random.nextInt(5)).amountMinor(amount)
                    .currency(currency).country(country).channel(Channel.get((short)random.nextInt(4)))
                    .label(Label.UNKNOWN);
                if (input.append(ingest, 1, tenant, i + 1, -1, tenant, TransactionEncoder.TEMPLATE_ID, 0, message, 0,
                    MessageHeaderEncoder.ENCODED_LENGTH + tx.encodedLength()) == JournalWriter.FAILED) {
                    throw new IllegalStateException("append failed", input.lastFailure());
                }
            }
        }
        System.out.printf("edge-journal: %,d events over %,d accounts in 3 tenants, %,d late, %,d to be rejected -> %s%n",
            events, accounts, late, rejects, data);
    }
}
