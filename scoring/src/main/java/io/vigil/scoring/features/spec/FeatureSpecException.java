package io.vigil.scoring.features.spec;

/**
 * A feature definition that cannot be loaded or compiled: the message names the feature (or window) and the
 * problem. Thrown at start, never on the event path.
 */
public final class FeatureSpecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FeatureSpecException(final String message) {
        super(message);
    }

    public FeatureSpecException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
