package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;

/**
 * Decodes the event's SBE message and validates it ({@link EventValidator}): sets the slot's template, entity key and
 * event time, or its reject reason. Keeps no state. Not thread-safe; allocation-free.
 */
final class ValidateStage implements Stage {
    private final EventValidator validator;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TransactionDecoder transaction = new TransactionDecoder();
    private final MetricSampleDecoder sample = new MetricSampleDecoder();

    ValidateStage(final EventValidator validator) {
        this.validator = validator;
    }

    @Override
    public String name() {
        return "validate";
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (slot.input.payloadLength < MessageHeaderDecoder.ENCODED_LENGTH) {
            slot.rejectReason = RejectReason.FRAME_TOO_SHORT.value();
            return;
        }
        header.wrap(slot.input.payload(), 0);
        if (slot.templateId == TransactionDecoder.TEMPLATE_ID) {
            final TransactionDecoder tx = transaction.wrapAndApplyHeader(slot.input.payload(), 0, header);
            slot.eventTimeNs = tx.eventTimeNs();
            slot.entityKey = tx.accountId();
            slot.rejectReason = validator.validate(tx, slot.input.timeNs);
        } else if (slot.templateId == MetricSampleDecoder.TEMPLATE_ID) {
            final MetricSampleDecoder metric = sample.wrapAndApplyHeader(slot.input.payload(), 0, header);
            slot.eventTimeNs = metric.eventTimeNs();
            slot.entityKey = metric.seriesId();
            slot.rejectReason = validator.validate(metric, slot.input.timeNs);
        } else {
            slot.rejectReason = RejectReason.UNEXPECTED_MESSAGE.value();
            return;
        }
        if (slot.timed) {
            slot.validatedNs = System.nanoTime();
        }
    }
}
