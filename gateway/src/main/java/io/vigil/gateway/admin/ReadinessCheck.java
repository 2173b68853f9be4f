package io.vigil.gateway.admin;

/**
 * One condition of {@code GET /health/ready}: the server takes traffic only while every check passes. Vigil's own
 * (engine live, journals writable, model loaded, agents running) come with {@link Health}; other modules add theirs
 * (the SLO module: "not in fast burn") with {@link Health#addReadinessCheck}. Called on the admin thread at each
 * probe: it must be quick and read published state only. Implementations must be safe to call from the admin thread.
 */
@FunctionalInterface
public interface ReadinessCheck {
    /** The outcome, with a reason an operator can act on. */
    record Result(boolean ok, String reason) {
        public static Result ok(final String reason) {
            return new Result(true, reason);
        }

        public static Result failed(final String reason) {
            return new Result(false, reason);
        }
    }

    Result check();
}
