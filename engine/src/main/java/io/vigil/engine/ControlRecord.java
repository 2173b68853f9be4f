package io.vigil.engine;

import org.agrona.DirectBuffer;

/**
 * A control record of the input journal as the pipeline hands it to {@link Stage#onControl}: a change that alters
 * decisions (rules, model, feature set, an erasure, a watermark tick), which takes effect at its position in the
 * journal, live and in replay alike.
 *
 * <p>A flyweight over the journal record: valid during the call only. Not thread-safe; one per pipeline.
 */
public final class ControlRecord {
    private EventSlot slot;

    ControlRecord wrap(final EventSlot slot) {
        this.slot = slot;
        return this;
    }

    /** SBE template id of the control message. */
    public int templateId() {
        return slot.templateId;
    }

    /** Input journal index of the record. */
    public long inputIndex() {
        return slot.input.index;
    }

    /** Ingest time the journal recorded (epoch ns): the time the change takes effect. */
    public long timeNs() {
        return slot.input.timeNs;
    }

    /** The SBE message, header included, at offset 0. */
    public DirectBuffer buffer() {
        return slot.input.payload();
    }

    public int length() {
        return slot.input.payloadLength;
    }
}
