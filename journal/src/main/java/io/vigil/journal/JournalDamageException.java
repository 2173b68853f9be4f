package io.vigil.journal;

/**
 * A journal record that cannot be trusted: its checksum does not match, its length fits no record layout, or its
 * bytes cannot be read at all (a truncated file). The record is never handed out as an event. The message is one line
 * naming the journal, the record's index and the cause.
 *
 * <p>Immutable; allocated only when damage is found.
 */
public final class JournalDamageException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String journal;
    private final long index;
    private final String reason;

    public JournalDamageException(final String journal, final long index, final String reason) {
        super("journal " + journal + " is damaged at index " + index + " (0x" + Long.toHexString(index) + "): " + reason);
        this.journal = journal;
        this.index = index;
        this.reason = reason;
    }

    public JournalDamageException(final String journal, final long index, final String reason, final Throwable cause) {
        this(journal, index, reason);
        initCause(cause);
    }

    /** The journal's directory, as given when it was opened. */
    public String journal() {
        return journal;
    }

    /** Index of the first record that is not sound. */
    public long index() {
        return index;
    }

    /** What is wrong with it. */
    public String reason() {
        return reason;
    }
}
