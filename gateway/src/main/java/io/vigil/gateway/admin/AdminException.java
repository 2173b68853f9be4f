package io.vigil.gateway.admin;

/**
 * An expected refusal of a request, answered with its status and the JSON body {@code {"error":..., "reason":...}}:
 * bad parameters (400), a resource that is not there (404), ... Immutable.
 */
public final class AdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;

    public AdminException(final int status, final String error, final String reason) {
        super(reason, null, false, false);
        this.status = status;
        this.error = error;
    }

    /** A 400 {@code bad_parameter} naming what is wrong. */
    public static AdminException badParameter(final String reason) {
        return new AdminException(400, "bad_parameter", reason);
    }

    public int status() {
        return status;
    }

    /** A short machine-readable word ({@code bad_parameter}, {@code not_found}, ...). */
    public String error() {
        return error;
    }

    /** The human-readable reason. */
    public String reason() {
        return getMessage();
    }
}
