package io.vigil.replay;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import io.vigil.journal.RecordHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the events of a CSV or Parquet file for {@code vigil features backfill} (column schema in docs/features.md
 * "Backfill"), one row at a time in file order, encodes each as the SBE {@code Transaction} a client would have sent
 * and hands it to {@link Backfill#record} as the gateway journals it (source = the row's {@code source} column, the
 * client id; ingest time = its {@code ingest_time_ns}, or its event time): from there on a file row takes exactly
 * the path of a journaled event. Event time: a watermark tick with the policy given opens the file (observed at the
 * first row's ingest time), and, with an idle timeout, one more tick is applied before each row whose ingest time is
 * at least a tick interval past the last tick's (the gateway's cadence, decided by the file's ingest times).
 *
 * <p>Bad input (a missing column, a cell that is not what its column holds) is an {@link InputException} naming the
 * file, the data row (from 1, the header not counted) and the column; nothing is written then. Single-threaded;
 * allocates per row (parsing): an offline tool.
 */
final class BackfillFiles {
    /** Columns a file must have. */
    static final List<String> REQUIRED = List.of("tenant", "account", "merchant", "mcc", "amount_minor", "channel",
        "country", "currency", "event_time_ns");
    /** Columns a file may have: the source (client id, default 0) and the ingest time (default: the event time). */
    static final List<String> OPTIONAL = List.of("source", "ingest_time_ns");

    private static final int TENANT = 0;
    private static final int ACCOUNT = 1;
    private static final int MERCHANT = 2;
    private static final int MCC = 3;
    private static final int AMOUNT = 4;
    private static final int CHANNEL = 5;
    private static final int COUNTRY = 6;
    private static final int CURRENCY = 7;
    private static final int EVENT_TIME = 8;
    private static final int SOURCE = 9;
    private static final int INGEST_TIME = 10;
    private static final int COLUMNS = 11;

    /** The file is not what backfill reads: the message names the file, row and column. */
    static final class InputException extends IOException {
        private static final long serialVersionUID = 1L;

        InputException(final String message) {
            super(message);
        }
    }

    /** The event-time policy of a file: the tick's fields, and how often ticks follow (see the class comment). */
    record Policy(long maxOutOfOrdernessNs, long idleTimeoutNs, long allowedLatenessNs, long tickIntervalNs) {
    }

    /** Told about each row that validation rejected (it has no row in the output, as it has no features live). */
    interface Rejects {
        void rejected(long row, int reason);
    }

    /** One row's cells as the reader found them. */
    private interface Cells {
        /** True when the cell of column {@code c} is present and not empty. */
        boolean present(int c);

        /** An integer column's value. */
        long integer(int c) throws InputException;

        /** A text column's value. */
        String text(int c) throws InputException;
    }

    private final Path file;
    private final Backfill backfill;
    private final Policy policy;
    private final Rejects rejects;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH +
        TransactionEncoder.BLOCK_LENGTH]);
    private final TransactionEncoder encoder = new TransactionEncoder();
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final int length;
    private final String[] names = new String[COLUMNS];
    private long row;
    private long lastTickNs;
    private boolean ticked;

    private BackfillFiles(final Path file, final Backfill backfill, final Policy policy, final Rejects rejects) {
        this.file = file;
        this.backfill = backfill;
        this.policy = policy;
        this.rejects = rejects;
        encoder.wrapAndApplyHeader(buffer, 0, header);
        this.length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        final List<String> all = new ArrayList<>(REQUIRED);
        all.addAll(OPTIONAL);
        all.toArray(names);
    }

    /**
     * Feeds every row of {@code file} ({@code csv} or {@code parquet}) to {@code backfill}.
     *
     * @return the data rows read.
     */
    static long read(final Path file, final String format, final Backfill backfill, final Policy policy,
        final Rejects rejects) throws IOException {
        final BackfillFiles reader = new BackfillFiles(file, backfill, policy, rejects);
        switch (format) {
            case "csv":
                reader.readCsv();
                break;
            case "parquet":
                reader.readParquet();
                break;
            default:
                throw new IllegalArgumentException("unknown input format '" + format + "'");
        }
        return reader.row;
    }

    private InputException bad(final int column, final String problem) {
        return new InputException(file + " row " + row + " column " + names[column] + ": " + problem);
    }

    private void readCsv() throws IOException {
        final CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY)
            .enable(CsvParser.Feature.SKIP_EMPTY_LINES);
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             MappingIterator<String[]> lines = mapper.readerFor(String[].class).readValues(in)) {
            if (!lines.hasNext()) {
                throw new InputException(file + ": empty (expected a header line naming the columns " +
                    String.join(", ", REQUIRED) + ")");
            }
            final String[] headerCells = lines.next();
            final int[] at = new int[COLUMNS];
            Arrays.fill(at, -1);
            for (int i = 0; i < headerCells.length; i++) {
                final int c = Arrays.asList(names).indexOf(headerCells[i].trim());
                if (c >= 0) {
                    if (at[c] >= 0) {
                        throw new InputException(file + " header: column " + names[c] + " appears twice");
                    }
                    at[c] = i;
                }
            }
            checkRequired(at);
            final String[][] current = new String[1][];
            final Cells cells = new Cells() {
                @Override
                public boolean present(final int c) {
                    return at[c] >= 0 && at[c] < current[0].length && !current[0][at[c]].trim().isEmpty();
                }

                @Override
                public long integer(final int c) throws InputException {
                    return parseInteger(c, text(c));
                }

                @Override
                public String text(final int c) throws InputException {
                    if (!present(c)) {
                        throw bad(c, "empty");
                    }
                    return current[0][at[c]].trim();
                }
            };
            try {
                while (lines.hasNext()) {
                    current[0] = lines.next();
                    row++;
                    if (current[0].length != headerCells.length) {
                        throw new InputException(file + " row " + row + ": " + current[0].length + " cells, the header has " +
                            headerCells.length);
                    }
                    event(cells);
                }
            } catch (final RuntimeException ex) {
                if (ex.getCause() instanceof IOException && !(ex.getCause() instanceof InputException)) {
                    throw new InputException(file + " after row " + row + ": not readable as CSV: " +
                        ex.getCause().getMessage());
                }
                throw ex;
            }
        } catch (final com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new InputException(file + " after row " + row + ": not readable as CSV: " + ex.getOriginalMessage());
        }
    }

    private void checkRequired(final int[] at) throws InputException {
        final List<String> missing = new ArrayList<>();
        for (int c = 0; c < REQUIRED.size(); c++) {
            if (at[c] < 0) {
                missing.add(names[c]);
            }
        }
        if (!missing.isEmpty()) {
            throw new InputException(file + ": no column " + String.join(", ", missing) + " (required: " +
                String.join(", ", REQUIRED) + "; optional: " + String.join(", ", OPTIONAL) + ")");
        }
    }

    private long parseInteger(final int c, final String text) throws InputException {
        if (c == EVENT_TIME || c == INGEST_TIME) {
            if (text.indexOf('T') > 0) {
                try {
                    final Instant instant = Instant.parse(text);
                    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
                } catch (final DateTimeParseException | ArithmeticException ex) {
                    throw bad(c, "not epoch nanoseconds or an ISO-8601 instant: '" + text + "'");
                }
            }
        }
        try {
            if (c == ACCOUNT || c == MERCHANT || c == SOURCE) {
                return text.startsWith("-") ? Long.parseLong(text) : Long.parseUnsignedLong(text);
            }
            return Long.parseLong(text);
        } catch (final NumberFormatException ex) {
            throw bad(c, "not an integer: '" + text + "'");
        }
    }

    private void readParquet() throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InputException(file + ": no such file");
        }
        final ParquetFileReader reader;
        try {
            reader = ParquetFileReader.open(new LocalInputFile(file),
                ParquetReadOptions.builder(new PlainParquetConfiguration())
                    .withCodecFactory(new ZstdCodecFactory(ZstdCodecFactory.DEFAULT_LEVEL)).build());
        } catch (final RuntimeException | IOException ex) {
            throw new InputException(file + ": not a Parquet file (" + ex.getMessage() + ")");
        }
        try (reader) {
            final MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            final List<Type> fields = new ArrayList<>();
            final int[] at = new int[COLUMNS];
            Arrays.fill(at, -1);
            final PrimitiveTypeName[] types = new PrimitiveTypeName[COLUMNS];
            for (int c = 0; c < COLUMNS; c++) {
                if (schema.containsField(names[c])) {
                    final Type type = schema.getType(names[c]);
                    if (!type.isPrimitive()) {
                        throw new InputException(file + ": column " + names[c] + " is not a primitive column");
                    }
                    types[c] = type.asPrimitiveType().getPrimitiveTypeName();
                    final boolean text = c == COUNTRY || c == CURRENCY;
                    final boolean ok = text ? types[c] == PrimitiveTypeName.BINARY ||
                        types[c] == PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY :
                        types[c] == PrimitiveTypeName.INT32 || types[c] == PrimitiveTypeName.INT64 ||
                            c == CHANNEL && types[c] == PrimitiveTypeName.BINARY;
                    if (!ok) {
                        throw new InputException(file + ": column " + names[c] + " is " + types[c] + ", expected " +
                            (text ? "a string (BINARY)" : c == CHANNEL ? "INT32, INT64 or a string" : "INT32 or INT64"));
                    }
                    at[c] = fields.size();
                    fields.add(type);
                }
            }
            checkRequired(at);
            final MessageType projection = new MessageType(schema.getName(), fields);
            reader.setRequestedSchema(projection);
            final Group[] current = new Group[1];
            final Cells cells = new Cells() {
                @Override
                public boolean present(final int c) {
                    return at[c] >= 0 && current[0].getFieldRepetitionCount(at[c]) > 0;
                }

                @Override
                public long integer(final int c) throws InputException {
                    if (!present(c)) {
                        throw bad(c, "empty");
                    }
                    switch (types[c]) {
                        case INT32:
                            return current[0].getInteger(at[c], 0);
                        case INT64:
                            return current[0].getLong(at[c], 0);
                        default:
                            return parseInteger(c, current[0].getString(at[c], 0).trim());
                    }
                }

                @Override
                public String text(final int c) throws InputException {
                    if (!present(c)) {
                        throw bad(c, "empty");
                    }
                    return types[c] == PrimitiveTypeName.INT32 || types[c] == PrimitiveTypeName.INT64 ?
                        Long.toString(integer(c)) : current[0].getString(at[c], 0).trim();
                }
            };
            PageReadStore pages;
            while ((pages = nextRowGroup(reader)) != null) {
                final RecordReader<Group> records = new ColumnIOFactory().getColumnIO(projection, schema)
                    .getRecordReader(pages, new GroupRecordConverter(projection));
                for (long r = 0; r < pages.getRowCount(); r++) {
                    current[0] = records.read();
                    row++;
                    event(cells);
                }
            }
        }
    }

    private PageReadStore nextRowGroup(final ParquetFileReader reader) throws IOException {
        try {
            return reader.readNextRowGroup();
        } catch (final IllegalArgumentException ex) {
            throw new InputException(file + " after row " + row + ": " + ex.getMessage());
        }
    }

    /** Encodes one row as the Transaction a client sends, and hands it on as the gateway journals it. */
    private void event(final Cells cells) throws IOException {
        final long tenant = cells.integer(TENANT);
        if (tenant < 0 || tenant > Integer.MAX_VALUE) {
            throw bad(TENANT, "out of range (0 to " + Integer.MAX_VALUE + "): " + tenant);
        }
        final long mcc = cells.integer(MCC);
        if (mcc < 0 || mcc > 0xFFFF) {
            throw bad(MCC, "out of range (0 to 65535): " + mcc);
        }
        final Channel channel = channel(cells);
        final String country = ascii(cells, COUNTRY, 2);
        final String currency = ascii(cells, CURRENCY, 3);
        final long eventTimeNs = cells.integer(EVENT_TIME);
        final long source = cells.present(SOURCE) ? cells.integer(SOURCE) : 0;
        final long ingestNs = cells.present(INGEST_TIME) ? cells.integer(INGEST_TIME) : eventTimeNs;
        final TransactionEncoder tx = encoder.wrapAndApplyHeader(buffer, 0, header)
            .clientSequence(row)
            .eventTimeNs(eventTimeNs)
            .accountId(cells.integer(ACCOUNT))
            .merchantId(cells.integer(MERCHANT))
            .mcc((int)mcc)
            .amountMinor(cells.integer(AMOUNT));
        for (int i = 0; i < 3; i++) {
            tx.currency(i, (byte)currency.charAt(i));
        }
        for (int i = 0; i < 2; i++) {
            tx.country(i, (byte)country.charAt(i));
        }
        tx.channel(channel).label(Label.NULL_VAL);
        if (!ticked) {
            ticked = true;
            tick(ingestNs);
        } else if (policy.idleTimeoutNs() > 0 && ingestNs - lastTickNs >= policy.tickIntervalNs()) {
            tick(ingestNs);
        }
        if (!backfill.record(row, RecordHeader.SOURCE_GATEWAY, (int)tenant, source, ingestNs, buffer, length)) {
            rejects.rejected(row, backfill.lastReject());
        }
    }

    private void tick(final long observedNs) {
        lastTickNs = observedNs;
        backfill.tick(observedNs, policy.maxOutOfOrdernessNs(), policy.idleTimeoutNs(), policy.allowedLatenessNs());
    }

    private Channel channel(final Cells cells) throws InputException {
        final String text = cells.text(CHANNEL);
        try {
            final int code = Integer.parseInt(text);
            if (code >= 0 && code <= Channel.MOTO.value()) {
                return Channel.get((short)code);
            }
        } catch (final NumberFormatException ex) {
            for (final Channel channel : Channel.values()) {
                if (channel != Channel.NULL_VAL && channel.name().equalsIgnoreCase(text)) {
                    return channel;
                }
            }
        }
        throw bad(CHANNEL, "not a channel: '" + text + "' (0 POS, 1 ECOMMERCE, 2 ATM, 3 MOTO, by code or name)");
    }

    private String ascii(final Cells cells, final int c, final int chars) throws InputException {
        final String text = cells.text(c);
        if (text.length() != chars) {
            throw bad(c, "expected " + chars + " letters (" + (c == COUNTRY ? "ISO 3166, e.g. DE" : "ISO 4217, e.g. EUR") +
                "), got '" + text + "'");
        }
        for (int i = 0; i < chars; i++) {
            if (text.charAt(i) > 0x7f) {
                throw bad(c, "not ASCII: '" + text + "'");
            }
        }
        return text; // letters the live validation refuses (lower case, digits) are rejected there, as live
    }

    /** The column names a file may hold, for help texts. */
    static String schemaText() {
        return String.join(", ", REQUIRED) + " (required); " + String.join(", ", OPTIONAL) + " (optional)";
    }
}
