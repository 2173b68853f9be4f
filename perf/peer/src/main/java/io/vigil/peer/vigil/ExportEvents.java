package io.vigil.peer.vigil;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.EngineContext;
import io.vigil.engine.EventValidator;
import io.vigil.engine.RunContext;
import io.vigil.engine.VigilConfig;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.peer.flink.EventFile;

/**
 * Reads a Vigil data directory's input journal with Vigil's own reader (records checked) and SBE decoder, and
 * writes every Transaction, with its journal index, ingest time and tenant, to an {@link EventFile} for the Flink
 * job; the header carries the validation limits of the recorded run (its {@code run-context.properties}, else the
 * defaults). Other records (metric samples, control records) are counted and left out. Runs with
 * {@code cli/target/vigil.jar} on the classpath.
 *
 * <pre>java -cp vigil.jar:target/classes io.vigil.peer.vigil.ExportEvents --data DIR --out events.bin</pre>
 */
public final class ExportEvents {
    private ExportEvents() {
    }

    public static void main(final String[] args) throws IOException {
        System.setProperty("chronicle.analytics.disable", "true");
        Path data = null;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (data == null || out == null) {
            System.err.println("usage: ExportEvents --data DIR --out FILE");
            System.exit(2);
        }
        final RunContext recorded = RunContext.read(data);
        final List<String> unknown = new ArrayList<>();
        final VigilConfig config = (recorded == null ? VigilConfig.fromFileValues(Map.of()) :
            VigilConfig.fromFileValues(recorded.replayedKeys(unknown)))
            .with(Map.of(VigilConfig.DATA_DIR.name(), data.toString())).validate();
        final EngineContext engine = EngineContext.of(config);
        final EventFile.Limits limits = new EventFile.Limits(engine.maxAmountMinor(), engine.maxFutureSkewNs(),
            engine.maxEventAgeNs());
        // Vigil's own validator, only to report how many events its pipeline will reject (the Flink job filters itself)
        final EventValidator validator = EventValidator.from(engine);

        final long t0 = System.nanoTime();
        long transactions = 0;
        long others = 0;
        long invalid = 0;
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final TransactionDecoder tx = new TransactionDecoder();
        final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
        final Path tmp = out.resolveSibling(out.getFileName() + ".partial");
        try (Journals journals = Journals.openReadOnly(data, Journals.rollCycle(config.string(VigilConfig.ROLL_CYCLE)));
             JournalReader reader = journals.inputReader();
             DataOutputStream file = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(tmp.toFile()), 1 << 16))) {
            EventFile.writeHeader(file, limits);
            reader.toStart();
            while (reader.read(record)) {
                if (record.payloadLength < MessageHeaderDecoder.ENCODED_LENGTH ||
                    header.wrap(record.payload(), 0).templateId() != TransactionDecoder.TEMPLATE_ID) {
                    others++;
                    continue;
                }
                tx.wrapAndApplyHeader(record.payload(), 0, header);
                transactions++;
                if (validator.validate(tx, record.timeNs) != 0) {
                    invalid++;
                }
                EventFile.write(file, record.index, record.timeNs, tx.eventTimeNs(), tx.accountId(), tx.merchantId(),
                    tx.amountMinor(), record.tenantId, tx.mcc(), tx.channelRaw(), tx.currency(0), tx.currency(1),
                    tx.currency(2), tx.country(0), tx.country(1));
            }
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("export-events: %,d transactions (%,d of them rejected by Vigil's validation), %,d other " +
                "records left out, %.2f s -> %s (%,d bytes); validation: %s%n", transactions, invalid, others,
            (System.nanoTime() - t0) / 1e9, out, Files.size(out), limits);
    }
}
