package io.vigil.cli;

import io.vigil.engine.ConfigContext;
import io.vigil.engine.ConfigKeys;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;

import java.util.List;

/**
 * The logging keys of the {@code vigil} command, contributed to {@link VigilConfig} as a {@link ConfigKeys} service
 * ({@code META-INF/services}), so that they are documented in the README's generated table, known to the check for
 * look-alike system properties and environment variables, and checked at start like every other key.
 *
 * <p>The logging backend (logback, {@code logback.xml} in this module) configures itself when the first logger is
 * made, before any command has read its {@code --config} file; it reads {@link #LOG_FORMAT} itself, through
 * {@link LogFormatDefiner}, from the system property or the environment only. A value in a configuration file would
 * therefore be ignored, so it is refused there with a line that says where to set it instead.
 *
 * <p>Immutable; thread-safe.
 */
public final class LoggingConfiguration implements ConfigKeys {
    /** The module name in the README's table. */
    public static final String MODULE = "cli";
    private static final VigilConfig.KeyList KEYS = new VigilConfig.KeyList(MODULE);

    /** The value of {@link #LOG_FORMAT} for one line of text per event (the default). */
    public static final String TEXT = "text";
    /** The value of {@link #LOG_FORMAT} for one JSON object per line (logback's JsonEncoder). */
    public static final String JSON = "json";

    public static final Key LOG_FORMAT = KEYS.add("vigil.log.format", TEXT,
        "Log lines on stderr: text, or json (one JSON object a line: timestamp, level, threadName, loggerName, " +
            "message, formattedMessage, throwable). Read when the JVM starts, from the system property or the " +
            "environment only, never from a --config file. See docs/operations.md#logging.",
        Key.Recording.LOCAL);

    private static final List<Key> KEYS_IN_ORDER = KEYS.keys();

    /** For {@link java.util.ServiceLoader}; the keys are the constants above. */
    public LoggingConfiguration() {
    }

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public List<Key> keys() {
        return KEYS_IN_ORDER;
    }

    @Override
    public void conclude(final VigilConfig config) {
        new Context(config).conclude();
    }

    /** The logging keys read from a {@link VigilConfig} and checked once; see {@link ConfigContext}. */
    static final class Context extends ConfigContext {
        private String format;

        Context(final VigilConfig config) {
            super(config);
        }

        Context conclude() {
            concludeOnce();
            return this;
        }

        /** {@link #TEXT} or {@link #JSON}. */
        String format() {
            requireConcluded();
            return format;
        }

        @Override
        protected List<Key> keys() {
            return KEYS_IN_ORDER;
        }

        @Override
        protected void read(final Values v) {
            format = v.string(LOG_FORMAT);
            if (!TEXT.equals(format) && !JSON.equals(format)) {
                v.invalid(LOG_FORMAT, "must be " + TEXT + " or " + JSON);
                format = TEXT;
            } else if ("config file".equals(v.config().source(LOG_FORMAT))) {
                v.invalid(LOG_FORMAT, "logging is set up before the configuration file is read: set it as a " +
                    "system property (VIGIL_JAVA_OPTS=-Dvigil.log.format=" + format + ") or in the environment (" +
                    LOG_FORMAT.envName() + "=" + format + ")");
            }
        }
    }
}
