package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.RulesSetDecoder;
import io.vigil.codecs.sbe.RulesSetEncoder;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.rules.RulesConfig;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The rules control record ({@code RulesSet}, SBE template {@link RulesSetEncoder#TEMPLATE_ID}): a complete set of
 * decision thresholds that the rules stage applies from its position in the input journal on, live and in replay.
 * {@link #set} is the admin path's one service method (the {@code vigil rules set} command calls it; an HTTP admin
 * endpoint would call the same).
 *
 * <p>Stateless and thread-safe; allocates (control plane only).
 */
public final class RulesControl {
    private RulesControl() {
    }

    /**
     * Reads a rules file: Java properties with {@code vigil.rules.*} keys (as in the configuration); a key not in the
     * file takes its default, not the running value. Any other key is an error naming it.
     */
    public static RulesConfig read(final Path file) throws IOException {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        final Map<String, String> values = new LinkedHashMap<>();
        for (final String name : properties.stringPropertyNames()) {
            if (!name.startsWith("vigil.rules.")) {
                throw new IllegalArgumentException(file + ": '" + name + "' is not a rules key (vigil.rules.*)");
            }
            values.put(name, properties.getProperty(name).trim());
        }
        return EngineContext.of(VigilConfig.of(values)).rules();
    }

    /**
     * Appends a RulesSet control record to the input journal (header source {@link RecordHeader#SOURCE_ADMIN}); the
     * pipeline applies it when it reaches it. Safe while a server runs on the same journals, in this process or
     * another (Chronicle Queue serialises appenders on the queue's write lock).
     *
     * @return the record's input index.
     * @throws IllegalStateException when the journal could not be written.
     */
    public static long set(final Journals journals, final RulesConfig rules) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + RulesSetEncoder.BLOCK_LENGTH]);
        final int length = encode(rules, buffer);
        try (JournalWriter input = journals.inputWriter()) {
            final long index = input.append(EpochClock.nowNs(), 0, 0, 0, RecordHeader.NO_INDEX, 0,
                RulesSetEncoder.TEMPLATE_ID, RecordHeader.SOURCE_ADMIN, buffer, 0, length);
            if (index == JournalWriter.FAILED) {
                throw new IllegalStateException("cannot append to the input journal: " + input.lastFailure(), input.lastFailure());
            }
            return index;
        }
    }

    /** Encodes {@code rules} as a RulesSet message (header included) at 0; returns its length. */
    public static int encode(final RulesConfig rules, final MutableDirectBuffer buffer) {
        final RulesSetEncoder encoder = new RulesSetEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .reviewThreshold(rules.reviewThreshold())
            .declineThreshold(rules.declineThreshold())
            .anomalyThreshold(rules.anomalyThreshold())
            .amountZThreshold(rules.amountZThreshold())
            .velocityZThreshold(rules.velocityZThreshold())
            .hoppingMinNewMerchantRate(rules.hoppingMinNewMerchantRate())
            .hoppingMinCount1h(rules.hoppingMinCount1h())
            .hoppingMaxSecsSincePrev(rules.hoppingMaxSecsSincePrev())
            .hoppingMinHistoryEvents(rules.hoppingMinHistoryEvents())
            .cardTestingMinCount1m(rules.cardTestingMinCount1m())
            .cardTestingMaxAmountMinor(rules.cardTestingMaxAmountMinor())
            .declineMinRuleHits(rules.declineMinRuleHits());
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * Decodes a RulesSet message (header included) at {@code offset}.
     *
     * @throws IllegalArgumentException when the thresholds are invalid.
     */
    public static RulesConfig decode(final DirectBuffer buffer, final int offset) {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        final RulesSetDecoder d = new RulesSetDecoder().wrapAndApplyHeader(buffer, offset, header);
        return new RulesConfig(d.reviewThreshold(), d.declineThreshold(), d.anomalyThreshold(), d.amountZThreshold(),
            d.velocityZThreshold(), d.hoppingMinNewMerchantRate(), d.hoppingMinCount1h(), d.hoppingMaxSecsSincePrev(),
            d.hoppingMinHistoryEvents(), d.cardTestingMinCount1m(), d.cardTestingMaxAmountMinor(), d.declineMinRuleHits());
    }
}
