package io.vigil.engine.cli;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.WindowResultDecoder;
import io.vigil.engine.LateRecord;
import io.vigil.engine.VigilConfig;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The readers of the event-time side journals: {@code vigil windows tail} lists the window-results journal
 * ({@code windows/}), {@code vigil late tail} the late journal ({@code late/}); both read a data directory read-only,
 * while a server writes it or not. Not thread-safe; allocates (a tool).
 */
public final class EventTimeJournalsCommand {
    private EventTimeJournalsCommand() {
    }

    /** Options both readers share. */
    abstract static class Tail implements Callable<Integer> {
        @Option(names = "--data", description = "Data directory (vigil.data.dir, default ./vigil-data).")
        Path dataDir;

        @Option(names = {"-n", "--last"}, defaultValue = "20",
            description = "Show the last N records (default ${DEFAULT-VALUE}); 0: all.")
        int last;

        @Option(names = "--key", description = "Only records of this entity key (account, series...).")
        Long key;

        @Spec
        CommandSpec spec;

        abstract String journal();

        abstract String header();

        /** The record as one line, or null when filtered out. */
        abstract String line(JournalRecord record);

        @Override
        public Integer call() {
            final PrintWriter out = spec.commandLine().getOut();
            final VigilConfig config = VigilConfig.load();
            final Path dir = dataDir != null ? dataDir : Path.of(config.string(VigilConfig.DATA_DIR));
            if (!Files.isDirectory(dir.resolve(Journals.INPUT))) {
                throw new CommandLine.ParameterException(spec.commandLine(), "no journals in " + dir);
            }
            final Deque<String> lines = new ArrayDeque<>();
            long total = 0;
            try (Journals journals = Journals.openReadOnly(dir, Journals.rollCycle(config.string(VigilConfig.ROLL_CYCLE)));
                 JournalReader reader = open(journals)) {
                if (reader != null) {
                    final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                    while (reader.read(record)) {
                        final String line = line(record);
                        if (line == null) {
                            continue;
                        }
                        total++;
                        lines.addLast(line);
                        if (last > 0 && lines.size() > last) {
                            lines.removeFirst();
                        }
                    }
                }
            }
            out.println(header());
            lines.forEach(out::println);
            out.println(total + " record(s) in " + journal() + "/" + (last > 0 && total > last ? ", the last " + last + " shown" : ""));
            out.flush();
            return 0;
        }

        private JournalReader open(final Journals journals) {
            return Journals.WINDOWS.equals(journal()) ? journals.windowsReader() : journals.lateReader();
        }

        static String time(final long epochNs) {
            return Instant.ofEpochSecond(0, epochNs).toString();
        }
    }

    /** {@code vigil windows}. */
    @Command(name = "windows", mixinStandardHelpOptions = true,
        description = "Read the window-results journal (windows/): one record per key and closed event-time window.",
        subcommands = WindowsTail.class)
    public static final class Windows implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    /** {@code vigil windows tail}. */
    @Command(name = "tail", mixinStandardHelpOptions = true,
        description = "List the last window results: window, tenant, key, start and end (event time), the values, " +
            "the watermark that closed it and the input index of the record that moved it there.")
    public static final class WindowsTail extends Tail {
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final WindowResultDecoder result = new WindowResultDecoder();

        @Override
        String journal() {
            return Journals.WINDOWS;
        }

        @Override
        String header() {
            return "window                 tenant  key               start                          end                            values                         watermark                      trigger        firing";
        }

        @Override
        String line(final JournalRecord record) {
            if (record.code != WindowResultDecoder.TEMPLATE_ID) {
                return null;
            }
            final WindowResultDecoder d = result.wrapAndApplyHeader(record.payload(), 0, header.wrap(record.payload(), 0));
            final long tenant = d.tenantId();
            final long entity = d.key();
            if (key != null && key != entity) {
                return null;
            }
            final long start = d.windowStartNs();
            final long end = d.windowEndNs();
            final long watermark = d.watermarkNs();
            final long trigger = d.triggerIndex();
            final StringBuilder values = new StringBuilder();
            for (final WindowResultDecoder.ValuesDecoder v : d.values()) {
                final double value = v.value();
                values.append(values.length() == 0 ? "" : ",").append(value == Math.rint(value) && Math.abs(value) < 1e15 ?
                    Long.toString((long)value) : Double.toString(value));
            }
            final String name = d.windowName();
            // the firing number sits in the journal header's clientSequence (0: on time; 1, 2...: late firings)
            return String.format("%-22s %6d  %-16s  %-30s %-30s %-30s %-30s %-14x %d", name, tenant, Long.toUnsignedString(entity),
                time(start), time(end), values, time(watermark), trigger, record.clientSequence);
        }
    }

    /** {@code vigil late}. */
    @Command(name = "late", mixinStandardHelpOptions = true,
        description = "Read the late journal (late/): events that arrived behind the watermark by more than the " +
            "allowed lateness, answered TOO_LATE and not applied.",
        subcommands = LateTail.class)
    public static final class Late implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    /** {@code vigil late tail}. */
    @Command(name = "tail", mixinStandardHelpOptions = true,
        description = "List the last too-late events: input index, tenant, client, sequence, event type and key, " +
            "event time, the watermark it was behind and by how much (lateness), and the allowed lateness.")
    public static final class LateTail extends Tail {
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final TransactionDecoder transaction = new TransactionDecoder();
        private final MetricSampleDecoder sample = new MetricSampleDecoder();

        @Override
        String journal() {
            return Journals.LATE;
        }

        @Override
        String header() {
            return "input index       tenant  client    sequence  type         key               event time                     watermark                      lateness      allowed";
        }

        @Override
        String line(final JournalRecord record) {
            final int length = record.payloadLength;
            if (!LateRecord.isLate(record.payload(), length)) {
                return null;
            }
            header.wrap(record.payload(), 0);
            final String type;
            final long entity;
            final long eventTime;
            if (header.templateId() == TransactionDecoder.TEMPLATE_ID) {
                transaction.wrapAndApplyHeader(record.payload(), 0, header);
                type = "transaction";
                entity = transaction.accountId();
                eventTime = transaction.eventTimeNs();
            } else if (header.templateId() == MetricSampleDecoder.TEMPLATE_ID) {
                sample.wrapAndApplyHeader(record.payload(), 0, header);
                type = "metric";
                entity = sample.seriesId();
                eventTime = sample.eventTimeNs();
            } else {
                type = "template " + header.templateId();
                entity = 0;
                eventTime = 0;
            }
            if (key != null && key != entity) {
                return null;
            }
            final Function<Long, String> seconds = ns -> String.format("%.3f s", ns / 1e9);
            return String.format("%-16x  %6d  %-8s  %8d  %-11s  %-16s  %-30s %-30s %-13s %s", record.refIndex, record.tenantId,
                Long.toUnsignedString(record.clientId), record.clientSequence, type, Long.toUnsignedString(entity),
                time(eventTime), time(LateRecord.watermarkNs(record.payload(), length)),
                seconds.apply(LateRecord.latenessNs(record.payload(), length)),
                LateRecord.allowedNs(record.payload(), length) < 0 ? "unbounded" : seconds.apply(LateRecord.allowedNs(record.payload(), length)));
        }
    }
}
