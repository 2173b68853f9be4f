package io.vigil.gateway.cli;

import io.vigil.codecs.FrameValidator;
import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.DeadLetterTrailer;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** {@code vigil dlq}: inspect the dead-letter journal and re-inject corrected events. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
    description = "Inspect the dead-letter journal and re-inject corrected events.",
    subcommands = {DlqCommand.ListCommand.class, DlqCommand.ReplayCommand.class})
public final class DlqCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** {@code vigil dlq list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "List dead letters: index, time, session, tenant, client, sequence, source, reason, message (and, " +
            "for INTERNAL_ERROR, the failure: stage, exception class and message).")
    public static final class ListCommand implements Callable<Integer> {
        @Option(names = "--data", defaultValue = "./vigil-data", description = "Data directory (default ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--reason", description = "Only this RejectReason (e.g. INVALID_AMOUNT).")
        String reason;

        @Option(names = "--limit", defaultValue = "1000", description = "At most this many rows (default ${DEFAULT-VALUE}).")
        int limit;

        PrintStream out = System.out;

        @Override
        public Integer call() {
            requireJournals(dataDir);
            final RejectReason only = reason == null ? null : RejectReason.valueOf(reason.toUpperCase(Locale.ROOT));
            out.println("index           time                            session            tenant   client  sequence  source   reason                   message");
            long rows = 0;
            long total = 0;
            try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle(VigilConfig.load().string(VigilConfig.ROLL_CYCLE)));
                 JournalReader reader = journals.deadLetterReader()) {
                final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                while (reader.read(record)) {
                    if (only != null && record.code != only.value()) {
                        continue;
                    }
                    total++;
                    if (rows < limit) {
                        rows++;
                        out.printf("%-15d %-31s %-17d %7s %8s %9d  %-7s  %-24s %s%n", record.index,
                            Instant.ofEpochSecond(0, record.timeNs), record.sessionId, Integer.toUnsignedString(record.tenantId),
                            Long.toUnsignedString(record.clientId), record.clientSequence,
                            record.source == RecordHeader.SOURCE_ENGINE ? "engine" : "gateway",
                            reasonName(record.code), describe(record) + failure(record));
                    }
                }
            }
            out.printf("%d dead letters%s%n", total, total > rows ? " (" + rows + " shown)" : "");
            return 0;
        }
    }

    /** {@code vigil dlq replay}. */
    @Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Re-inject corrected dead letters through the gateway, where they are journaled, scored and answered ",
            "like any other event, each under its own tenant. FILE holds one line per event: a dead-letter index (as ",
            "`dlq list` prints it) then field=value pairs to change, e.g. `4294967297 amountMinor=1500 currency=EUR`. ",
            "Fields: accountId merchantId mcc amountMinor currency country channel eventTimeNs (Transaction); seriesId ",
            "value eventTimeNs (MetricSample). Lines starting with # are comments. Each tenant's events are sent on a ",
            "session of a client of that tenant: from --credentials, or, without it, --client-id with --credential ",
            "(tenant 1 only). Without --connect, a server is started in-process on --data: do not run another server ",
            "on that directory at the same time."})
    public static final class ReplayCommand implements Callable<Integer> {
        @Option(names = "--data", defaultValue = "./vigil-data", description = "Data directory (default ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--fix", required = true, description = "File of corrections.")
        Path fixFile;

        @Option(names = "--connect", description = "HOST:PORT of a running server to send to instead of starting one.")
        String connect;

        @Option(names = "--credentials", description = {"File with one `tenantId clientId secret` line per tenant whose ",
            "dead letters are re-injected (# comments allowed); keep it readable by you only."})
        Path credentialsFile;

        @Option(names = "--credential", description = "Without --credentials: the Logon secret of tenant 1 (default: vigil.credential).")
        String credential;

        @Option(names = "--client-id", defaultValue = "4476001",
            description = "Without --credentials: client id of the re-injecting session, tenant 1 (default ${DEFAULT-VALUE}).")
        long clientId;

        @Option(names = "--config", description = "Properties file with configuration keys.")
        Path configFile;

        @Option(names = "--again", description = "Re-inject dead letters that an earlier dlq replay re-injected already " +
            "(recorded in " + REPLAYED_FILE + " in the data directory); without it they are skipped.")
        boolean again;

        PrintStream out = System.out;
        PrintStream err = System.err;

        @Override
        public Integer call() throws Exception {
            requireJournals(dataDir);
            final VigilConfig config = VigilConfig.load(configFile).with(Map.of(
                VigilConfig.DATA_DIR.name(), dataDir.toString(), GatewayConfiguration.PORT.name(), "0"));
            final List<Fix> fixes = new ArrayList<>(Fix.parse(fixFile));
            if (fixes.isEmpty()) {
                out.println("no corrections in " + fixFile);
                return 0;
            }
            final Map<Long, String> replayedBefore = Replayed.read(dataDir);
            if (!again) {
                fixes.removeIf(fix -> {
                    final String before = replayedBefore.get(fix.index);
                    if (before != null) {
                        out.printf("dead letter %d was re-injected before (%s): skipped; --again re-injects it%n",
                            fix.index, before);
                    }
                    return before != null;
                });
                if (fixes.isEmpty()) {
                    out.println("nothing to re-inject: every dead letter in " + fixFile + " was re-injected before");
                    return 0;
                }
            }
            final List<Corrected> events = new ArrayList<>();
            try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle(config.string(VigilConfig.ROLL_CYCLE)));
                 JournalReader reader = journals.deadLetterReader()) {
                final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                for (final Fix fix : fixes) {
                    if (!reader.readAt(fix.index, record)) {
                        throw new IllegalArgumentException("line " + fix.line + ": no dead letter at index " + fix.index);
                    }
                    if (record.sessionId == 0) {
                        throw new IllegalArgumentException("line " + fix.line + ": dead letter " + fix.index +
                            " was rejected before its connection logged on, so it has no tenant; it cannot be re-injected");
                    }
                    events.add(Corrected.from(record, fix));
                }
            }
            final Map<Integer, Login> logins = credentialsFile != null ? Login.parse(credentialsFile, err) :
                Map.of(DEFAULT_TENANT, new Login(DEFAULT_TENANT, clientId,
                    credential != null ? credential : config.string(GatewayConfiguration.CREDENTIAL)));
            final java.util.TreeSet<String> missing = new java.util.TreeSet<>();
            final Map<Integer, List<Corrected>> byTenant = new LinkedHashMap<>();
            for (final Corrected event : events) {
                if (!logins.containsKey(event.tenantId)) {
                    missing.add(Integer.toUnsignedString(event.tenantId));
                }
                byTenant.computeIfAbsent(event.tenantId, t -> new ArrayList<>()).add(event);
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("no credential for tenant " + String.join(", ", missing) +
                    " of the dead letters to re-inject; nothing was sent. " + (credentialsFile == null ?
                    "Without --credentials only tenant 1 can be re-injected: pass --credentials FILE with a " +
                        "`tenantId clientId secret` line per tenant" : "Add a `tenantId clientId secret` line for it to " + credentialsFile));
            }
            if (connect != null) {
                final int colon = connect.lastIndexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException("--connect takes HOST:PORT, not '" + connect + "'");
                }
                return send(connect.substring(0, colon), Integer.parseInt(connect.substring(colon + 1)), logins, byTenant, events);
            }
            try (VigilServer server = VigilServer.start(config)) {
                return send(server.host(), server.port(), logins, byTenant, events);
            }
        }

        private int send(final String host, final int port, final Map<Integer, Login> logins,
            final Map<Integer, List<Corrected>> byTenant, final List<Corrected> events) throws IOException, InterruptedException {
            for (final Map.Entry<Integer, List<Corrected>> tenant : byTenant.entrySet()) {
                sendTenant(host, port, logins.get(tenant.getKey()), tenant.getValue());
            }
            Replayed.record(dataDir, events);
            int failures = 0;
            for (final Corrected event : events) {
                final String answer = event.answer == null ? "NO ANSWER" : event.answer;
                failures += answer.startsWith("REJECT") || answer.startsWith("NO ANSWER") ? 1 : 0;
                out.printf("dead letter %d -> tenant %s client %s sequence %d: %s%n", event.fix.index,
                    Integer.toUnsignedString(event.tenantId), Long.toUnsignedString(logins.get(event.tenantId).clientId),
                    event.sequence, answer);
            }
            out.printf("%d re-injected, %d decided, %d rejected or unanswered%n", events.size(), events.size() - failures, failures);
            return failures == 0 ? 0 : 1;
        }

        /** One session of the tenant's client: its events, sequenced after what the server has journaled for it. */
        private static void sendTenant(final String host, final int port, final Login login, final List<Corrected> events)
            throws IOException, InterruptedException {
            final Map<Long, String> answers = new ConcurrentHashMap<>();
            final VigilClient.Listener listener = new VigilClient.Listener() {
                @Override
                public void onDecision(final DecisionDecoder decision) {
                    answers.put(decision.clientSequence(), decision.action() + " (model " + decision.modelScore() +
                        ", anomaly " + decision.anomalyScore() + ", input index " + decision.journalIndex() + ")");
                }

                @Override
                public void onReject(final RejectDecoder reject) {
                    answers.put(reject.clientSequence(), "REJECT " + reject.reason());
                }
            };
            try (VigilClient client = VigilClient.connect(host, port)) {
                long sequence;
                try {
                    sequence = client.logon(login.secret, login.tenantId, login.clientId, 0, listener);
                } catch (final VigilClient.LogonRejectedException ex) {
                    throw new IllegalArgumentException("the server refused the Logon of client " +
                        Long.toUnsignedString(login.clientId) + " for tenant " + Integer.toUnsignedString(login.tenantId) +
                        ": " + ex.reason() + "; nothing of that tenant was sent", ex);
                }
                for (final Corrected event : events) {
                    event.sequence = ++sequence;
                    event.send(client, event.sequence);
                }
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (answers.size() < events.size() && System.nanoTime() < deadline) {
                    Thread.sleep(2);
                }
                for (final Corrected event : events) {
                    event.answer = answers.get(event.sequence);
                }
                client.logout();
                client.awaitClosed(2, TimeUnit.SECONDS);
            }
        }
    }

    /** Name of the record of re-injected dead letters, in the data directory. */
    static final String REPLAYED_FILE = "dlq-replayed.txt";

    /**
     * The record of what {@code dlq replay} re-injected: one line per dead letter that reached the server and was
     * answered, {@code <dlq index> <time> tenant <t> client <c> sequence <s>: <answer>}, appended and forced to disk
     * after each run. A second run skips those dead letters unless told {@code --again}.
     */
    static final class Replayed {
        private Replayed() {
        }

        static Map<Long, String> read(final Path dataDir) throws IOException {
            final Path file = dataDir.resolve(REPLAYED_FILE);
            final Map<Long, String> replayed = new LinkedHashMap<>();
            if (!Files.isRegularFile(file)) {
                return replayed;
            }
            int lineNumber = 0;
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNumber++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                final int space = line.indexOf(' ');
                try {
                    replayed.put(Long.parseLong(space < 0 ? line : line.substring(0, space)),
                        space < 0 ? "" : line.substring(space + 1));
                } catch (final NumberFormatException ex) {
                    throw new IllegalArgumentException(file + " line " + lineNumber + ": not a dead-letter index: " + line, ex);
                }
            }
            return replayed;
        }

        static void record(final Path dataDir, final List<Corrected> events) throws IOException {
            final StringBuilder lines = new StringBuilder();
            final String now = java.time.Instant.now().toString();
            for (final Corrected event : events) {
                if (event.answer != null) {
                    lines.append(event.fix.index).append(' ').append(now).append(" tenant ")
                        .append(Integer.toUnsignedString(event.tenantId)).append(" sequence ").append(event.sequence)
                        .append(": ").append(event.answer).append('\n');
                }
            }
            if (lines.length() == 0) {
                return;
            }
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(dataDir.resolve(REPLAYED_FILE),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.APPEND)) {
                final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
        }
    }

    /** The tenant of the shared credential, when the server has no credentials file. */
    static final int DEFAULT_TENANT = 1;

    /** A client to log on as for one tenant's re-injected events. */
    static final class Login {
        final int tenantId;
        final long clientId;
        final String secret;

        Login(final int tenantId, final long clientId, final String secret) {
            this.tenantId = tenantId;
            this.clientId = clientId;
            this.secret = secret;
        }

        /** Reads a `tenantId clientId secret` file: one client per tenant. */
        static Map<Integer, Login> parse(final Path file, final PrintStream warnings) throws IOException {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                final java.util.Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                if (permissions.contains(PosixFilePermission.OTHERS_READ) || permissions.contains(PosixFilePermission.GROUP_READ)) {
                    warnings.println("warning: " + file + " holds secrets and is readable by others (chmod 600 it)");
                }
            }
            final Map<Integer, Login> logins = new LinkedHashMap<>();
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                final String text = lines.get(i).strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                final String[] parts = text.split("\\s+", 3);
                final String where = file + " line " + (i + 1) + ": ";
                if (parts.length != 3) {
                    throw new IllegalArgumentException(where + "expected `tenantId clientId secret`");
                }
                final Login login;
                try {
                    login = new Login(Integer.parseUnsignedInt(parts[0]), Long.parseUnsignedLong(parts[1]), parts[2]);
                } catch (final NumberFormatException ex) {
                    throw new IllegalArgumentException(where + "tenantId and clientId are unsigned numbers");
                }
                if (logins.putIfAbsent(login.tenantId, login) != null) {
                    throw new IllegalArgumentException(where + "a second client for tenant " + parts[0] + "; give one per tenant");
                }
            }
            return logins;
        }
    }

    /** One line of a fix file. */
    static final class Fix {
        final int line;
        final long index;
        final Map<String, String> fields = new LinkedHashMap<>();

        private Fix(final int line, final long index) {
            this.line = line;
            this.index = index;
        }

        static List<Fix> parse(final Path file) throws IOException {
            final List<Fix> fixes = new ArrayList<>();
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                final String text = lines.get(i).trim();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                final String[] parts = text.split("\\s+");
                final Fix fix;
                try {
                    fix = new Fix(i + 1, Long.decode(parts[0]));
                } catch (final NumberFormatException ex) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": '" + parts[0] + "' is not a dead-letter index");
                }
                for (int p = 1; p < parts.length; p++) {
                    final int eq = parts[p].indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected field=value, got '" + parts[p] + "'");
                    }
                    fix.fields.put(parts[p].substring(0, eq), parts[p].substring(eq + 1));
                }
                fixes.add(fix);
            }
            return fixes;
        }
    }

    /** A dead-lettered event decoded, with the corrections applied. */
    static final class Corrected {
        final Fix fix;
        final int tenantId;
        final int templateId;
        /** Sequence it was re-injected with, and its answer; set by the replay. */
        long sequence;
        String answer;
        long eventTimeNs;
        long accountId;
        long merchantId;
        int mcc;
        long amountMinor;
        String currency;
        String country;
        Channel channel;
        Label label;
        long seriesId;
        double value;

        private Corrected(final Fix fix, final int tenantId, final int templateId) {
            this.fix = fix;
            this.tenantId = tenantId;
            this.templateId = templateId;
        }

        static Corrected from(final JournalRecord record, final Fix fix) {
            int offset = 0;
            int length = record.source == RecordHeader.SOURCE_ENGINE ? DeadLetterTrailer.eventLength(record) : record.payloadLength;
            final DirectBuffer payload = record.payload();
            if (record.source == RecordHeader.SOURCE_GATEWAY) {
                if (FrameValidator.frameLength(payload, 0, length, Journals.MAX_PAYLOAD_BYTES) <= 0 ||
                    FrameValidator.validateMessage(payload, 0, length) != null) {
                    throw new IllegalArgumentException("line " + fix.line + ": dead letter " + fix.index + " (" +
                        reasonName(record.code) + ") is not a decodable frame; it cannot be re-injected");
                }
                offset = Framing.SOFH_LENGTH;
                length -= Framing.SOFH_LENGTH;
            }
            if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
                throw new IllegalArgumentException("line " + fix.line + ": dead letter " + fix.index + " holds no message");
            }
            final UnsafeBuffer message = new UnsafeBuffer(payload, offset, length);
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(message, 0);
            final Corrected c = new Corrected(fix, record.tenantId, header.templateId());
            if (header.templateId() == TransactionDecoder.TEMPLATE_ID) {
                final TransactionDecoder tx = new TransactionDecoder().wrapAndApplyHeader(message, 0, header);
                c.eventTimeNs = tx.eventTimeNs();
                c.accountId = tx.accountId();
                c.merchantId = tx.merchantId();
                c.mcc = tx.mcc();
                c.amountMinor = tx.amountMinor();
                c.currency = tx.currency();
                c.country = tx.country();
                c.channel = Channel.get(tx.channelRaw() >= 0 && tx.channelRaw() <= 3 ? tx.channelRaw() : 0);
                c.label = tx.labelRaw() >= 0 && tx.labelRaw() <= 2 ? Label.get(tx.labelRaw()) : Label.UNKNOWN;
            } else if (header.templateId() == MetricSampleDecoder.TEMPLATE_ID) {
                final MetricSampleDecoder sample = new MetricSampleDecoder().wrapAndApplyHeader(message, 0, header);
                c.eventTimeNs = sample.eventTimeNs();
                c.seriesId = sample.seriesId();
                c.value = sample.value();
            } else {
                throw new IllegalArgumentException("line " + fix.line + ": dead letter " + fix.index +
                    " is not an event (template " + header.templateId() + "); only Transaction and MetricSample can be re-injected");
            }
            for (final Map.Entry<String, String> field : fix.fields.entrySet()) {
                c.apply(field.getKey(), field.getValue());
            }
            return c;
        }

        private void apply(final String field, final String text) {
            try {
                switch (field) {
                    case "eventTimeNs": eventTimeNs = Long.parseLong(text); return;
                    case "accountId": accountId = Long.parseLong(text); return;
                    case "merchantId": merchantId = Long.parseLong(text); return;
                    case "mcc": mcc = Integer.parseInt(text); return;
                    case "amountMinor": amountMinor = Long.parseLong(text); return;
                    case "currency": currency = text; return;
                    case "country": country = text; return;
                    case "channel": channel = Channel.valueOf(text.toUpperCase(Locale.ROOT)); return;
                    case "seriesId": seriesId = Long.parseLong(text); return;
                    case "value": value = Double.parseDouble(text); return;
                    default:
                        throw new IllegalArgumentException("line " + fix.line + ": unknown field '" + field + "'");
                }
            } catch (final NumberFormatException ex) {
                throw new IllegalArgumentException("line " + fix.line + ": " + field + "=" + text + " is not a number");
            }
        }

        void send(final VigilClient client, final long sequence) throws IOException {
            if (templateId == TransactionDecoder.TEMPLATE_ID) {
                client.sendTransaction(sequence, eventTimeNs, accountId, merchantId, mcc, amountMinor, currency, country,
                    channel, label);
            } else {
                client.sendMetric(sequence, eventTimeNs, seriesId, value);
            }
        }
    }

    static void requireJournals(final Path dataDir) {
        if (!Files.isDirectory(dataDir.resolve(Journals.DEAD_LETTERS))) {
            throw new IllegalArgumentException("no journals in " + dataDir.toAbsolutePath() + " (expected " +
                Journals.DEAD_LETTERS + "/ there)");
        }
    }

    static String reasonName(final int code) {
        for (final RejectReason reason : RejectReason.values()) {
            if (reason.value() == code) {
                return reason.name();
            }
        }
        return "UNKNOWN(" + code + ")";
    }

    /** The failure text an INTERNAL_ERROR dead letter carries in its trailer, as " | failure: ...", else "". */
    private static String failure(final JournalRecord record) {
        final String text = record.source == RecordHeader.SOURCE_ENGINE ? DeadLetterTrailer.text(record) : null;
        return text == null ? "" : " | failure: " + text;
    }

    private static String describe(final JournalRecord record) {
        int offset = 0;
        if (record.source == RecordHeader.SOURCE_GATEWAY) {
            if (record.payloadLength < Framing.MIN_FRAME_LENGTH) {
                return record.payloadLength + " bytes (no complete header)";
            }
            offset = Framing.SOFH_LENGTH;
        }
        if (record.payloadLength - offset < MessageHeaderDecoder.ENCODED_LENGTH) {
            return record.payloadLength + " bytes";
        }
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(record.payload(), offset);
        if (header.templateId() == TransactionDecoder.TEMPLATE_ID && record.payloadLength - offset >=
            MessageHeaderDecoder.ENCODED_LENGTH + FrameValidator.TRANSACTION_V1_BLOCK_LENGTH) {
            final TransactionDecoder tx = new TransactionDecoder().wrapAndApplyHeader(record.payload(), offset, header);
            return String.format("Transaction account %d amount %d %s", tx.accountId(), tx.amountMinor(), tx.currency());
        }
        if (header.templateId() == MetricSampleDecoder.TEMPLATE_ID && record.payloadLength - offset >=
            MessageHeaderDecoder.ENCODED_LENGTH + MetricSampleDecoder.BLOCK_LENGTH) {
            final MetricSampleDecoder sample = new MetricSampleDecoder().wrapAndApplyHeader(record.payload(), offset, header);
            return String.format("MetricSample series %d value %s", sample.seriesId(), sample.value());
        }
        return "template " + header.templateId() + ", " + record.payloadLength + " bytes";
    }
}
