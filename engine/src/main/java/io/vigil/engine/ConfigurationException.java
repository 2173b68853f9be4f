package io.vigil.engine;

import java.util.List;

/**
 * Bad configuration values found when a {@link ConfigContext} was concluded: one problem per bad key (its name, value
 * and where it came from), all on one line in the message.
 */
public final class ConfigurationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigurationException(final List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per bad key. */
    public List<String> problems() {
        return problems;
    }
}
