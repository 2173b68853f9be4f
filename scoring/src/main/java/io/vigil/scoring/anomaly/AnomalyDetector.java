package io.vigil.scoring.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * One streaming detector over one series: it scores a value against what it has learned so far,
 * then learns from it. Work per value is O(1) or bounded by a fixed window.
 *
 * <p>Implementations are single-threaded (owned by one pipeline thread) and never allocate in
 * {@link #update(long, double, double)}; they allocate only when constructed.
 */
public interface AnomalyDetector {
    /**
     * Scores {@code value} against the state learned from earlier values only, then learns it.
     *
     * @param eventTimeNs event time of the value, nanoseconds (never the wall clock).
     * @param value       the observation.
     * @param minScale    the smallest deviation that may count as surprising, in value units;
     *                    supplied by the caller (the ensemble derives it from the observed range)
     *                    so that perfectly flat or noise-free series do not divide by zero.
     * @return a non-negative surprise in deviation units (a |z|-like number), capped by the detector;
     *         0 while the detector is still warming up.
     */
    double update(long eventTimeNs, double value, double minScale);

    /** @return short stable name used in ablations and reports, e.g. {@code "ewma"}. */
    String name();

    /**
     * Writes the learned state (not the parameters) for a checkpoint. Control plane only; may allocate.
     *
     * @param out destination.
     * @throws IOException from {@code out}.
     */
    void writeState(DataOutput out) throws IOException;

    /**
     * Replaces the learned state with one written by {@link #writeState} of a detector built with the same
     * parameters; subsequent scores are then identical to those of the detector that wrote it.
     *
     * @param in source.
     * @throws IOException from {@code in}, or when the state does not fit these parameters.
     */
    void readState(DataInput in) throws IOException;
}
