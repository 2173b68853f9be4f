package io.vigil.gateway.alert;

import java.util.List;
import java.util.Map;

/**
 * Something that can be alerting: evaluated by the alert thread at each evaluation, it adds the alerts that hold now.
 * {@link AlertService} compares them with those firing (by fingerprint: name and labels): a new one fires, one no
 * longer added resolves. A source that throws keeps its alerts as they were until it evaluates again.
 *
 * <p>Called on the alert thread only (implementations need not be thread-safe); may allocate (control plane).
 */
public interface AlertSource extends AutoCloseable {
    /** An alert that holds now. */
    record Active(String name, Map<String, String> labels, Map<String, String> annotations) {
    }

    /** For logs and the snapshot's errors. */
    String name();

    /** Adds to {@code into} each alert that holds at {@code nowMs}. */
    void evaluate(long nowMs, List<Active> into);

    /** Releases what the source holds (journal readers); on the alert thread. */
    @Override
    default void close() {
    }
}
