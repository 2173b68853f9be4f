package io.vigil.engine;

import io.vigil.journal.RecordHeader;

/**
 * Which input records are control records: an SBE template id from {@link #FIRST_ID} on, appended by an admin path
 * (journal header source {@link RecordHeader#SOURCE_ADMIN}; a client's frame is never one, whatever its template).
 * Stateless.
 */
final class ControlTemplates {
    /** First SBE template id of the control messages. */
    static final int FIRST_ID = 30;
    /** Template ids of control messages stay below this. */
    static final int LIMIT_ID = 60;

    private ControlTemplates() {
    }

    static boolean isControl(final EventSlot slot) {
        return slot.input.source == RecordHeader.SOURCE_ADMIN && slot.templateId >= FIRST_ID && slot.templateId < LIMIT_ID;
    }
}
