package io.vigil.scoring.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Helpers for the detectors' checkpoint state: length-prefixed arrays. Stateless; control plane only. */
final class StateIo {
    private StateIo() {
    }

    static void writeDoubles(final DataOutput out, final double[] values) throws IOException {
        out.writeInt(values.length);
        for (final double v : values) {
            out.writeLong(Double.doubleToRawLongBits(v));
        }
    }

    /** Reads an array written by {@link #writeDoubles} into {@code into}, which must have the same length. */
    static void readDoubles(final DataInput in, final double[] into, final String what) throws IOException {
        final int length = in.readInt();
        if (length != into.length) {
            throw new IOException(what + ": state holds " + length + " values, this detector " + into.length);
        }
        for (int i = 0; i < length; i++) {
            into[i] = Double.longBitsToDouble(in.readLong());
        }
    }
}
