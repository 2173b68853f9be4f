package io.vigil.replay;

import io.vigil.journal.JournalSearch;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Resolves {@code --from} / {@code --to} into input journal indices: a decimal or {@code 0x}-hex journal index as
 * printed in Decisions and logs, or a time (ISO-8601 instant such as {@code 2026-11-25T10:00:00Z}, or
 * {@code <epoch-ns>ns}) matched against the ingest time in the input journal's header, which grows along the journal.
 * A time is found by binary search over Chronicle's index ({@link JournalSearch}), never by a scan.
 *
 * <p>Stateless; allocates (control plane only).
 */
final class ReplayRange {
    private ReplayRange() {
    }

    /**
     * @param spec  the option value, or null.
     * @param start true for {@code --from} (first event at or after a time), false for {@code --to} (last at or before).
     * @return the input index, or -1 for an open end.
     * @throws IllegalArgumentException when the value is malformed or no event lies in the range.
     */
    static long resolve(final String spec, final Journals journals, final boolean start) {
        if (spec == null || spec.isBlank()) {
            return RecordHeader.NO_INDEX;
        }
        final String value = spec.trim().toLowerCase(Locale.ROOT);
        if (value.matches("\\d+")) {
            return Long.parseLong(value);
        }
        if (value.matches("0x[0-9a-f]+")) {
            return Long.parseUnsignedLong(value.substring(2), 16);
        }
        final long timeNs;
        if (value.matches("\\d+ns")) {
            timeNs = Long.parseLong(value.substring(0, value.length() - 2));
        } else {
            try {
                final Instant instant = Instant.parse(spec.trim());
                timeNs = Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
            } catch (final DateTimeParseException | ArithmeticException ex) {
                throw new IllegalArgumentException("'" + spec + "' is neither a journal index (decimal or 0x-hex) nor a " +
                    "time (ISO-8601 instant like 2026-11-25T10:00:00Z, or <epoch-ns>ns)");
            }
        }
        final JournalSearch search = journals.inputSearch();
        final long index = start ? search.firstAtOrAfter(RecordHeader.TIME_NS_OFFSET, timeNs) :
            search.lastAtOrBefore(RecordHeader.TIME_NS_OFFSET, timeNs);
        if (index == RecordHeader.NO_INDEX) {
            throw new IllegalArgumentException("no input event was journaled " + (start ? "at or after " : "at or before ") + spec);
        }
        return index;
    }
}
