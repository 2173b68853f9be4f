package io.vigil.replay;

import io.vigil.engine.CheckpointStore;
import io.vigil.engine.Pipeline;
import io.vigil.scoring.features.TransactionFeatures;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** Canonical forms of the per-key state in a checkpoint, to compare two states account by account. */
final class StateSnapshots {
    private StateSnapshots() {
    }

    /**
     * "tenant/account" to its state slot, from a TransactionFeatures snapshot (after the section's feature set hash:
     * a header of 32 bytes, then the slots, each ending with the account id and the tenant).
     */
    static Map<String, ByteBuffer> accounts(final CheckpointStore.Checkpoint checkpoint) throws java.io.IOException {
        ByteBuffer in = checkpoint.section(Pipeline.FEATURES_SECTION).bytes();
        final ByteBuffer head = in.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (head.remaining() >= 8 && head.getInt(head.position()) == 0x56464831) { // version 2: the feature set hash first
            final ByteOrder order = in.order();
            in.position(in.position() + 8 + head.getInt(head.position() + 4));
            in = in.slice().order(order);
        }
        final long count = in.getLong(24);
        in.position(32);
        final Map<String, ByteBuffer> accounts = new TreeMap<>();
        for (long i = 0; i < count; i++) {
            final byte[] slot = new byte[TransactionFeatures.SLOT_BYTES];
            in.get(slot);
            final ByteBuffer state = ByteBuffer.wrap(slot).order(ByteOrder.LITTLE_ENDIAN);
            accounts.put(state.getInt(slot.length - 8) + "/" + state.getLong(slot.length - 16), state);
        }
        return accounts;
    }

    /** The metric detectors' snapshot: written in series order, so equal states have equal bytes. */
    static byte[] metrics(final CheckpointStore.Checkpoint checkpoint) throws java.io.IOException {
        final ByteBuffer in = checkpoint.section(Pipeline.METRICS_SECTION).bytes();
        final byte[] bytes = new byte[in.remaining()];
        in.get(bytes);
        return bytes;
    }

    /** A description of the first difference between two account maps, or null when they are equal. */
    static String firstDifference(final Map<String, ByteBuffer> expected, final Map<String, ByteBuffer> actual) {
        if (!expected.keySet().equals(actual.keySet())) {
            return "accounts differ: " + expected.size() + " expected, " + actual.size() + " actual";
        }
        for (final Map.Entry<String, ByteBuffer> e : expected.entrySet()) {
            final ByteBuffer other = actual.get(e.getKey());
            if (!e.getValue().equals(other)) {
                final int at = e.getValue().mismatch(other);
                return "account " + e.getKey() + " differs at byte " + at + " of its slot: " +
                    Arrays.toString(Arrays.copyOfRange(e.getValue().array(), at, Math.min(at + 8, e.getValue().capacity()))) +
                    " vs " + Arrays.toString(Arrays.copyOfRange(other.array(), at, Math.min(at + 8, other.capacity())));
            }
        }
        return null;
    }
}
