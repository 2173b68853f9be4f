package io.vigil.engine.counters;

/**
 * A counters file that cannot be read, with a one-line message for operators and the kind of problem for tools
 * that pick an exit code.
 */
public final class CountersFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the file. */
    public enum Problem {
        /** There is no file. */
        ABSENT,
        /** It exists but cannot be read or mapped. */
        UNREADABLE,
        /** It is not a Vigil counters file. */
        NOT_COUNTERS,
        /** It is being created: the magic is not written yet. */
        NOT_READY,
        /** A layout version this code does not read. */
        VERSION
    }

    private final Problem problem;

    public CountersFileException(final Problem problem, final String message) {
        super(message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
