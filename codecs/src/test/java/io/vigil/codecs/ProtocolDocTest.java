package io.vigil.codecs;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.ReasonCodesDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps {@code docs/protocol.md} true: its example frames byte for byte, and its message, field, enum and reason-bit
 * tables against the generated codecs.
 */
@Timeout(10)
class ProtocolDocTest {
    private static final Pattern MESSAGE_HEADING = Pattern.compile("^### (\\w+) \\(templateId (\\d+), blockLength (\\d+)\\)$");
    private static final Pattern TYPE_HEADING = Pattern.compile("^### (\\w+) \\((uint8|uint16|uint32 set)\\)$");
    private static final String[] MESSAGES = {
        "Logon", "LogonAck", "Reject", "Heartbeat", "Logout", "Transaction", "MetricSample", "Decision"};

    private static List<String> lines;

    @BeforeAll
    static void readDoc() throws IOException {
        final Path doc = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "..", "docs", "protocol.md");
        lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
    }

    @Test
    void shouldShowTransactionFrameByteForByte() {
        final byte[] documented = exampleFrame("transaction-v3");
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        final int frameLength = SchemaEvolutionTest.encodeCurrentTransaction(buffer);
        assertEquals(TestFrames.hex(buffer.byteArray(), 0, frameLength), TestFrames.hex(documented, 0, documented.length));

        final UnsafeBuffer frame = new UnsafeBuffer(documented);
        assertEquals(documented.length, FrameValidator.frameLength(frame, 0, documented.length, Framing.DEFAULT_MAX_FRAME_BYTES));
        assertNull(FrameValidator.validateMessage(frame, 0, documented.length));
        final TransactionDecoder decoder = new TransactionDecoder()
            .wrap(frame, Messages.bodyOffset(0), Messages.blockLength(frame, 0), Messages.version(frame, 0));
        assertEquals(12_345L, decoder.amountMinor());
        assertEquals(Channel.ECOMMERCE, decoder.channel());
        assertEquals(Label.LEGIT, decoder.label());
    }

    @Test
    void shouldShowVersion1TransactionFrameAsTheCheckedInFixture() {
        final byte[] documented = exampleFrame("transaction-v1");
        final byte[] fixture = TestFrames.unhex(SchemaEvolutionTest.V1_TRANSACTION_FRAME_HEX);
        assertEquals(TestFrames.hex(fixture, 0, fixture.length), TestFrames.hex(documented, 0, documented.length));
    }

    @Test
    void shouldDocumentEveryMessageInTheSummaryTable() throws ReflectiveOperationException {
        final Map<String, String[]> rows = new LinkedHashMap<>();
        for (final String[] row : tableAfter("| templateId | message |")) {
            rows.put(row[1], row);
        }
        assertEquals(List.of(MESSAGES), new ArrayList<>(rows.keySet()));
        for (final String message : MESSAGES) {
            final Class<?> decoder = decoderClass(message);
            assertEquals(decoder.getField("TEMPLATE_ID").getInt(null), Integer.parseInt(rows.get(message)[0]), message);
            assertEquals(decoder.getField("BLOCK_LENGTH").getInt(null), Integer.parseInt(rows.get(message)[3]), message);
        }
    }

    @Test
    void shouldDocumentEveryFieldWithItsOffsetLengthAndSinceVersion() throws ReflectiveOperationException {
        final Map<String, Integer> headingLines = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            final Matcher matcher = MESSAGE_HEADING.matcher(lines.get(i));
            if (matcher.matches()) {
                final Class<?> decoder = decoderClass(matcher.group(1));
                assertEquals(decoder.getField("TEMPLATE_ID").getInt(null), Integer.parseInt(matcher.group(2)), lines.get(i));
                assertEquals(decoder.getField("BLOCK_LENGTH").getInt(null), Integer.parseInt(matcher.group(3)), lines.get(i));
                headingLines.put(matcher.group(1), i);
            }
        }
        assertEquals(new TreeSet<>(List.of(MESSAGES)), headingLines.keySet());

        for (final Map.Entry<String, Integer> entry : headingLines.entrySet()) {
            final Class<?> decoder = decoderClass(entry.getKey());
            final Map<String, String[]> documented = new LinkedHashMap<>();
            for (final String[] row : tableFrom(entry.getValue() + 1)) {
                documented.put(row[0], row);
            }
            final List<String> fields = new ArrayList<>();
            for (final Method method : decoder.getMethods()) {
                if (Modifier.isStatic(method.getModifiers()) && method.getName().endsWith("EncodingOffset")) {
                    fields.add(method.getName().substring(0, method.getName().length() - "EncodingOffset".length()));
                }
            }
            assertEquals(new TreeSet<>(fields), new TreeSet<>(documented.keySet()), entry.getKey());
            for (final String field : fields) {
                final String[] row = documented.get(field);
                final String where = entry.getKey() + "." + field;
                assertEquals(decoder.getMethod(field + "EncodingOffset").invoke(null), Integer.parseInt(row[1]), where + " offset");
                assertEquals(decoder.getMethod(field + "EncodingLength").invoke(null), Integer.parseInt(row[2]), where + " length");
                assertEquals(decoder.getMethod(field + "SinceVersion").invoke(null), Integer.parseInt(row[4]), where + " since");
            }
        }
    }

    @Test
    void shouldDocumentEveryEnumValue() throws ReflectiveOperationException {
        for (final String type : new String[] {"Channel", "Label", "Action", "RejectReason"}) {
            final Class<?> enumClass = Class.forName("io.vigil.codecs.sbe." + type);
            final Method value = enumClass.getMethod("value");
            final Map<String, Integer> expected = new TreeMap<>();
            for (final Object constant : enumClass.getEnumConstants()) {
                if (!"NULL_VAL".equals(((Enum<?>)constant).name())) {
                    expected.put(((Enum<?>)constant).name(), ((Number)value.invoke(constant)).intValue());
                }
            }
            final Map<String, Integer> documented = new TreeMap<>();
            for (final String[] row : tableFrom(typeHeading(type) + 1)) {
                documented.put(row[0], Integer.parseInt(row[1]));
            }
            assertEquals(expected, documented, type);
        }
    }

    @Test
    void shouldDocumentEveryReasonBit() throws ReflectiveOperationException {
        final List<String[]> rows = tableFrom(typeHeading("ReasonCodes") + 1);
        int choices = 0;
        for (final Method method : ReasonCodesDecoder.class.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) && method.getReturnType() == boolean.class) {
                choices++;
            }
        }
        assertEquals(choices, rows.size());
        for (final String[] row : rows) {
            final int bit = Integer.parseInt(row[1]);
            assertEquals(1 << bit, Integer.decode(row[2]), row[0] + " mask");
            // SBE's Java accessor of choice MODEL_HIGH is mODEL_HIGH
            final Method isSet = ReasonCodesDecoder.class.getMethod(Character.toLowerCase(row[0].charAt(0)) + row[0].substring(1), int.class);
            assertTrue((Boolean)isSet.invoke(null, 1 << bit), row[0]);
            assertEquals(Boolean.FALSE, isSet.invoke(null, ~(1 << bit)), row[0]);
        }
    }

    private static Class<?> decoderClass(final String message) throws ClassNotFoundException {
        return Class.forName("io.vigil.codecs.sbe." + message + "Decoder");
    }

    private static int typeHeading(final String type) {
        for (int i = 0; i < lines.size(); i++) {
            final Matcher matcher = TYPE_HEADING.matcher(lines.get(i));
            if (matcher.matches() && matcher.group(1).equals(type)) {
                return i;
            }
        }
        throw new AssertionError("no heading for " + type + " in docs/protocol.md");
    }

    private static List<String[]> tableAfter(final String headerPrefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(headerPrefix)) {
                return tableFrom(i);
            }
        }
        throw new AssertionError("no table starting " + headerPrefix + " in docs/protocol.md");
    }

    /** The body rows of the first Markdown table at or after line {@code from}; cells trimmed, backticks removed. */
    private static List<String[]> tableFrom(final int from) {
        int i = from;
        while (i < lines.size() && !lines.get(i).startsWith("|")) {
            i++;
        }
        i += 2; // header and separator
        final List<String[]> rows = new ArrayList<>();
        for (; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            final String[] cells = lines.get(i).substring(1).split("\\|");
            for (int c = 0; c < cells.length; c++) {
                cells[c] = cells[c].replace("`", "").trim();
            }
            rows.add(cells);
        }
        assertTrue(!rows.isEmpty(), "empty table after line " + from);
        return rows;
    }

    private static byte[] exampleFrame(final String name) {
        final int marker = lines.indexOf("<!-- example-frame: " + name + " -->");
        assertTrue(marker >= 0, "no example-frame marker " + name);
        assertEquals("```text", lines.get(marker + 1));
        final StringBuilder hex = new StringBuilder();
        for (int i = marker + 2; !lines.get(i).equals("```"); i++) {
            hex.append(lines.get(i)).append(' ');
        }
        final byte[] bytes = TestFrames.unhex(hex.toString());
        assertNotNull(bytes);
        return bytes;
    }
}
