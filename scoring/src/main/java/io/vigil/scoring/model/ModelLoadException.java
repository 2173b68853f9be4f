package io.vigil.scoring.model;

/**
 * A model file could not be loaded or does not fit the feature set; the message names the file and
 * the problem.
 *
 * <p><b>Thread safety:</b> immutable. <b>Allocation:</b> thrown at load time only, never on the hot path.
 */
public final class ModelLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(final String message) {
        super(message);
    }

    public ModelLoadException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
